import type { Branch, Selected } from "./markers.js";
import type {
  Add,
  ArgsIn,
  ChunkSize,
  DepsCheck,
  Fits,
  IsNever,
  LookupIn,
  MapArgs,
  MapDepsCheck,
  NameCheck,
  NamesIn,
  RefsOfMap,
  SubDepsCheck,
  TypeError,
} from "./type-utils.js";
import type { RunIf } from "../graph/types.js";
import type { NodeOptions } from "../run/options.js";
import type { NodeContext } from "../run/types.js";
import type { Dag } from "./dag-types.js";
import type { Signal, WaitsEntry } from "./wait.js";

/**
 * Options of a stream node (`.stream`).
 *
 * @example
 * ```ts
 * .stream("rows", { path: "input.path" }, readRows, { buffer: 64 })
 * ```
 */
export interface StreamOptions {
  /** How many items may wait for the slowest reader before the generator pauses (default 16). */
  buffer?: number;
  /** `"success"` (default), `"always"` or `"any-failed"`. */
  runIf?: RunIf;
  /** Estimated cost for scheduling priorities. */
  cost?: number;
}

/** A node's context, carrying the node's name in its type so mismatch errors name the node. */
export interface Ctx<N extends string = string> extends NodeContext {
  readonly node: N;
}

/** A map item function's context: the node context plus the item's position. */
export interface MapCtx<N extends string = string> extends Ctx<N> {
  readonly index: number;
}

declare const closedKey: unique symbol;
declare const openKey: unique symbol;
declare const countKey: unique symbol;

/** What every builder exposes to its own methods: its output map, in two parts (type-level only). */
export interface BuilderState {
  readonly [closedKey]: unknown;
  readonly [openKey]: unknown;
  readonly [countKey]: readonly unknown[];
}

/** The closed chunks of a builder's output map. */
export type ClosedOf<S extends BuilderState> = S[typeof closedKey];
/** The open chunk of a builder's output map. */
export type OpenOf<S extends BuilderState> = S[typeof openKey];
/** How many nodes the open chunk holds, as a tuple's length. */
type CountOf<S extends BuilderState> = S[typeof countKey];

/** A builder's whole output map, flattened into one object type. */
export type RefsOf<S extends BuilderState> = Flat<ClosedOf<S>, OpenOf<S>>;

/** The output map `C` & `O` as one object type (what hovers and emitted declarations show). */
export type Flat<C, O> = {
  [P in keyof C | keyof O]: P extends keyof O ? O[P] : C[P & keyof C];
};

/** Dependencies: each argument names one reference. */
type Deps = Record<string, string>;

/** The builder after adding node `N` with output `V`: the open chunk grows or is closed. */
type Next<I, S extends BuilderState, N extends string, V> = CountOf<S>["length"] extends ChunkSize
  ? DagBuilder<I, ClosedOf<S> & Add<OpenOf<S>, N, V>, {}, [], V>
  : DagBuilder<I, ClosedOf<S>, Add<OpenOf<S>, N, V>, [...CountOf<S>, 0], V>;

/** Like {@link Next}, for a signal wait: the closed chunk also records the wait's payload type. */
type NextWait<
  I,
  S extends BuilderState,
  N extends string,
  V,
> = CountOf<S>["length"] extends ChunkSize
  ? DagBuilder<I, ClosedOf<S> & Add<OpenOf<S>, N, V> & WaitsEntry<{ [P in N]: V }>, {}, [], V>
  : DagBuilder<
      I,
      ClosedOf<S> & WaitsEntry<{ [P in N]: V }>,
      Add<OpenOf<S>, N, V>,
      [...CountOf<S>, 0],
      V
    >;

/**
 * The typed DAG builder.
 *
 * - `I`: the run input type.
 * - `C`: the output map's closed chunks (node name to output type; `input` to the run input).
 * - `O`: the output map's open chunk (the last nodes added).
 * - `Cnt`: the open chunk's size, as a tuple's length.
 * - `L`: the output type of the last node added (what `.then` receives, and the default output).
 *
 * The output map is split only so that checking costs the same per call however long the
 * workflow grows; `build()` returns a workflow typed by the one flat map. Every method returns a
 * new builder; earlier builders stay valid, so a shared prefix can be extended in two directions.
 * Chains longer than a few hundred calls are split with `.use(fragment)`.
 *
 * @example
 * ```ts
 * const wf = dag<{ path: string }>("etl")
 *   .node("load", { path: "input.path" }, ({ path }) => readRows(path))
 *   .node("clean", { rows: "load" }, ({ rows }) => rows.filter((r) => r.ok))
 *   .build();
 * ```
 */
export interface DagBuilder<I, C, O, Cnt extends readonly unknown[], L> extends BuilderState {
  readonly [closedKey]: C;
  readonly [openKey]: O;
  readonly [countKey]: Cnt;

  /**
   * Adds a node fed by `deps`: each argument names a reference (`"node"`, `"node.port"`,
   * `"input"`, `"input.field"`). The function's first parameter is typed from those references;
   * a function whose parameter is declared with other types is reported on the dependency that
   * does not fit. With `runIf: "always"` or `"any-failed"` each argument may be `undefined`.
   */
  node<
    S extends BuilderState,
    const N extends string,
    const D extends Deps,
    Out,
    const RI extends RunIf = "success",
    A = ArgsIn<ClosedOf<S>, OpenOf<S>, D, RI>,
  >(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N, Awaited<Out>>,
    deps: D & DepsCheck<ClosedOf<S>, OpenOf<S>, D, A, N>,
    fn: (args: A, ctx: Ctx<NoInfer<N>>) => Out,
    options?: NodeOptions<NoInfer<A>, NoInfer<Awaited<Out>>> & { runIf?: RI },
  ): Next<I, S, N, Awaited<Out>>;

  /** Adds a node fed by the whole output of the previous node (the run input if none). */
  then<S extends BuilderState, const N extends string, Out>(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N, Awaited<Out>>,
    fn: (prev: L, ctx: Ctx<NoInfer<N>>) => Out,
    options?: NodeOptions<L, NoInfer<Awaited<Out>>>,
  ): Next<I, S, N, Awaited<Out>>;

  /**
   * Adds a condition: its function returns `branch(cond, value)`; dependents name port
   * `"name.true"` or `"name.false"` and the untaken side is skipped.
   */
  condition<
    S extends BuilderState,
    const N extends string,
    const D extends Deps,
    V,
    A = ArgsIn<ClosedOf<S>, OpenOf<S>, D>,
  >(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N>,
    deps: D & DepsCheck<ClosedOf<S>, OpenOf<S>, D, A, N>,
    fn: (args: A, ctx: Ctx<NoInfer<N>>) => Branch<V> | Promise<Branch<V>>,
    options?: NodeOptions<NoInfer<A>, NoInfer<Branch<V>>>,
  ): Next<I, S, N, Branch<V>>;

  /**
   * Adds a router: its function returns `select(caseName, value)`; each case is a port typed by
   * its own value, and every case not taken is skipped. Case names must be string literals: a
   * case computed as a `string` gives the router no ports to reference.
   */
  select<
    S extends BuilderState,
    const N extends string,
    const D extends Deps,
    Sel extends Selected<string, unknown>,
    A = ArgsIn<ClosedOf<S>, OpenOf<S>, D>,
  >(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N>,
    deps: D & DepsCheck<ClosedOf<S>, OpenOf<S>, D, A, N>,
    fn: (args: A, ctx: Ctx<NoInfer<N>>) => Sel | Promise<Sel>,
    options?: NodeOptions<NoInfer<A>, NoInfer<Sel>>,
  ): Next<I, S, N, Sel>;

  /**
   * Adds a stream node: `fn` is an async generator whose items flow to dependents while it runs.
   * Dependents start when the stream starts and receive `AsyncIterable<Y>` (`Y`: what it yields);
   * each reads every item through a bounded buffer (`options.buffer`, default 16), the slowest
   * setting the pace. When every reader has finished or stopped, the generator's `return()` runs.
   * A stream's items are not journaled: resuming a run starts it again.
   *
   * @example
   * ```ts
   * dag<{ path: string }>("logs")
   *   .stream("lines", { path: "input.path" }, async function* ({ path }) { yield* readLines(path); })
   *   .stream("parsed", { lines: "lines" }, async function* ({ lines }) { for await (const l of lines) yield parse(l); })
   *   .node("stats", { events: "parsed" }, ({ events }) => aggregate(events)) // events: AsyncIterable<Event>
   *   .build();
   * ```
   */
  stream<
    S extends BuilderState,
    const N extends string,
    const D extends Deps,
    Y,
    const RI extends RunIf = "success",
    A = ArgsIn<ClosedOf<S>, OpenOf<S>, D, RI>,
  >(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N>,
    deps: D & DepsCheck<ClosedOf<S>, OpenOf<S>, D, A, N>,
    fn: (args: A, ctx: Ctx<NoInfer<N>>) => AsyncIterable<Y>,
    options?: StreamOptions & { runIf?: RI },
  ): Next<I, S, N, AsyncIterable<Y>>;

  /** Adds a node that waits for all its inputs: `.node` by its other name (the default join). */
  readonly all: DagBuilder<I, C, O, Cnt, L>["node"];

  /**
   * Adds a join on the first non-skipped input of a list, in list order. The argument is a
   * discriminated union `{ from: "a"; value: A } | { from: "b"; value: B }`.
   */
  any<
    S extends BuilderState,
    const N extends string,
    const D extends Record<string, string | readonly string[]>,
    Out,
    A = ArgsIn<ClosedOf<S>, OpenOf<S>, D>,
  >(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N, Awaited<Out>>,
    deps: D & DepsCheck<ClosedOf<S>, OpenOf<S>, D, A, N>,
    fn: (args: A, ctx: Ctx<NoInfer<N>>) => Out,
    options?: NodeOptions<NoInfer<A>, NoInfer<Awaited<Out>>>,
  ): Next<I, S, N, Awaited<Out>>;

  /**
   * Fans out over the array named by `deps.items`: `fn` runs once per item (with `item`, `index`
   * and the other arguments), at most `options.concurrency` at a time. The output is the array of
   * results, in item order.
   */
  map<
    S extends BuilderState,
    const N extends string,
    const D extends Deps & { items: string },
    Out,
  >(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N, Awaited<Out>>,
    deps: D & MapDepsCheck<ClosedOf<S>, OpenOf<S>, D, N>,
    fn: (args: MapArgs<ClosedOf<S>, OpenOf<S>, D>, ctx: MapCtx<NoInfer<N>>) => Out,
    options?: NodeOptions<MapArgs<ClosedOf<S>, OpenOf<S>, D>, NoInfer<Awaited<Out>>>,
  ): Next<I, S, N, Awaited<Out>[]>;

  /**
   * Runs another workflow as one node. `deps` maps the nested workflow's input fields to
   * references (or is one reference holding its whole input); both are checked against the
   * nested workflow's input type.
   */
  sub<S extends BuilderState, const N extends string, SI, SR, SO, const D extends string | Deps>(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N, SO>,
    workflow: Dag<SI, SR, SO>,
    deps: D & SubDepsCheck<ClosedOf<S>, OpenOf<S>, D, SI, N>,
    options?: NodeOptions<SI, NoInfer<SO>>,
  ): Next<I, S, N, SO>;

  /**
   * Adds a durable wait: once `deps` have completed the run parks on this node until
   * `wf.signal(runId, name, payload)` (its output is the payload) or until `options.timeoutMs`
   * passes (the node fails with a `WaitTimeoutError`). A run with only waits left ends `"waiting"`.
   */
  wait<
    S extends BuilderState,
    const N extends string,
    const D extends Deps,
    T,
    A = ArgsIn<ClosedOf<S>, OpenOf<S>, D>,
  >(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N, T>,
    deps: D & DepsCheck<ClosedOf<S>, OpenOf<S>, D, A, N>,
    signal: Signal<T>,
    options?: NodeOptions<NoInfer<A>, NoInfer<T>>,
  ): NextWait<I, S, N, T>;

  /** Adds a durable sleep of `ms` after the previous node, whose output it passes on. */
  sleep<S extends BuilderState, const N extends string>(
    this: S,
    name: N & NameCheck<ClosedOf<S>, OpenOf<S>, N, L>,
    options: { ms: number },
  ): Next<I, S, N, L>;

  /**
   * Applies a function from this builder to a builder that extends it (an inline fragment); a
   * function that returns any other builder is refused when it runs. (This overload comes first
   * so that a mismatched fragment is reported by the next one, which names what is missing.)
   */
  use<B2 extends BuilderState>(fragment: (builder: this) => B2): B2;
  /**
   * Applies a fragment made by {@link fragment}: the builder must provide what it needs, and
   * gains what it adds (names it already has are refused). Large workflows compose from
   * fragments so that no call chain grows without bound.
   */
  use<S extends BuilderState, Needs, Adds, L2>(
    this: S,
    fragment: Fragment<Needs, Adds, L2> & NeedsCheck<ClosedOf<S>, OpenOf<S>, Needs, Adds>,
  ): DagBuilder<I, ClosedOf<S> & OpenOf<S> & Adds, {}, [], L2>;

  /** Makes the named node's result the run's `output` (default: the last node added). */
  returns<
    S extends BuilderState,
    const Ref extends Exclude<NamesIn<ClosedOf<S>, OpenOf<S>>, "input">,
  >(
    this: S,
    node: Ref,
  ): FinalDagBuilder<I, RefsOf<S>, LookupIn<ClosedOf<S>, OpenOf<S>, Ref>>;

  /** Validates the graph and returns the runnable workflow, typed by the flat output map. */
  build<S extends BuilderState>(this: S): Dag<I, ClosedOf<S> & OpenOf<S>, L>;
}

declare const fragmentBrand: unique symbol;

/**
 * A reusable piece of a workflow made by {@link fragment}: it needs the nodes in `Needs` and
 * adds those in `Adds`; `L` is the output of its last node.
 */
export interface Fragment<Needs, Adds, L> {
  readonly [fragmentBrand]?: { needs: Needs; adds: Adds; last: L };
  /** Applies the fragment to an (untyped) builder; `.use` does this. */
  readonly apply: (builder: never) => unknown;
}

/** The needs of a fragment that a builder's output map does not meet, as readable errors. */
export type NeedsProblems<C, O, Needs> = {
  [P in keyof Needs]: P extends keyof O | keyof C
    ? Fits<LookupIn<C, O, P>, Needs[P]> extends true
      ? never
      : TypeError<`fragment needs '${P & string}' of another type`>
    : TypeError<`fragment needs node '${P & string}', which the workflow does not have`>;
}[keyof Needs];

/** Names a fragment adds that the builder already has. */
type Clashes<C, O, Adds> = keyof Adds & (keyof C | keyof O) & string;

/**
 * `unknown` when a builder provides what a fragment needs and has none of the names it adds;
 * otherwise an impossible demand whose text says what is wrong.
 */
export type NeedsCheck<C, O, Needs, Adds = {}> =
  IsNever<NeedsProblems<C, O, Needs>> extends true
    ? IsNever<Clashes<C, O, Adds>> extends true
      ? unknown
      : {
          fragmentAdds: TypeError<`fragment adds '${Clashes<C, O, Adds>}', which the workflow already has`>;
        }
    : { fragmentNeeds: NeedsProblems<C, O, Needs> };

/** A builder whose output has been chosen: only `build()` is left. */
export interface FinalDagBuilder<I, R, O> {
  build(): Dag<I, R, O>;
}

/** The builder a fragment body starts from: the needed nodes and nothing else. */
export type FragmentStart<Needs> = DagBuilder<unknown, Needs, {}, [], unknown>;

/** What a fragment adds: the nodes of its builder other than those it needs. */
export type FragmentAdds<C, O, Needs> = {
  [P in Exclude<keyof C | keyof O, keyof Needs>]: LookupIn<C, O, P>;
};

/** Every reference of a builder (for tooling). */
export type BuilderRefs<S extends BuilderState> = RefsOfMap<RefsOf<S>>;
