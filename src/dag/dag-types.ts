import type { Graph } from "../graph/types.js";
import type { NodeOptions, RunOptions } from "../run/options.js";
import type { CheckpointStore } from "../run/store/types.js";
import type { ExecutionPlan } from "../plan/types.js";
import type { Lookup, ResultRefCheck } from "./type-utils.js";
import type { SignalName, SignalOptions, SignalPayload } from "./wait.js";
import type { DagDebugOptions, DagDebugSession, DagNodeName } from "../debug/dag.js";
import type {
  NodeError,
  NodeStatus,
  RunEvent,
  RunMetrics,
  RunRecord,
  RunStatus,
  WaitingNode,
} from "../run/types.js";

/** The result of a DAG run. `R` maps references to types, `O` is the output's type. */
export interface DagRun<R, O> {
  readonly runId: string;
  readonly workflow: string;
  readonly status: RunStatus;
  /** The output node's result (`undefined` when it did not complete). */
  readonly output: O | undefined;
  readonly metrics: RunMetrics;
  /** Every node failure, each naming its node and keeping the original error as `cause`. */
  readonly errors: NodeError[];
  /**
   * A node's result, or a port of it (`"load.rows"`, `"big.true"`); `undefined` when the node
   * was skipped, failed or did not run.
   */
  get<const Ref extends string>(ref: Ref & ResultRefCheck<R, Ref>): Lookup<R, Ref> | undefined;
  /** Runs with status `"waiting"`: the wait nodes parked on, since when, and their deadlines. */
  readonly waiting: WaitingNode[];
  /** Every node's status. */
  statusOf(node: string): NodeStatus;
  /** Returns the output when the run completed; throws a `RunFailedError` otherwise. */
  orThrow(): O;
  /** The run as plain data. */
  toJSON(): RunRecord;
}

/** A runnable node implementation (what serialization rebuilds from a registry). */
export interface NodeImpl {
  fn?: (args: never, ctx: never) => unknown;
  options?: NodeOptions<never, unknown>;
  sub?: AnyDag;
  /** The function's registry version (set by `fromGraph` with a versioned registry). */
  version?: string;
}

/** Arguments of `run`: the input may be left out when the workflow takes none. */
export type RunArgs<I> = undefined extends I
  ? [input?: I, options?: RunOptions]
  : [input: I, options?: RunOptions];

/** An event stream of a run that also resolves to its result. */
export interface RunStream<R, O> extends AsyncIterable<RunEvent> {
  readonly result: Promise<DagRun<R, O>>;
}

/**
 * A built, runnable DAG workflow.
 *
 * @example
 * ```ts
 * const run = await wf.run({ path: "a.csv" }, { mode: "parallel", concurrency: 8 });
 * if (run.status === "completed") console.log(run.output);
 * ```
 */
export interface Dag<I, R, O> {
  readonly kind: "dag";
  readonly name: string;
  /** The graph IR of this workflow. */
  readonly graph: Graph;
  /** Runs the workflow. Resolves (never rejects) with the run's result, whatever its status. */
  run(...args: RunArgs<I>): Promise<DagRun<R, O>>;
  /**
   * Runs a workflow whose nodes are all synchronous without creating a promise. Throws if a
   * node returns a promise.
   */
  runSync(...args: RunArgs<I>): DagRun<R, O>;
  /** Runs the workflow and yields its events as they happen; `.result` resolves to the run. */
  stream(...args: RunArgs<I>): RunStream<R, O>;
  /**
   * A debug session: the run goes one node at a time (in the order a sequential run takes) and
   * pauses before the nodes `breakpoints` name (a node, or `{ node, when }`), or after each node
   * with `step()`. A breakpoint naming no node is a compile error (and a run-time error naming
   * the nearest node, for loosely typed workflows). See docs/debugger.md.
   *
   * @example
   * ```ts
   * const session = etl.debug({ path: "a.csv" }, { breakpoints: ["clean"] });
   * const stop = await session.continue(); // { paused: true, node: "clean", args, ctx, index }
   * session.results();                      // { load: [...] }
   * session.setArgs({ rows: [] });          // 'clean' runs with these arguments
   * const run = await session.continue();   // to the end: the DagRun
   * ```
   */
  debug(input: I, options?: DagDebugOptions<DagNodeName<R>>): DagDebugSession<R, DagRun<R, O>>;
  /** Finishes a checkpointed run: completed nodes are not run again. */
  resume(
    runId: string,
    options: RunOptions & { checkpoint: CheckpointStore },
  ): Promise<DagRun<R, O>>;
  /**
   * Sends a signal to wait node `name` of a waiting run, in any process: the payload becomes the
   * node's output and the run continues; completed nodes are not run again. Refused with a
   * `SignalError` when the run is not waiting for `name`; a wrong name or payload type is a
   * compile error.
   *
   * @example
   * ```ts
   * const r = await approval.run({ doc: "d" }, { runId: "doc-42", checkpoint: sqliteStore("runs.db") });
   * r.status; // "waiting"
   * // later, in any process:
   * await approval.signal("doc-42", "approve", { ok: true, by: "ann" }, { checkpoint: sqliteStore("runs.db") });
   * ```
   */
  signal<const N extends SignalName<R>>(
    runId: string,
    name: N,
    payload: SignalPayload<R, N>,
    options: SignalOptions,
  ): Promise<DagRun<R, O>>;
  /**
   * The same workflow, scheduled by a precompiled plan (`weft compile` writes `NAME.plan.json`;
   * load it with `parsePlan`): its priorities and chains are used and no analysis runs at start.
   * Throws a `PlanMismatchError` when the plan was computed for a different graph.
   */
  withPlan(plan: ExecutionPlan): Dag<I, R, O>;
  /**
   * The same workflow, checking each run's input against a JSON Schema before anything runs
   * (`weft compile` writes it as `NAME.input.schema.json`): a refused input is an `InputError`
   * listing every issue. `run(input, { validate: false })` skips the check for one run. Needs
   * the optional peer `@cfworker/json-schema`.
   *
   * @example
   * ```ts
   * import schema from "./out/customer_etl.input.schema.json" with { type: "json" };
   * export const checkedEtl = etl.withInputSchema(schema);
   * await checkedEtl.run({ path: 42 }); // InputError: input.path: Instance type "number" is invalid...
   * ```
   */
  withInputSchema(schema: object): Dag<I, R, O>;
  /** The runtime implementation of a node. */
  impl(node: string): NodeImpl | undefined;
  /** Phantom: the input type, for type-level helpers. */
  readonly __input?: I;
}

/** A DAG of unknown types (for registries, serialization and tooling). */
export type AnyDag = Dag<never, unknown, unknown>;
