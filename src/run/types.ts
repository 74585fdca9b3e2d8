/** Runtime types shared by DAG and FSM runs: contexts, events, results and errors. */

/** Progress a node reports through `ctx.emit`. */
export type Progress = { message?: string; done?: number; total?: number } & Record<
  string,
  unknown
>;

/** What every node function receives as its second argument. */
export interface NodeContext {
  /** Aborted when the node times out, the run is cancelled, or fail-fast stops the run. */
  readonly signal: AbortSignal;
  readonly runId: string;
  /** The node's name. */
  readonly node: string;
  /** 1-based attempt number (greater than 1 on retries). */
  readonly attempt: number;
  /** A record shared by every node of one run. */
  readonly metadata: Record<string, unknown>;
  /** Reports progress; it reaches the run's event stream as a `progress` event. */
  emit(progress: Progress): void;
}

/** Events of a run, in the order they happen. `run-complete` is always last. */
export type RunEvent =
  | { type: "run-start"; runId: string; workflow: string; at: number }
  | { type: "node-start"; runId: string; node: string; attempt: number; at: number }
  | { type: "node-complete"; runId: string; node: string; ms: number; at: number; cached?: boolean }
  | {
      type: "node-retry";
      runId: string;
      node: string;
      attempt: number;
      delayMs: number;
      error: Error;
      at: number;
    }
  | { type: "node-skip"; runId: string; node: string; reason: string; at: number }
  | { type: "node-fail"; runId: string; node: string; error: Error; at: number }
  | { type: "progress"; runId: string; node: string; progress: Progress; at: number }
  /** Items a stream node has produced so far (at most every 100 ms, and once when it ends). */
  | { type: "node-items"; runId: string; node: string; items: number; done: boolean; at: number }
  /** The run parked on wait nodes (just before `run-complete` with status `"waiting"`). */
  | { type: "run-waiting"; runId: string; waiting: WaitingNode[]; at: number }
  /** A signal was applied to wait node `node` (just before the continued run starts). */
  | { type: "run-signalled"; runId: string; node: string; at: number }
  | { type: "run-complete"; runId: string; status: RunStatus | FsmStatus; ms: number; at: number };

/**
 * Final status of a DAG run. `"waiting"`: nothing is left to run but wait nodes; the run goes on
 * when signalled (`wf.signal`) or when its deadlines fire (`timers`).
 */
export type RunStatus = "completed" | "failed" | "partial" | "cancelled" | "waiting";

/** A wait node a run is parked on: since when, and until when (absent: no deadline). */
export interface WaitingNode {
  node: string;
  /** When the wait began, ms since the epoch. */
  since: number;
  /** When the wait times out (a sleep ends), ms since the epoch. */
  deadline?: number;
}

/** Final status of a function-return state machine run. */
export type FsmStatus =
  | "stopped"
  | "terminal"
  | "max-cycles"
  | "failed"
  | "cancelled"
  /** A handler returned `wait(...)`: the run goes on when signalled or when its deadline fires. */
  | "waiting";

/** Timing and counts of a run. */
export interface RunMetrics {
  totalMs: number;
  /** Wall time of each node that ran (all attempts together). */
  nodeMs: Record<string, number>;
  executed: number;
  skipped: number;
  failed: number;
  /** Nodes in the order they started. */
  order: string[];
  /**
   * Cache lookups of nodes with a `cache` policy that found an entry (the node did not run)...
   * Present when some node of the workflow has a cache policy.
   */
  cacheHits?: number;
  /** ...and that found none (the node ran, and its result was stored). */
  cacheMisses?: number;
}

/** The `node` of a {@link NodeError} that belongs to the whole run (its timeout, a listener, the store). */
export const RUN_ERROR_NODE = "(run)";

/**
 * An error raised by a node, wrapped with the node's name; `cause` is what the node threw. The
 * message names the node once: `node 'a' failed: boom`, or the cause's own message when it
 * already names the node (`node 'slow' timed out after 200 ms`).
 */
export class NodeError extends Error {
  readonly node: string;
  readonly attempts: number;
  constructor(node: string, cause: unknown, attempts = 1) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(
      node === RUN_ERROR_NODE
        ? `run failed: ${inner}`
        : namesNode(inner, node)
          ? inner
          : `node '${node}' failed: ${inner}`,
      { cause },
    );
    this.name = "NodeError";
    this.node = node;
    this.attempts = attempts;
  }
}

/** Whether a message already names node `node` (`node 'x' ...`, `condition 'x' ...`). */
function namesNode(message: string, node: string): boolean {
  for (const kind of ["node", "condition", "select", "map", "sub-workflow node"]) {
    if (message.includes(`${kind} '${node}'`)) return true;
  }
  return false;
}

/** What a run event is about, for error messages: `'node-complete' of node 'a'`. */
function describeEvent(event: { type: string; node?: string }): string {
  return event.node === undefined
    ? `event '${event.type}'`
    : `event '${event.type}' of node '${event.node}'`;
}

/**
 * A run's event listener threw (`onEvent`, a trace file writer, the telemetry listener). The run
 * stops as fail-fast does and ends `failed` with this error (wrapped in a {@link NodeError} for
 * the run); nodes already running finish, nothing new starts.
 */
export class ListenerError extends Error {
  /** Which listener: `onEvent`, `trace` or `telemetry`. */
  readonly listener: string;
  /** The type of the event it was given. */
  readonly event: string;
  constructor(listener: string, event: { type: string; node?: string }, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`the ${listener} listener threw on ${describeEvent(event)}: ${inner}`, { cause });
    this.name = "ListenerError";
    this.listener = listener;
    this.event = event.type;
  }
}

/**
 * A checkpoint store failed to record a node's result (other than a value it cannot encode,
 * which fails just that node). The run ends `failed`: its journal would not resume it faithfully.
 */
export class StoreError extends Error {
  readonly node: string;
  constructor(node: string, status: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`the checkpoint store failed to record node '${node}' (${status}): ${inner}`, { cause });
    this.name = "StoreError";
    this.node = node;
  }
}

/** A node that ran past its `timeoutMs`. */
export class NodeTimeoutError extends Error {
  readonly node: string;
  readonly timeoutMs: number;
  constructor(node: string, timeoutMs: number) {
    super(`node '${node}' timed out after ${timeoutMs} ms`);
    this.name = "NodeTimeoutError";
    this.node = node;
    this.timeoutMs = timeoutMs;
  }
}

/** One problem of a refused run input: where (`input.rows[2].age`) and what. */
export interface InputIssue {
  path: string;
  message: string;
}

/** The input given to `run` did not fit the workflow. */
export class InputError extends Error {
  /** Every problem an input schema found (empty for other refusals). */
  readonly issues: readonly InputIssue[];
  constructor(message: string, issues: readonly InputIssue[] = []) {
    super(message);
    this.name = "InputError";
    this.issues = issues;
  }
}

/** Thrown by `orThrow()` on a run that did not complete. */
export class RunFailedError extends Error {
  readonly errors: NodeError[];
  constructor(workflow: string, status: string, errors: NodeError[]) {
    super(
      `workflow '${workflow}' ${status}` +
        (errors.length ? `: ${errors.map((e) => e.message).join("; ")}` : ""),
      { cause: errors[0] },
    );
    this.name = "RunFailedError";
    this.errors = errors;
  }
}

/** Status of one node in a run. */
export type NodeStatus = "pending" | "running" | "completed" | "skipped" | "failed" | "waiting";

/**
 * A run as plain data (what `result.toJSON()` gives, what `weft run` prints, what diagrams
 * overlay and what the HTML timeline shows). Times are ms since the run started.
 */
export interface RunRecord {
  runId: string;
  workflow: string;
  status: RunStatus | FsmStatus;
  output?: unknown;
  nodes: Record<
    string,
    {
      status: NodeStatus;
      startMs?: number;
      endMs?: number;
      ms?: number;
      attempts?: number;
      result?: unknown;
      error?: string;
      skipReason?: string;
      /** The result came from the node's cache. */
      cached?: true;
      /** The registry version of the node's function (see `registry()`). */
      version?: string;
      /** A stream node: how many items it produced. Its items are never journaled. */
      stream?: { items: number; journaled: false };
    }
  >;
  metrics: RunMetrics;
  errors: { node: string; message: string }[];
  /** FSMs: states entered, in order. */
  history?: string[];
  /** Runs with status `"waiting"`: the wait nodes they are parked on. */
  waiting?: WaitingNode[];
}

/**
 * A run that has not ended as plain data: `"running"` while it goes (nodes not yet settled are
 * `"pending"` or `"running"`, results arrive with the final record), `"interrupted"` when the
 * process running it stopped before it ended and it was not resumed. What `weft/serve` reports
 * for such runs, and what the diagrams and the HTML page accept besides a {@link RunRecord}.
 */
export interface InFlightRunRecord extends Omit<RunRecord, "status"> {
  status: "running" | "interrupted";
}
