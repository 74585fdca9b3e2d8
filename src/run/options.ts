import type { RetryData, RunIf } from "../graph/types.js";
import type { NodeContext, NodeError, RunEvent } from "./types.js";
import type { CheckpointStore } from "./store/types.js";
import type { InputRunOptions } from "./validate-input.js";
import type { BudgetRunOptions } from "./budget.js";

/** Retry policy. `attempts` counts every try, the first included (`attempts: 3` = 2 retries). */
export interface RetryOptions extends RetryData {
  /** Which errors are retried (default: all). */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

/** Where cached node results live. `lruCache()` is the default; stores may be async. */
export interface CacheStoreLike {
  get(key: string): { value: unknown } | undefined | Promise<{ value: unknown } | undefined>;
  set(key: string, value: unknown, ttlMs: number | undefined): void | Promise<void>;
}

/** Result caching. The default key hashes the node's arguments and its function's source. */
export interface CacheOptions<A> {
  ttlMs?: number;
  key?: (args: A) => string;
  store?: CacheStoreLike;
}

/** Hooks around a node's function. */
export interface NodeHooks<A, R> {
  /** Runs once, before the first attempt (not again on retries); may return replacement arguments. */
  before?: (args: A, ctx: NodeContext) => A | void | Promise<A | void>;
  /** Runs after success; may return a replacement result. */
  after?: (result: R, args: A, ctx: NodeContext) => R | void | Promise<R | void>;
  /** Runs when the node failed for good; may supply a value (`{ value }`) instead. */
  onError?: (
    error: unknown,
    args: A,
    ctx: NodeContext,
  ) => { value: R } | void | Promise<{ value: R } | void>;
  /** Always runs last, whatever happened. */
  cleanup?: (ctx: NodeContext) => void | Promise<void>;
}

/**
 * A circuit breaker shared across runs (by `name`, default `workflow.node`): after `threshold`
 * consecutive failures it opens and calls fail at once; after `resetMs` one trial call is let
 * through (half-open), and its success closes the breaker again.
 */
export interface CircuitBreakerOptions {
  threshold: number;
  resetMs: number;
  name?: string;
}

/**
 * Options of one node. `A` is the node's argument type, `R` its result type.
 *
 * @example
 * ```ts
 * .node("load", { path: "input.path" }, load, {
 *   retry: { attempts: 3, delayMs: 100, backoff: 2 },
 *   timeoutMs: 5_000,
 *   cache: { ttlMs: 60_000 },
 * })
 * ```
 */
export interface NodeOptions<A = never, R = unknown> {
  retry?: RetryOptions;
  /** Aborts `ctx.signal` and fails the attempt with a timeout error naming the node. */
  timeoutMs?: number;
  /** `"success"` (default), `"always"` (cleanup/notify) or `"any-failed"`. */
  runIf?: RunIf;
  /** `.map` only: how many items run at once (default: the run's concurrency). */
  concurrency?: number;
  /** `.stream` only: how many items may wait for the slowest consumer (default 16). */
  buffer?: number;
  cache?: CacheOptions<A> | true;
  hooks?: NodeHooks<A, R>;
  /** Used as the result when the node fails (after retries). */
  fallback?: R;
  circuitBreaker?: CircuitBreakerOptions;
  /** Saga compensation: when the run fails, completed nodes' compensations run in reverse order. */
  compensate?: (result: R, ctx: NodeContext) => unknown;
  /** Estimated cost (e.g. ms) for scheduling priorities. */
  cost?: number;
  /**
   * `mode: "threads"` only: whether the node runs in the worker-thread pool. Default `true` for
   * `.node`/`.then` nodes and `.map` items, `false` for conditions, selects and `.any` joins;
   * `false` keeps a light node on the main thread. Ignored in other modes.
   */
  thread?: boolean;
  /**
   * `mode: "threads"` only: V8 limits of the worker thread running this node (heap sizes in MB).
   * Nodes with limits run in a pool of their own, one per distinct set of limits; a node whose
   * thread runs out of heap fails with a `ResourceLimitError`, and the pool starts a new thread.
   */
  resourceLimits?: ThreadResourceLimits;
  /**
   * `mode: "threads"` only: most milliseconds the node's worker thread may be busy running it
   * (event-loop active time, measured from the main thread; waiting on I/O or timers does not
   * count). Past it the thread is terminated and the node fails with a `ResourceLimitError`.
   */
  cpuTimeMs?: number;
}

/** V8 limits of a worker thread (Node's `resourceLimits`), in MB. */
export interface ThreadResourceLimits {
  /** The main heap: what most allocations fill. */
  maxOldGenerationSizeMb?: number;
  /** The heap for new objects. */
  maxYoungGenerationSizeMb?: number;
  /** Memory for generated code. */
  codeRangeSizeMb?: number;
  /** The thread's stack (default 4). */
  stackSizeMb?: number;
}

/** What a custom error strategy returns for a failed node. */
export type ErrorDecision = "continue" | "stop" | { value: unknown };

/** How a run reacts to a failed node. */
export type ErrorStrategy =
  | "fail-fast"
  | "continue"
  | ((node: string, error: NodeError, ctx: { runId: string }) => ErrorDecision);

/**
 * The worker-thread pool of `mode: "threads"`. One pool serves every run of the process; it is
 * created by the first run that needs it.
 *
 * @example
 * ```ts
 * await wf.run(input, { mode: "threads", threads: { maxThreads: 4 } });
 * ```
 */
export interface ThreadOptions {
  /**
   * Most worker threads (default `os.availableParallelism()`). A run asking for a different size
   * than the current pool's replaces the pool; the old one finishes its tasks first.
   */
  maxThreads?: number;
  /** An idle worker exits after this long (default 30 000 ms). Idle workers never hold the process open. */
  idleTimeoutMs?: number;
  /**
   * After a node's `ctx.signal` aborts, how long its worker may take to stop on its own before it
   * is terminated (default 100 ms).
   */
  abortGraceMs?: number;
}

/** Options of a DAG run (input checks: {@link InputRunOptions}; `budget`: {@link BudgetRunOptions}). */
export interface RunOptions extends InputRunOptions, BudgetRunOptions {
  /**
   * `"sequential"` runs one node at a time; `"parallel"` (default) up to `concurrency`;
   * `"threads"` schedules like `"parallel"` and runs nodes in a worker-thread pool.
   */
  mode?: "sequential" | "parallel" | "threads";
  /** The worker-thread pool of `mode: "threads"`. */
  threads?: ThreadOptions;
  /** Most nodes running at once in parallel mode (default: unlimited). */
  concurrency?: number;
  /** Cancels the run: in-flight nodes see their `ctx.signal` abort; status `"cancelled"`. */
  signal?: AbortSignal;
  /** Whole-run time limit. */
  timeoutMs?: number;
  runId?: string;
  /** Initial contents of the shared `ctx.metadata` record. */
  metadata?: Record<string, unknown>;
  /** Receives every event of the run. */
  onEvent?: (event: RunEvent) => void;
  /** `"fail-fast"` (default), `"continue"`, or a handler. */
  onError?: ErrorStrategy;
  /**
   * Journal each node completion to this store (with `runId`) so `resume(runId)` can finish the
   * run after a crash.
   */
  checkpoint?: CheckpointStore;
  /**
   * OpenTelemetry spans per run and node. `"auto"` (default): when an SDK is registered with
   * `@opentelemetry/api`; `true`: always (no-op without an SDK); `false`: never.
   */
  telemetry?: boolean | "auto";
  /** Run only this node and what it depends on... */
  until?: string;
  /** ...or this node and everything downstream of it, reusing earlier results for the rest... */
  from?: string;
  /** ...or the nodes on paths from the first to the second. */
  between?: [string, string];
  /**
   * With `checkpoint` and a `runId` the store already holds: delete that run and start afresh.
   * Without it such a run is refused (a new input must never mix with an old journal).
   */
  replace?: boolean;
  /**
   * With a `checkpoint` store that has leases (memory, SQLite): how long this runner's lease on
   * the run lasts without renewal, in ms (default 30 000; renewed every third of it). A second
   * runner resuming the same run meanwhile is refused.
   */
  leaseMs?: number;
  /** Earlier results to reuse with `from`/`between`: a previous run or a checkpointed run id. */
  reuse?: { get(ref: string): unknown } | string;
  /** `"outputs"` releases intermediate results after their last consumer. Default `"all"`. */
  retain?: "all" | "outputs";
  /**
   * Per-node start and end times (default `true`). `false` skips the clock reads around each node
   * (about 50 ns each, as much as a trivial node costs) when nothing else needs them: event
   * listeners, a trace or a checkpoint store take them anyway. The run's total time is always
   * measured; `metrics.nodeMs` and the nodes' `ms` are absent without timings.
   */
  timings?: boolean;
  /** Write a Chrome trace-event file (Perfetto) of the run to this path. */
  trace?: string;
  /**
   * Who starts (resumes, signals, cancels) the run, as the `checkpoint` store's audit trail
   * records it: a user, a service account, a token name. Default `"unknown"`.
   */
  actor?: string;
  /**
   * Resume a run even when a node's function now resolves to another registry version than the
   * checkpointed run used (refused by default with a `VersionMismatchError`).
   */
  allowVersionChange?: boolean;
}
