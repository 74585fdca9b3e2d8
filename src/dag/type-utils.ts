/**
 * Type-level helpers of the DAG builder. Nothing here exists at run time.
 *
 * The builder carries two things: `R`, a map from node name to output type (one entry per node),
 * and `K`, the union of every valid dependency string ("load", "load.rows", "big.true",
 * "input.path"). `K` is a union of string literals, which the checker never has to walk when it
 * instantiates types; `R` is reached only through the builder's own `this` type, so each call
 * looks up the few entries it needs instead of re-instantiating the whole map. Together they keep
 * the checker's work per call nearly constant, so a chain's cost grows about linearly.
 */
import type { Branch, Selected } from "./markers.js";

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

/** The port references a node adds besides its name: fields, branches or select cases. */
export type PortKeys<N extends string, Out> = [Out] extends [Primitive]
  ? never
  : [Out] extends [readonly unknown[]]
    ? never
    : [Out] extends [(...args: never[]) => unknown]
      ? never
      : [Out] extends [Branch<unknown>]
        ? `${N}.true` | `${N}.false`
        : [Out] extends [Selected<string, unknown>]
          ? `${N}.${Out["case"]}`
          : `${N}.${keyof Out & string}`;

/** Every reference a node named `N` with output `Out` adds. */
export type RefKeys<N extends string, Out> = N | PortKeys<N, Out>;

/** What flows out of port `P` of a node whose output is `V`. */
export type PortOf<V, P extends string> = [V] extends [Branch<infer T>]
  ? P extends "true" | "false"
    ? T
    : never
  : [V] extends [Selected<string, unknown>]
    ? CaseValue<V, P>
    : P extends keyof V
      ? V[P]
      : never;

/** The value a select output `V` carries on case `P` (distributes over the cases). */
export type CaseValue<V, P extends string> = V extends Selected<P, infer T> ? T : never;

/** The type of a reference: a node's output, or one of its ports. */
export type Lookup<R, Ref> = Ref extends keyof R
  ? R[Ref]
  : Ref extends `${infer N}.${infer P}`
    ? N extends keyof R
      ? PortOf<R[N], P>
      : never
    : never;

/** What a `.any` list delivers: which candidate fired, and its value. */
export type AnyOf<R, E> = E extends string ? { from: E; value: Lookup<R, E> } : never;

/** The argument object a node receives for dependencies `D`. */
export type ArgsOf<R, D> = Simplify<{
  -readonly [P in keyof D]: D[P] extends readonly (infer E)[] ? AnyOf<R, E> : Lookup<R, D[P]>;
}>;

/** Every reference of an output map (for run results). */
export type RefsOfMap<R> = { [N in keyof R & string]: RefKeys<N, R[N]> }[keyof R & string];

/** Rejects a node name that is taken, contains a dot or is the reserved `input`. */
export type ValidName<N extends string, K extends string> = N extends "input"
  ? TypeError<"node name 'input' is reserved for the run input">
  : N extends `${string}.${string}`
    ? TypeError<`node name '${N}' must not contain '.'`>
    : N extends K
      ? TypeError<`duplicate node name '${N}'`>
      : unknown;

/** The element type of what a `.map` iterates. */
export type ItemOf<T> = T extends readonly (infer E)[] ? E : never;

/** Checks a `.map` dependency map: `items` must name an array. */
export type MapDepsCheck<R, D, N extends string> = D extends { items: infer Ref }
  ? Lookup<R, Ref> extends readonly unknown[]
    ? unknown
    : { items: TypeError<`map '${N}': 'items' must name an array`> }
  : { items: TypeError<`map '${N}' needs an 'items' dependency`> };

/** Checks `.sub` dependencies against the nested workflow's input, field by field. */
export type SubDepsCheck<R, D, SI, N extends string> = D extends string
  ? [Lookup<R, D>] extends [SI]
    ? unknown
    : TypeError<`sub-workflow '${N}': '${D}' does not fit the nested workflow's input`>
  : {
      [P in keyof SI]-?: P extends keyof D
        ? [Lookup<R, D[P]>] extends [SI[P]]
          ? unknown
          : TypeError<`sub-workflow '${N}': input '${P & string}' gets '${D[P] & string}' of the wrong type`>
        : undefined extends SI[P]
          ? unknown
          : TypeError<`sub-workflow '${N}': input '${P & string}' is missing`>;
    };

/** The whole argument of a map item function. */
export type MapArgs<R, D> = D extends { items: infer Ref }
  ? Simplify<{ item: ItemOf<Lookup<R, Ref>>; index: number } & Omit<ArgsOf<R, D>, "items">>
  : never;
