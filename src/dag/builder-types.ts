import type { Branch, BranchRefs, SelectRefs, Selected } from "./markers.js";
import type {
  AnyDeps,
  ArgsOf,
  Deps,
  MapArgs,
  MapDepsCheck,
  NodeRefs,
  RefKey,
  SubDepsCheck,
  TypeError,
  ValidName,
} from "./type-utils.js";
import type { NodeOptions } from "../run/options.js";
import type { NodeContext } from "../run/types.js";
import type { Dag } from "./dag-types.js";

/** A node's context, carrying the node's name in its type so mismatch errors name the node. */
export interface Ctx<N extends string = string> extends NodeContext {
  readonly node: N;
}

/** A map item function's context: the node context plus the item's position. */
export interface MapCtx<N extends string = string> extends Ctx<N> {
  readonly index: number;
}

/**
 * The typed DAG builder.
 *
 * - `I`: the run input type.
 * - `R`: every valid dependency reference mapped to the type that flows from it.
 * - `L`: the output type of the last node added (what `.then` receives, and the default output).
 *
 * Every method returns a new builder; earlier builders stay valid, so a shared prefix can be
 * extended in two directions.
 *
 * @example
 * ```ts
 * const wf = dag<{ path: string }>("etl")
 *   .node("load", { path: "input.path" }, ({ path }) => readRows(path))
 *   .node("clean", { rows: "load" }, ({ rows }) => rows.filter((r) => r.ok))
 *   .build();
 * ```
 */
export interface DagBuilder<I, R, L> {
  /**
   * Adds a node fed by `deps`: each argument names a reference (`"node"`, `"node.port"`,
   * `"input"`, `"input.field"`). The function's first parameter is typed from those references.
   */
  node<const N extends string, const D extends Deps<R>, Out>(
    name: N & ValidName<N, R>,
    deps: D,
    fn: (args: ArgsOf<R, D>, ctx: Ctx<N>) => Out,
    options?: NodeOptions<ArgsOf<R, D>, NoInfer<Awaited<Out>>>,
  ): DagBuilder<I, R & NodeRefs<N, Awaited<Out>>, Awaited<Out>>;

  /** Adds a node fed by the whole output of the previous node (the run input if none). */
  then<const N extends string, Out>(
    name: N & ValidName<N, R>,
    fn: (prev: L, ctx: Ctx<N>) => Out,
    options?: NodeOptions<L, NoInfer<Awaited<Out>>>,
  ): DagBuilder<I, R & NodeRefs<N, Awaited<Out>>, Awaited<Out>>;

  /**
   * Adds a condition: its function returns `branch(cond, value)`; dependents name port
   * `"name.true"` or `"name.false"` and the untaken side is skipped.
   */
  condition<const N extends string, const D extends Deps<R>, V>(
    name: N & ValidName<N, R>,
    deps: D,
    fn: (args: ArgsOf<R, D>, ctx: Ctx<N>) => Branch<V> | Promise<Branch<V>>,
    options?: NodeOptions<ArgsOf<R, D>, NoInfer<Branch<V>>>,
  ): DagBuilder<I, R & { [P in N]: Branch<V> } & BranchRefs<N, V>, Branch<V>>;

  /**
   * Adds a router: its function returns `select(caseName, value)`; each case is a port typed by
   * its own value, and every case not taken is skipped.
   */
  select<const N extends string, const D extends Deps<R>, S extends Selected<string, unknown>>(
    name: N & ValidName<N, R>,
    deps: D,
    fn: (args: ArgsOf<R, D>, ctx: Ctx<N>) => S | Promise<S>,
    options?: NodeOptions<ArgsOf<R, D>, NoInfer<S>>,
  ): DagBuilder<I, R & { [P in N]: S } & SelectRefs<N, S>, S>;

  /** Adds a node that waits for all its inputs (the same as `.node`; the default join). */
  all<const N extends string, const D extends Deps<R>, Out>(
    name: N & ValidName<N, R>,
    deps: D,
    fn: (args: ArgsOf<R, D>, ctx: Ctx<N>) => Out,
    options?: NodeOptions<ArgsOf<R, D>, NoInfer<Awaited<Out>>>,
  ): DagBuilder<I, R & NodeRefs<N, Awaited<Out>>, Awaited<Out>>;

  /**
   * Adds a join on the first non-skipped input of a list, in list order. The argument is a
   * discriminated union `{ from: "a"; value: A } | { from: "b"; value: B }`.
   */
  any<const N extends string, const D extends AnyDeps<R>, Out>(
    name: N & ValidName<N, R>,
    deps: D,
    fn: (args: ArgsOf<R, D>, ctx: Ctx<N>) => Out,
    options?: NodeOptions<ArgsOf<R, D>, NoInfer<Awaited<Out>>>,
  ): DagBuilder<I, R & NodeRefs<N, Awaited<Out>>, Awaited<Out>>;

  /**
   * Fans out over the array named by `deps.items`: `fn` runs once per item (with `item`, `index`
   * and the other arguments), at most `options.concurrency` at a time. The output is the array of
   * results, in item order.
   */
  map<const N extends string, const D extends Deps<R> & { items: RefKey<R> }, Out>(
    name: N & ValidName<N, R>,
    deps: D & MapDepsCheck<R, D, N>,
    fn: (args: MapArgs<R, D>, ctx: MapCtx<N>) => Out,
    options?: NodeOptions<MapArgs<R, D>, NoInfer<Awaited<Out>>>,
  ): DagBuilder<I, R & NodeRefs<N, Awaited<Out>[]>, Awaited<Out>[]>;

  /**
   * Runs another workflow as one node. `deps` maps the nested workflow's input fields to
   * references (or is one reference holding its whole input); both are checked against the
   * nested workflow's input type.
   */
  sub<const N extends string, SI, SR, SO, const D extends RefKey<R> | Deps<R>>(
    name: N & ValidName<N, R>,
    workflow: Dag<SI, SR, SO>,
    deps: D & SubDepsCheck<R, D, SI, N>,
    options?: NodeOptions<SI, NoInfer<SO>>,
  ): DagBuilder<I, R & NodeRefs<N, SO>, SO>;

  /**
   * Applies a fragment: a function from builder to builder. Large workflows compose from
   * fragments so that no single call chain grows without bound.
   */
  use<Needs, Adds, L2>(
    fragment: Fragment<Needs, Adds, L2> & NeedsCheck<R, Needs>,
  ): DagBuilder<I, R & Adds, L2>;
  use<B2>(fragment: (builder: DagBuilder<I, R, L>) => B2): B2;

  /** Makes the named node's result the run's `output` (default: the last node added). */
  returns<const K extends RefKey<R>>(node: K): FinalDagBuilder<I, R, R[K]>;

  /** Validates the graph and returns the runnable workflow. */
  build(): Dag<I, R, L>;
}

declare const fragmentBrand: unique symbol;

/**
 * A reusable piece of a workflow made by {@link fragment}: it needs the references in `Needs`
 * and adds those in `Adds`; `L` is the output of its last node.
 */
export interface Fragment<Needs, Adds, L> {
  readonly [fragmentBrand]?: { needs: Needs; adds: Adds; last: L };
  /** Applies the fragment to an (untyped) builder; `.use` does this. */
  readonly apply: (builder: never) => unknown;
}

/** The needs of a fragment that a builder's references do not meet, as readable errors. */
export type NeedsProblems<R, Needs> = {
  [K in keyof Needs]: K extends keyof R
    ? [R[K]] extends [Needs[K]]
      ? never
      : TypeError<`fragment needs '${K & string}' of another type`>
    : TypeError<`fragment needs node '${K & string}', which the workflow does not have`>;
}[keyof Needs];

/** `unknown` when a builder provides what a fragment needs; otherwise an impossible demand. */
export type NeedsCheck<R, Needs> = [NeedsProblems<R, Needs>] extends [never]
  ? unknown
  : { fragmentNeeds: NeedsProblems<R, Needs> };

/** A builder whose output has been chosen: only `build()` is left. */
export interface FinalDagBuilder<I, R, O> {
  build(): Dag<I, R, O>;
}
