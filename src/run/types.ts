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
}

/** An error raised by a node, wrapped with the node's name; `cause` is what the node threw. */
export class NodeError extends Error {
  readonly node: string;
  readonly attempts: number;
  constructor(node: string, cause: unknown, attempts = 1) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`node '${node}' failed: ${inner}`, { cause });
    this.name = "NodeError";
    this.node = node;
    this.attempts = attempts;
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

/** The input given to `run` did not fit the workflow. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
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
    }
  >;
  metrics: RunMetrics;
  errors: { node: string; message: string }[];
  /** FSMs: states entered, in order. */
  history?: string[];
  /** Runs with status `"waiting"`: the wait nodes they are parked on. */
  waiting?: WaitingNode[];
}
