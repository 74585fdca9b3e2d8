import type { Branch, Selected } from "./markers.js";
import type {
  ArgsOf,
  Lookup,
  MapArgs,
  MapDepsCheck,
  RefKeys,
  RefsOfMap,
  SubDepsCheck,
  TypeError,
  ValidName,
} from "./type-utils.js";
import type { NodeOptions } from "../run/options.js";
import type { NodeContext } from "../run/types.js";
import type { Dag } from "./dag-types.js";
import type { Signal, WaitsEntry } from "./wait.js";

/** A node's context, carrying the node's name in its type so mismatch errors name the node. */
export interface Ctx<N extends string = string> extends NodeContext {
  readonly node: N;
}

/** A map item function's context: the node context plus the item's position. */
export interface MapCtx<N extends string = string> extends Ctx<N> {
  readonly index: number;
}

declare const refsKey: unique symbol;

/** What every builder exposes to its own methods: its output map (type-level only). */
export interface BuilderState {
  readonly [refsKey]: unknown;
}

/** The output map of a builder. */
export type RefsOf<S extends BuilderState> = S[typeof refsKey];

/** Dependencies: each argument names one reference. */
type DepsOf<K extends string> = Record<string, K>;

/**
 * The typed DAG builder.
 *
 * - `I`: the run input type.
 * - `R`: each node's name mapped to its output type (`input` to the run input).
 * - `K`: every valid dependency string (`"load"`, `"load.rows"`, `"big.true"`, `"input.path"`).
 * - `L`: the output type of the last node added (what `.then` receives, and the default output).
 *
 * Every method returns a new builder; earlier builders stay valid, so a shared prefix can be
 * extended in two directions. Methods read `R` through their `this` type, which keeps type
 * checking fast for long chains; split very long chains with `.use(fragment)`.
 *
 * @example
 * ```ts
 * const wf = dag<{ path: string }>("etl")
 *   .node("load", { path: "input.path" }, ({ path }) => readRows(path))
 *   .node("clean", { rows: "load" }, ({ rows }) => rows.filter((r) => r.ok))
 *   .build();
 * ```
 */
export interface DagBuilder<I, R, K extends string, L> extends BuilderState {
  readonly [refsKey]: R;

  /**
   * Adds a node fed by `deps`: each argument names a reference (`"node"`, `"node.port"`,
   * `"input"`, `"input.field"`). The function's first parameter is typed from those references.
   */
  node<S extends BuilderState, const N extends string, const D extends DepsOf<K>, Out>(
    this: S,
    name: N & ValidName<N, K>,
    deps: D,
    fn: (args: ArgsOf<RefsOf<S>, D>, ctx: Ctx<NoInfer<N>>) => Out,
    options?: NodeOptions<ArgsOf<RefsOf<S>, D>, NoInfer<Awaited<Out>>>,
  ): DagBuilder<
    I,
    RefsOf<S> & { [P in N]: Awaited<Out> },
    K | RefKeys<N, Awaited<Out>>,
    Awaited<Out>
  >;

  /** Adds a node fed by the whole output of the previous node (the run input if none). */
  then<S extends BuilderState, const N extends string, Out>(
    this: S,
    name: N & ValidName<N, K>,
    fn: (prev: L, ctx: Ctx<NoInfer<N>>) => Out,
    options?: NodeOptions<L, NoInfer<Awaited<Out>>>,
  ): DagBuilder<
    I,
    RefsOf<S> & { [P in N]: Awaited<Out> },
    K | RefKeys<N, Awaited<Out>>,
    Awaited<Out>
  >;

  /**
   * Adds a condition: its function returns `branch(cond, value)`; dependents name port
   * `"name.true"` or `"name.false"` and the untaken side is skipped.
   */
  condition<S extends BuilderState, const N extends string, const D extends DepsOf<K>, V>(
    this: S,
    name: N & ValidName<N, K>,
    deps: D,
    fn: (args: ArgsOf<RefsOf<S>, D>, ctx: Ctx<NoInfer<N>>) => Branch<V> | Promise<Branch<V>>,
    options?: NodeOptions<ArgsOf<RefsOf<S>, D>, NoInfer<Branch<V>>>,
  ): DagBuilder<
    I,
    RefsOf<S> & { [P in N]: Branch<V> },
    K | N | `${N}.true` | `${N}.false`,
    Branch<V>
  >;

  /**
   * Adds a router: its function returns `select(caseName, value)`; each case is a port typed by
   * its own value, and every case not taken is skipped.
   */
  select<
    S extends BuilderState,
    const N extends string,
    const D extends DepsOf<K>,
    Sel extends Selected<string, unknown>,
  >(
    this: S,
    name: N & ValidName<N, K>,
    deps: D,
    fn: (args: ArgsOf<RefsOf<S>, D>, ctx: Ctx<NoInfer<N>>) => Sel | Promise<Sel>,
    options?: NodeOptions<ArgsOf<RefsOf<S>, D>, NoInfer<Sel>>,
  ): DagBuilder<I, RefsOf<S> & { [P in N]: Sel }, K | N | `${N}.${Sel["case"]}`, Sel>;

  /** Adds a node that waits for all its inputs: `.node` by its other name (the default join). */
  readonly all: DagBuilder<I, R, K, L>["node"];

  /**
   * Adds a join on the first non-skipped input of a list, in list order. The argument is a
   * discriminated union `{ from: "a"; value: A } | { from: "b"; value: B }`.
   */
  any<
    S extends BuilderState,
    const N extends string,
    const D extends Record<string, K | readonly K[]>,
    Out,
  >(
    this: S,
    name: N & ValidName<N, K>,
    deps: D,
    fn: (args: ArgsOf<RefsOf<S>, D>, ctx: Ctx<NoInfer<N>>) => Out,
    options?: NodeOptions<ArgsOf<RefsOf<S>, D>, NoInfer<Awaited<Out>>>,
  ): DagBuilder<
    I,
    RefsOf<S> & { [P in N]: Awaited<Out> },
    K | RefKeys<N, Awaited<Out>>,
    Awaited<Out>
  >;

  /**
   * Fans out over the array named by `deps.items`: `fn` runs once per item (with `item`, `index`
   * and the other arguments), at most `options.concurrency` at a time. The output is the array of
   * results, in item order.
   */
  map<
    S extends BuilderState,
    const N extends string,
    const D extends DepsOf<K> & { items: K },
    Out,
  >(
    this: S,
    name: N & ValidName<N, K>,
    deps: D & MapDepsCheck<RefsOf<S>, D, N>,
    fn: (args: MapArgs<RefsOf<S>, D>, ctx: MapCtx<NoInfer<N>>) => Out,
    options?: NodeOptions<MapArgs<RefsOf<S>, D>, NoInfer<Awaited<Out>>>,
  ): DagBuilder<I, RefsOf<S> & { [P in N]: Awaited<Out>[] }, K | N, Awaited<Out>[]>;

  /**
   * Runs another workflow as one node. `deps` maps the nested workflow's input fields to
   * references (or is one reference holding its whole input); both are checked against the
   * nested workflow's input type.
   */
  sub<S extends BuilderState, const N extends string, SI, SR, SO, const D extends K | DepsOf<K>>(
    this: S,
    name: N & ValidName<N, K>,
    workflow: Dag<SI, SR, SO>,
    deps: D & SubDepsCheck<RefsOf<S>, D, SI, N>,
    options?: NodeOptions<SI, NoInfer<SO>>,
  ): DagBuilder<I, RefsOf<S> & { [P in N]: SO }, K | RefKeys<N, SO>, SO>;

  /**
   * Adds a durable wait: once `deps` have completed the run parks on this node until
   * `wf.signal(runId, name, payload)` (its output is the payload) or until `options.timeoutMs`
   * passes (the node fails with a `WaitTimeoutError`). A run with only waits left ends `"waiting"`.
   */
  wait<S extends BuilderState, const N extends string, const D extends DepsOf<K>, T>(
    this: S,
    name: N & ValidName<N, K>,
    deps: D,
    signal: Signal<T>,
    options?: NodeOptions<ArgsOf<RefsOf<S>, D>, NoInfer<T>>,
  ): DagBuilder<I, RefsOf<S> & { [P in N]: T } & WaitsEntry<{ [P in N]: T }>, K | RefKeys<N, T>, T>;

  /** Adds a durable sleep of `ms` after the previous node, whose output it passes on. */
  sleep<S extends BuilderState, const N extends string>(
    this: S,
    name: N & ValidName<N, K>,
    options: { ms: number },
  ): DagBuilder<I, RefsOf<S> & { [P in N]: L }, K | RefKeys<N, L>, L>;

  /**
   * Applies a fragment made by {@link fragment}: the builder must provide what it needs, and
   * gains what it adds. Large workflows compose from fragments so that no call chain grows
   * without bound.
   */
  use<S extends BuilderState, Needs, Adds, AK extends string, L2>(
    this: S,
    fragment: Fragment<Needs, Adds, AK, L2> & NeedsCheck<RefsOf<S>, Needs>,
  ): DagBuilder<I, RefsOf<S> & Adds, K | AK, L2>;
  /** Applies a function from this builder to a builder (an inline fragment). */
  use<B2>(fragment: (builder: this) => B2): B2;

  /** Makes the named node's result the run's `output` (default: the last node added). */
  returns<S extends BuilderState, const Ref extends K>(
    this: S,
    node: Ref,
  ): FinalDagBuilder<I, RefsOf<S>, Lookup<RefsOf<S>, Ref>>;

  /** Validates the graph and returns the runnable workflow. */
  build<S extends BuilderState>(this: S): Dag<I, RefsOf<S>, L>;
}

declare const fragmentBrand: unique symbol;

/**
 * A reusable piece of a workflow made by {@link fragment}: it needs the nodes in `Needs` and
 * adds those in `Adds` (with references `AK`); `L` is the output of its last node.
 */
export interface Fragment<Needs, Adds, AK extends string, L> {
  readonly [fragmentBrand]?: { needs: Needs; adds: Adds; keys: AK; last: L };
  /** Applies the fragment to an (untyped) builder; `.use` does this. */
  readonly apply: (builder: never) => unknown;
}

/** The needs of a fragment that a builder's output map does not meet, as readable errors. */
export type NeedsProblems<R, Needs> = {
  [P in keyof Needs]: P extends keyof R
    ? [R[P]] extends [Needs[P]]
      ? never
      : TypeError<`fragment needs '${P & string}' of another type`>
    : TypeError<`fragment needs node '${P & string}', which the workflow does not have`>;
}[keyof Needs];

/** `unknown` when a builder provides what a fragment needs; otherwise an impossible demand. */
export type NeedsCheck<R, Needs> = [NeedsProblems<R, Needs>] extends [never]
  ? unknown
  : { fragmentNeeds: NeedsProblems<R, Needs> };

/** A builder whose output has been chosen: only `build()` is left. */
export interface FinalDagBuilder<I, R, O> {
  build(): Dag<I, R, O>;
}

/** The builder a fragment body starts from: the needed nodes and nothing else. */
export type FragmentStart<Needs> = DagBuilder<unknown, Needs, RefsOfMap<Needs>, unknown>;
