/**
 * Type-level helpers of the DAG builder. Nothing here exists at run time.
 *
 * The builder keeps its node-output map in two parts so that each call costs the checker about
 * the same whatever the workflow's length:
 *
 * - `O`, the open chunk: the last few nodes, each added as one flat mapped type over the previous
 *   one (`Add`). Reading a key of a mapped type never walks the whole history, but a key read for
 *   the first time goes back one level per node, so the chunk is closed after {@link ChunkSize}
 *   nodes to keep that depth far from the checker's instantiation-depth limit.
 * - `C`, the closed chunks, intersected. Indexing an intersection makes the checker re-instantiate
 *   every member once per new intersection, so `C` only changes when a chunk closes.
 *
 * References (`"node"`, `"node.port"`) are validated by splitting the string at its first dot
 * and indexing the map, never by testing membership in a union of every reference; the union of
 * valid references is built only to report a bad one.
 */
import type { Branch, Selected } from "./markers.js";

/** Flattens an intersection so hovers show one object. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

declare const typeErrorBrand: unique symbol;

/**
 * A brand that carries a readable message into a compile error: an argument that meets it is
 * reported as "not assignable to type 'TypeError<"...">'". No value has this type, so the
 * argument is always rejected.
 */
export interface TypeError<Message extends string> {
  readonly [typeErrorBrand]: Message;
}

/**
 * What a reference that names nothing must match: the message names the node and input, and
 * `Valid` lists every reference the node may use, as literals.
 */
export interface UnknownRef<Message extends string, Valid extends string> {
  readonly [typeErrorBrand]: Message;
  readonly valid: Valid;
}

/** Every reference in the split map, as one union of literals (no aliases, for messages). */
type ValidRefs<C, O> =
  | { [N in keyof C & string]: N | `${N}.${PortName<C[N]>}` }[keyof C & string]
  | { [N in keyof O & string]: N | `${N}.${PortName<O[N]>}` }[keyof O & string];

/**
 * `[X] extends [Y]`, non-distributive, in an alias of its own: a tuple written inside an alias
 * that has the output map in scope captures that map, and the checker then walks the whole map
 * each time it relates the tuple.
 */
export type Fits<X, Y> = [X] extends [Y] ? true : false;

/** Whether `X` is `never` (see {@link Fits} for why this is an alias). */
export type IsNever<X> = [X] extends [never] ? true : false;

/** Which marker an output is, if any (see {@link Fits}). */
type MarkerOf<Out> = [Out] extends [never]
  ? "none"
  : [Out] extends [Branch<unknown>]
    ? "branch"
    : [Out] extends [Selected<string, unknown>]
      ? "select"
      : "none";

type Primitive = string | number | boolean | bigint | symbol | null | undefined | void;

/** How many nodes an open chunk holds before it is closed (see the module comment). */
export type ChunkSize = 8;

/** The open chunk plus node `N` with output `V`: one flat mapped type, no intersection. */
export type Add<O, N extends string, V> = {
  [P in keyof O | N]: P extends N ? V : O[P & keyof O];
};

/** The port names of an output: fields (without dots), branch sides, or select cases. */
export type PortName<V> = [V] extends [Primitive]
  ? never
  : [V] extends [readonly unknown[]]
    ? never
    : [V] extends [(...args: never[]) => unknown]
      ? never
      : [V] extends [Branch<unknown>]
        ? "true" | "false"
        : [V] extends [Selected<string, unknown>]
          ? string extends V["case"]
            ? never
            : V["case"]
          : Exclude<keyof V & string, `${string}.${string}`>;

/** The port references a node adds besides its name: fields, branches or select cases. */
export type PortKeys<N extends string, Out> = `${N}.${PortName<Out>}`;

/** Every reference a node named `N` with output `Out` adds. */
export type RefKeys<N extends string, Out> = N | PortKeys<N, Out>;

/** What flows out of port `P` of a node whose output is `V` (`never` for no such port). */
export type PortOf<V, P extends string> = [V] extends [Branch<infer T>]
  ? P extends "true" | "false"
    ? T
    : never
  : [V] extends [Selected<string, unknown>]
    ? CaseValue<V, P>
    : P extends `${string}.${string}`
      ? never
      : P extends keyof V
        ? V[P]
        : never;

/** The value a select output `V` carries on case `P` (distributes over the cases). */
export type CaseValue<V, P extends string> = V extends Selected<P, infer T> ? T : never;

/** A node's output in the split map (`never` when there is no such node). */
type Get<C, O, N> = N extends keyof O ? O[N] : N extends keyof C ? C[N] : never;

/** The type of a reference in the split map `C`/`O`: a node's output, or one of its ports. */
export type LookupIn<C, O, Ref> = Ref extends keyof O
  ? O[Ref]
  : Ref extends keyof C
    ? C[Ref]
    : Ref extends `${infer N}.${infer P}`
      ? PortOf<Get<C, O, N>, P>
      : never;

/** The type of a reference in an output map `R`: a node's output, or one of its ports. */
export type Lookup<R, Ref> = LookupIn<R, {}, Ref>;

/** Whether `Ref` names a node or one of its ports in the split map. */
type IsRef<C, O, Ref> = Ref extends keyof O | keyof C
  ? true
  : Ref extends `${infer N}.${infer P}`
    ? N extends keyof O | keyof C
      ? P extends PortName<Get<C, O, N>>
        ? true
        : false
      : false
    : false;

/**
 * A reference read from a run's results, checked by splitting it at its first dot (building the
 * union of every reference of a large workflow is too deep for the checker).
 */
export type ResultRefCheck<R, Ref> = string extends Ref
  ? unknown
  : IsRef<R, {}, Ref> extends true
    ? unknown
    : UnknownRef<`'${Ref & string}' is not a node or port of this workflow`, keyof R & string>;

/** Every reference of an output map (for tooling; slow for workflows of many nodes). */
export type RefsOfMap<R> = { [N in keyof R & string]: RefKeys<N, R[N]> }[keyof R & string];

/** Every node name of the split map. */
export type NamesIn<C, O> = (keyof C | keyof O) & string;

/** Run conditions under which a node may run with some arguments missing. */
export type Lenient = "always" | "any-failed";

/** What a `.any` list delivers: which candidate fired, and its value. */
export type AnyOfIn<C, O, E> = E extends string ? { from: E; value: LookupIn<C, O, E> } : never;

/** What a `.any` list delivers, in an output map `R`. */
export type AnyOf<R, E> = AnyOfIn<R, {}, E>;

/**
 * The argument object a node receives for dependencies `D`. Under `runIf: "always"` or
 * `"any-failed"` a dependency may have failed or been skipped, so each argument may be missing.
 */
export type ArgsIn<C, O, D, RI = "success"> = {
  -readonly [P in keyof D]: D[P] extends readonly (infer E)[]
    ? AnyOfIn<C, O, E>
    : RI extends Lenient
      ? LookupIn<C, O, D[P]> | undefined
      : LookupIn<C, O, D[P]>;
} & {};

/** The argument object a node receives for dependencies `D`, in an output map `R`. */
export type ArgsOf<R, D> = ArgsIn<R, {}, D>;

/** A short name of a type for messages (template literals cannot print arbitrary types). */
export type TypeName<T> = [T] extends [never]
  ? "never"
  : [T] extends [string]
    ? string extends T
      ? "string"
      : T extends string
        ? `"${T}"`
        : "string"
    : [T] extends [number]
      ? "number"
      : [T] extends [boolean]
        ? "boolean"
        : [T] extends [bigint]
          ? "bigint"
          : [T] extends [undefined]
            ? "undefined"
            : [T] extends [null]
              ? "null"
              : [T] extends [readonly (infer E)[]]
                ? `${TypeName<E>}[]`
                : [T] extends [(...args: never[]) => unknown]
                  ? "a function"
                  : [T] extends [AsyncIterable<infer E>]
                    ? `AsyncIterable<${TypeName<E>}>`
                    : [T] extends [object]
                      ? "object"
                      : "a union";

/**
 * One dependency checked: `unknown` when `Ref` is a valid reference whose type fits what the
 * function takes (`Want`), else a type no string meets: the valid references (for a bad one) or
 * a message naming the node, the input and the source.
 */
export type RefCheck<C, O, Ref, Want, N extends string, P> = string extends Ref
  ? ValidRefs<C, O>
  : IsRef<C, O, Ref> extends true
    ? Fits<LookupIn<C, O, Ref>, Want> extends true
      ? unknown
      : TypeError<`node '${N}' input '${P & string}' expects ${TypeName<Want>} but '${Ref & string}' gives ${TypeName<LookupIn<C, O, Ref>>}`>
    : UnknownRef<
        `node '${N}' input '${P & string}': '${Ref & string}' is not a reference`,
        | (keyof C & string)
        | (keyof O & string)
        | { [M in keyof C & string]: `${M}.${PortName<C[M]>}` }[keyof C & string]
        | { [M in keyof O & string]: `${M}.${PortName<O[M]>}` }[keyof O & string]
      >;

/** `.any` list entries checked one by one against what the function takes for that input. */
type AnyListCheck<C, O, L, Want, N extends string, P> = {
  [I in keyof L]: string extends L[I]
    ? ValidRefs<C, O>
    : IsRef<C, O, L[I]> extends true
      ? Fits<AnyOfIn<C, O, L[I]>, Want> extends true
        ? unknown
        : TypeError<`node '${N}' input '${P & string}' expects ${TypeName<Want>} but '${L[I] & string}' gives ${TypeName<LookupIn<C, O, L[I]>>}`>
      : UnknownRef<
          `node '${N}' input '${P & string}': '${L[I] & string}' is not a reference`,
          | (keyof C & string)
          | (keyof O & string)
          | { [M in keyof C & string]: `${M}.${PortName<C[M]>}` }[keyof C & string]
          | { [M in keyof O & string]: `${M}.${PortName<O[M]>}` }[keyof O & string]
        >;
};

/**
 * Dependencies checked against the output map and the function's argument type `A`: each bad
 * entry is reported on that entry, and arguments the function needs but `deps` lacks are named.
 */
export type DepsCheck<C, O, D, A, N extends string> = {
  [P in keyof D]: D[P] extends readonly unknown[]
    ? AnyListCheck<C, O, D[P], P extends keyof A ? A[P] : unknown, N, P>
    : RefCheck<C, O, D[P], P extends keyof A ? A[P] : unknown, N, P>;
} & (IsNever<Exclude<keyof A, keyof D>> extends true ? unknown : MissingInputs<A, D, N>);

/**
 * Arguments the function requires that `deps` does not give. Evaluated only when the function's
 * argument type has keys `deps` lacks (looking into `A` costs the checker a walk of its type).
 */
type MissingInputs<A, D, N extends string> = 0 extends 1 & A
  ? unknown
  : {
      [
        P in Exclude<keyof A, keyof D> as {} extends Pick<A, P> ? never : P
      ]: TypeError<`node '${N}' needs input '${P & string}', which its dependencies do not give`>;
    };

/**
 * Checks a node name: a string literal, not `input`, without a dot and not taken. `Out` is the
 * function's result: only `.condition` and `.select` may return `branch()`/`select()` markers.
 */
export type NameCheck<C, O, N extends string, Out = unknown> = string extends N
  ? TypeError<"node names must be string literals (use looseDag for names computed at run time)">
  : N extends "input"
    ? TypeError<"node name 'input' is reserved for the run input">
    : N extends `${string}.${string}`
      ? TypeError<`node name '${N}' must not contain '.'`>
      : N extends keyof C | keyof O
        ? TypeError<`duplicate node name '${N}'`>
        : MarkerOf<Out> extends "branch"
          ? TypeError<`node '${N}' returns branch(): declare it with .condition`>
          : MarkerOf<Out> extends "select"
            ? TypeError<`node '${N}' returns select(): declare it with .select`>
            : unknown;

/** Rejects a node name that is taken (`K` holds the taken names), has a dot or is `input`. */
export type ValidName<N extends string, K extends string> = NameCheck<{ [P in K]: unknown }, {}, N>;

/** The element type of what a `.map` iterates. */
export type ItemOf<T> = T extends readonly (infer E)[] ? E : never;

/** Checks a `.map` dependency map: `items` must name an array. */
export type MapDepsCheck<C, O, D, N extends string> = D extends { items: infer Ref }
  ? IsRef<C, O, Ref> extends true
    ? LookupIn<C, O, Ref> extends readonly unknown[]
      ? { [P in keyof D]: RefCheck<C, O, D[P], unknown, N, P> }
      : { items: TypeError<`map '${N}': 'items' must name an array`> }
    : {
        items: UnknownRef<
          `map '${N}': '${Ref & string}' is not a reference`,
          | (keyof C & string)
          | (keyof O & string)
          | { [M in keyof C & string]: `${M}.${PortName<C[M]>}` }[keyof C & string]
          | { [M in keyof O & string]: `${M}.${PortName<O[M]>}` }[keyof O & string]
        >;
      }
  : { items: TypeError<`map '${N}' needs an 'items' dependency`> };

/** Checks `.sub` dependencies against the nested workflow's input, field by field. */
export type SubDepsCheck<C, O, D, SI, N extends string> = D extends string
  ? IsRef<C, O, D> extends true
    ? Fits<LookupIn<C, O, D>, SI> extends true
      ? unknown
      : TypeError<`sub-workflow '${N}': '${D}' does not fit the nested workflow's input`>
    : UnknownRef<
        `sub-workflow '${N}': '${D}' is not a reference`,
        | (keyof C & string)
        | (keyof O & string)
        | { [M in keyof C & string]: `${M}.${PortName<C[M]>}` }[keyof C & string]
        | { [M in keyof O & string]: `${M}.${PortName<O[M]>}` }[keyof O & string]
      >
  : {
      [P in keyof SI]-?: P extends keyof D
        ? IsRef<C, O, D[P]> extends true
          ? Fits<LookupIn<C, O, D[P]>, SI[P]> extends true
            ? unknown
            : TypeError<`sub-workflow '${N}': input '${P & string}' gets '${D[P] & string}' of the wrong type`>
          : UnknownRef<
              `sub-workflow '${N}': '${D[P] & string}' is not a reference`,
              | (keyof C & string)
              | (keyof O & string)
              | { [M in keyof C & string]: `${M}.${PortName<C[M]>}` }[keyof C & string]
              | { [M in keyof O & string]: `${M}.${PortName<O[M]>}` }[keyof O & string]
            >
        : undefined extends SI[P]
          ? unknown
          : TypeError<`sub-workflow '${N}': input '${P & string}' is missing`>;
    };

/** The whole argument of a map item function. */
export type MapArgs<C, O, D> = D extends { items: infer Ref }
  ? Simplify<{ item: ItemOf<LookupIn<C, O, Ref>>; index: number } & Omit<ArgsIn<C, O, D>, "items">>
  : never;
