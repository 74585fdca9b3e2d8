/**
 * Type-level helpers of the DAG builder. Nothing here exists at run time.
 *
 * The builder carries one map from every valid dependency reference ("load", "load.rows",
 * "big.true", "input.path") to the type that flows from it. Each call adds the new node's entries
 * by intersection and never re-derives the entries of earlier nodes, so the checker's work per
 * call stays small and the cost of a chain grows about linearly with its length.
 */

/** Flattens an intersection so hovers show one object. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

declare const typeErrorBrand: unique symbol;

/**
 * A brand that carries a readable message into a compile error: an argument that meets it is
 * reported as "not assignable to parameter of type '"x" & TypeError<"...">'". No value has
 * this type, so the argument is always rejected.
 */
export interface TypeError<Message extends string> {
  readonly [typeErrorBrand]: Message;
}

type Primitive = string | number | boolean | bigint | symbol | null | undefined | void;

/** Field references of an output: `{ "load.rows": Row[] }` for an object output, none otherwise. */
export type FieldRefs<N extends string, Out> = [Out] extends [Primitive]
  ? {}
  : [Out] extends [readonly unknown[]]
    ? {}
    : [Out] extends [(...args: never[]) => unknown]
      ? {}
      : { [K in keyof Out & string as `${N}.${K}`]: Out[K] };

/** The references a node named `N` with output `Out` adds. */
export type NodeRefs<N extends string, Out> = { [P in N]: Out } & FieldRefs<N, Out>;

/** The references of the run input. */
export type InputRefs<I> = NodeRefs<"input", I>;

/** The valid dependency strings of a reference map. */
export type RefKey<R> = keyof R & string;

/** What a `.any` list delivers: which candidate fired, and its value. */
export type AnyOf<R, E> = E extends string ? { from: E; value: E extends keyof R ? R[E] : never } : never;

/** The argument object a node receives for dependencies `D`. */
export type ArgsOf<R, D> = Simplify<{
  -readonly [K in keyof D]: D[K] extends readonly (infer E)[]
    ? AnyOf<R, E>
    : D[K] extends keyof R
      ? R[D[K]]
      : never;
}>;

/** A dependency map: each argument names one reference (or, for `.any`, a list of them). */
export type Deps<R> = Record<string, RefKey<R>>;
export type AnyDeps<R> = Record<string, RefKey<R> | readonly RefKey<R>[]>;

/** Rejects a node name that is taken, contains a dot or is the reserved `input`. */
export type ValidName<N extends string, R> = N extends "input"
  ? TypeError<"node name 'input' is reserved for the run input">
  : N extends `${string}.${string}`
    ? TypeError<`node name '${N}' must not contain '.'`>
    : N extends keyof R
      ? TypeError<`duplicate node name '${N}'`>
      : unknown;

/** The element type of what a `.map` iterates. */
export type ItemOf<T> = T extends readonly (infer E)[] ? E : never;

/** Checks a `.map` dependency map: `items` must name an array. */
export type MapDepsCheck<R, D, N extends string> = D extends { items: infer Ref }
  ? Ref extends keyof R
    ? R[Ref] extends readonly unknown[]
      ? unknown
      : { items: TypeError<`map '${N}': 'items' must name an array`> }
    : unknown
  : { items: TypeError<`map '${N}' needs an 'items' dependency`> };

/** Checks `.sub` dependencies against the nested workflow's input, field by field. */
export type SubDepsCheck<R, D, SI, N extends string> = D extends string
  ? D extends keyof R
    ? [R[D]] extends [SI]
      ? unknown
      : TypeError<`sub-workflow '${N}': '${D}' does not fit the nested workflow's input`>
    : unknown
  : {
      [K in keyof SI]-?: K extends keyof D
        ? D[K] extends keyof R
          ? [R[D[K]]] extends [SI[K]]
            ? unknown
            : TypeError<`sub-workflow '${N}': input '${K & string}' gets '${D[K] & string}' of the wrong type`>
          : unknown
        : undefined extends SI[K]
          ? unknown
          : TypeError<`sub-workflow '${N}': input '${K & string}' is missing`>;
    };

/** The whole argument of a map item function. */
export type MapArgs<R, D> = D extends { items: infer Ref }
  ? Simplify<
      { item: ItemOf<Ref extends keyof R ? R[Ref] : never>; index: number } & Omit<
        ArgsOf<R, D>,
        "items"
      >
    >
  : never;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (
  x: infer I,
) => void
  ? I
  : never;

/** The references a fragment's needs provide: each named node and the fields of its output. */
export type NeedsRefs<Needs> = [keyof Needs] extends [never]
  ? {}
  : UnionToIntersection<{ [K in keyof Needs & string]: NodeRefs<K, Needs[K]> }[keyof Needs & string]>;
