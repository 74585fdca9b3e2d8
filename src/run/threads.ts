/**
 * The main-thread side of `mode: "threads"`: which nodes go to the worker-thread pool, and the
 * call that sends one node (or one map item) there and brings its outcome back.
 *
 * Functions cannot cross threads, so a worker finds a node's function itself: it imports the
 * workflow's module (`graph.module`), finds the exported workflow by name and takes the node's
 * function from it. Arguments, results and progress cross by structured clone, checked first so a
 * value that would not arrive intact is an error naming the node rather than a silent change.
 */
import type { MessagePort } from "node:worker_threads";
import { nodeWorkerThreads } from "../peers/builtins.js";
import { existsSync } from "node:fs";
import { inspect } from "node:util";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Graph } from "../graph/types.js";
import { findUnstorable, type UnstorablePart } from "./codec.js";
import type { ExecEnv } from "./execute.js";
import type { NodeOptions, ThreadOptions, ThreadResourceLimits } from "./options.js";
import type { NodeContext } from "./types.js";
import { limitedThreadPool, threadPool } from "./threads-pool.js";
import {
  dataToError,
  errorToData,
  type MainMessage,
  type ThreadTask,
  type WarmTask,
  type WorkerMessage,
} from "./threads-protocol.js";

export { closeThreadPool } from "./threads-pool.js";

const DEFAULT_ABORT_GRACE_MS = 100;

type Call = (args: unknown, ctx: NodeContext) => unknown;

/**
 * A workflow run with `mode: "threads"` has no module reference, so its worker threads cannot
 * find its node functions.
 *
 * @example
 * ```ts
 * // fix: name the defining module, and export the workflow from it
 * export const wf = dag("primes", { module: import.meta.url }).node(...).build();
 * ```
 */
export class ThreadModuleError extends Error {
  /** The workflow's name. */
  readonly workflow: string;
  constructor(workflow: string) {
    super(
      `workflow '${workflow}' cannot run nodes in worker threads (mode: "threads"): it has no ` +
        `module reference, so a worker cannot find its functions; create it with ` +
        `dag("${workflow}", { module: import.meta.url }) and export it from that module ` +
        "(or mark the node { thread: false })",
    );
    this.name = "ThreadModuleError";
    this.workflow = workflow;
  }
}

/**
 * A value cannot cross between the main thread and a worker thread without loss: a node's
 * arguments, its result, `ctx.metadata`, or a progress report.
 *
 * @example
 * ```ts
 * const run = await wf.run(input, { mode: "threads" });
 * const cause = run.errors[0]?.cause;
 * if (cause instanceof ThreadCloneError) console.log(cause.node, cause.what, cause.path);
 * ```
 */
export class ThreadCloneError extends Error {
  /** The node whose value it is. */
  readonly node: string;
  /** Which value. */
  readonly what: "arguments" | "result" | "metadata" | "progress";
  /** Where the problem sits, as code would read it (`args.rows[3].handle`). */
  readonly path: string;
  /** Why that part cannot cross (`is a function`, `is an instance of class Row ...`). */
  readonly reason: string;
  constructor(node: string, what: ThreadCloneError["what"], part: UnstorablePart, index?: number) {
    const root = ROOTS[what];
    const where =
      part.path === ""
        ? root
        : part.path.startsWith("[")
          ? root + part.path
          : `${root}.${part.path}`;
    const item = index === undefined ? "" : ` (item ${index})`;
    const direction = what === "arguments" || what === "metadata" ? "to" : "from";
    super(
      `node '${node}'${item}: ${where} cannot be sent ${direction} a worker thread: ${where} ` +
        `${part.reason}; values crossing threads may hold primitives, plain objects, arrays, Map, ` +
        "Set, Date, RegExp, BigInt, typed arrays, ArrayBuffer and built-in errors " +
        "(or mark the node { thread: false } to run it on the main thread)",
    );
    this.name = "ThreadCloneError";
    this.node = node;
    this.what = what;
    this.path = where;
    this.reason = part.reason;
  }
}

/**
 * A node running in a worker thread went over a limit of its own: the thread's heap
 * (`resourceLimits`) or its CPU time budget (`cpuTimeMs`). The thread was stopped and the pool
 * starts another; the node fails like any other failure (retry, fallback and `onError` apply).
 *
 * @example
 * ```ts
 * const r = await wf.run(input, { mode: "threads", onError: "continue" });
 * const cause = r.errors[0]?.cause;
 * if (cause instanceof ResourceLimitError) console.log(cause.node, cause.limit, cause.max, cause.used);
 * ```
 */
export class ResourceLimitError extends Error {
  /** The node that went over. */
  readonly node: string;
  /** Which limit: `"cpuTimeMs"` or one of the heap's `resourceLimits` fields. */
  readonly limit: "cpuTimeMs" | keyof ThreadResourceLimits;
  /** The limit's value (ms, or MB). */
  readonly max: number;
  /** What the node used when stopped, where it is known (ms of busy thread time). */
  readonly used: number | undefined;
  constructor(
    node: string,
    limit: ResourceLimitError["limit"],
    max: number,
    used: number | undefined,
    detail: string,
  ) {
    super(`node '${node}' ${detail}`);
    this.name = "ResourceLimitError";
    this.node = node;
    this.limit = limit;
    this.max = max;
    this.used = used;
  }
}

const ROOTS = {
  arguments: "args",
  result: "result",
  metadata: "ctx.metadata",
  progress: "progress",
} as const;

/**
 * Starts the worker threads of `mode: "threads"` ahead of a run and loads the workflow's module
 * in each, so the run does not wait for workers to start (each loads its modules, and tsx for
 * TypeScript, once). Resolves to the number of workers running; rejects when the module cannot
 * be loaded in a worker, with that error.
 *
 * @example
 * ```ts
 * await warmThreadPool(primeCount, { maxThreads: 4 });
 * const run = await primeCount.run({ limit: 5_000_000 }, { mode: "threads" });
 * ```
 */
export async function warmThreadPool(
  workflow?: { readonly graph: Graph },
  options?: ThreadOptions,
): Promise<number> {
  let ref: ModuleRef | undefined;
  if (workflow) {
    const found = moduleRefOf(workflow.graph);
    if (found instanceof ThreadModuleError) throw found;
    ref = found;
  }
  const pool = await threadPool(options, ref?.module);
  const count = pool.maxThreads;
  const started = new Int32Array(new SharedArrayBuffer(4));
  const task: WarmTask = ref
    ? {
        kind: "warm",
        started,
        count,
        waitMs: WARM_WAIT_MS,
        module: ref.module,
        workflow: ref.workflow,
      }
    : { kind: "warm", started, count, waitMs: WARM_WAIT_MS };
  const failures = await Promise.all(Array.from({ length: count }, () => pool.run(task)));
  const failure = failures.find((f) => f !== undefined);
  if (failure) throw dataToError(failure);
  return pool.threads.length;
}

/** How long a warm task waits for the others (workers that never start must not hang it). */
const WARM_WAIT_MS = 30_000;

/** Whether node `i` runs in the pool (in `mode: "threads"`). */
export function runsInThread(env: ExecEnv, i: number): boolean {
  const kind = env.p.kinds[i];
  if (kind === "sub") return false; // a nested workflow's own nodes go to threads, not the node
  // A stream's items cannot cross to a worker thread one by one: streams and their readers stay.
  if (kind === "stream" || env.p.streamIn[i] === 1) return false;
  // Without a function here (a graph rebuilt from data), only the module's copy can run it.
  if (env.p.impls[i].fn === undefined && env.p.graph.module?.module !== undefined) return true;
  const own = env.p.options[i]?.thread;
  if (own !== undefined) return own;
  // Routing nodes stay here.
  return kind === "task" || kind === "map";
}

/** Where a workflow's module is, resolved once per graph. */
interface ModuleRef {
  module: string;
  exportName?: string;
  workflow: string;
}

const moduleRefs = new WeakMap<Graph, ModuleRef | ThreadModuleError>();

function moduleRefOf(graph: Graph): ModuleRef | ThreadModuleError {
  let ref = moduleRefs.get(graph);
  if (!ref) {
    const m = graph.module;
    ref =
      m?.module === undefined || m.module === ""
        ? new ThreadModuleError(graph.name)
        : {
            module: moduleUrl(m.module),
            workflow: m.name ?? graph.name,
            ...(m.export === undefined ? {} : { exportName: m.export }),
          };
    moduleRefs.set(graph, ref);
  }
  return ref;
}

/**
 * `import.meta.url` as is; a path (the compiler's is relative to the project root, the working
 * directory of the run) as a file URL; a bare name that is no file as a package specifier.
 */
function moduleUrl(module: string): string {
  if (/^[a-z][a-z\d+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  if (path.isAbsolute(module)) return pathToFileURL(module).href;
  const local = path.resolve(module);
  const isPath = /^\.\.?[\\/]/.test(module) || /\.[cm]?tsx?$/.test(module) || existsSync(local);
  return isPath ? pathToFileURL(local).href : module;
}

/**
 * The call that runs node `i` in a worker thread: it has the shape of the node's own function,
 * so policies (retry, timeout, cache, hooks) wrap it on the main thread as usual.
 */
export function threadCall(env: ExecEnv, i: number): Call {
  const node = env.p.names[i];
  const ref = moduleRefOf(env.p.graph);
  const grace = env.options.threads?.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
  return (args, ctx) => {
    if (ref instanceof ThreadModuleError) throw ref;
    if (env.sync) {
      throw new Error(
        `node '${node}' runs in a worker thread (mode: "threads"), which runSync cannot wait for; use run()`,
      );
    }
    const index = (ctx as { index?: unknown }).index;
    const item = typeof index === "number" ? index : undefined;
    const badArgs = findUnstorable(args);
    if (badArgs) throw new ThreadCloneError(node, "arguments", badArgs, item);
    const badMeta = findUnstorable(ctx.metadata);
    if (badMeta) throw new ThreadCloneError(node, "metadata", badMeta, item);
    const own = env.p.options[i] as NodeOptions<never, unknown> | undefined;
    const limits = own?.resourceLimits;
    const cpuTimeMs = own?.cpuTimeMs;
    if (cpuTimeMs !== undefined && !(typeof cpuTimeMs === "number" && cpuTimeMs > 0)) {
      throw new RangeError(
        `node '${node}': option 'cpuTimeMs' must be a number of milliseconds above 0, got ${String(cpuTimeMs)}`,
      );
    }
    const pool = limits
      ? limitedThreadPool(env.options.threads, ref.module, limits)
      : threadPool(env.options.threads, ref.module);
    return pool.then((p) =>
      send(p.run.bind(p), ref, node, args, ctx, item, env.emit !== undefined, grace, {
        limits,
        cpuTimeMs,
        threads: p.threads as readonly WatchedThread[],
      }),
    );
  };
}

/** What a pool's thread offers for watching its busy time (a `Worker`). */
interface WatchedThread {
  readonly threadId: number;
  readonly performance: {
    eventLoopUtilization(base?: EluSample): EluSample;
  };
}

interface EluSample {
  idle: number;
  active: number;
  utilization: number;
}

/** The limits of one node call. */
interface Guard {
  limits: ThreadResourceLimits | undefined;
  cpuTimeMs: number | undefined;
  threads: readonly WatchedThread[];
}

/**
 * Watches the busy time of the thread running a node once it reports `started`: its event loop's
 * active time (from `worker.performance.eventLoopUtilization()`, readable from this thread while
 * the worker computes; time spent waiting on I/O or timers is idle). Where the thread cannot be
 * found, wall time since `started` stands in. Calls `over(ms)` once the budget is passed.
 */
function watchCpu(
  threads: readonly WatchedThread[],
  threadId: number,
  budgetMs: number,
  over: (usedMs: number) => void,
): () => void {
  const thread = threads.find((t) => t.threadId === threadId);
  const base = thread?.performance.eventLoopUtilization();
  const t0 = performance.now();
  const busy = (): number =>
    thread && base ? thread.performance.eventLoopUtilization(base).active : performance.now() - t0;
  // Checked a few times per budget, at most every 100 ms and at least every 5 ms.
  const every = Math.min(100, Math.max(5, budgetMs / 4));
  const timer = setInterval(() => {
    const used = busy();
    if (used > budgetMs) {
      clearInterval(timer);
      over(used);
    }
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

type RunTask = (
  task: ThreadTask,
  options: { transferList: [MessagePort]; signal: AbortSignal },
) => Promise<unknown>;

function send(
  run: RunTask,
  ref: ModuleRef,
  node: string,
  args: unknown,
  ctx: NodeContext,
  index: number | undefined,
  progress: boolean,
  graceMs: number,
  guard?: Guard,
): Promise<unknown> {
  const { signal } = ctx;
  if (signal.aborted) return Promise.reject(signal.reason);
  const { port1, port2 } = new (nodeWorkerThreads().MessageChannel)();
  // Aborting this one terminates the worker: for code that does not (or cannot) watch its signal.
  const terminate = new AbortController();
  let grace: ReturnType<typeof setTimeout> | undefined;
  let stopWatch: (() => void) | undefined;
  // Set when the node went over its CPU budget and its thread is being terminated.
  let overCpu: ResourceLimitError | undefined;
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      stopWatch?.();
      signal.removeEventListener("abort", onAbort);
      if (grace !== undefined) clearTimeout(grace);
      port1.close();
      return true;
    };
    const onAbort = (): void => {
      port1.postMessage({
        type: "abort",
        reason: errorToData(signal.reason),
      } satisfies MainMessage);
      grace = setTimeout(() => terminate.abort(signal.reason), graceMs);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    port1.on("message", (m: WorkerMessage) => {
      if (m.type === "started") {
        const budget = guard?.cpuTimeMs;
        if (budget === undefined || settled) return;
        stopWatch = watchCpu(guard?.threads ?? [], m.threadId, budget, (used) => {
          overCpu = new ResourceLimitError(
            node,
            "cpuTimeMs",
            budget,
            Math.round(used),
            `went over its CPU time budget (cpuTimeMs: ${budget}): its worker thread was busy for ${Math.round(used)} ms; the thread was terminated and the pool replaces it`,
          );
          terminate.abort(overCpu);
        });
      } else if (m.type === "progress") {
        if (!settled) ctx.emit(m.progress);
      } else if (m.type === "result") {
        if (settle()) resolve(m.value);
      } else if (m.type === "error") {
        if (settle()) reject(dataToError(m.error));
      } else if (settle()) {
        reject(new ThreadCloneError(node, m.what, { path: m.path, reason: m.reason }, index));
      }
    });
    const task: ThreadTask = {
      kind: "node",
      module: ref.module,
      workflow: ref.workflow,
      node,
      args,
      runId: ctx.runId,
      attempt: ctx.attempt,
      metadata: ctx.metadata,
      progress,
      port: port2,
    };
    if (ref.exportName !== undefined) task.exportName = ref.exportName;
    if (guard?.cpuTimeMs !== undefined) task.watch = true;
    if (index !== undefined) task.index = index;
    // The outcome arrives on the port; the pool's own promise only matters when it fails (the
    // worker was terminated, crashed, or could not load).
    run(task, { transferList: [port2], signal: terminate.signal }).then(undefined, (e: unknown) => {
      if (!settle()) return;
      if (overCpu) reject(overCpu);
      else if (signal.aborted) reject(signal.reason);
      else reject(heapError(node, e, guard?.limits) ?? poolError(e));
    });
  });
}

/** A worker that ran out of the heap its `resourceLimits` gave it, as a {@link ResourceLimitError}. */
function heapError(
  node: string,
  e: unknown,
  limits: ThreadResourceLimits | undefined,
): ResourceLimitError | undefined {
  if ((e as { code?: unknown } | null)?.code !== "ERR_WORKER_OUT_OF_MEMORY") return undefined;
  const which: keyof ThreadResourceLimits =
    limits?.maxOldGenerationSizeMb !== undefined || limits?.maxYoungGenerationSizeMb === undefined
      ? "maxOldGenerationSizeMb"
      : "maxYoungGenerationSizeMb";
  const max = limits?.[which] ?? 0;
  const err = new ResourceLimitError(
    node,
    which,
    max,
    undefined,
    `ran out of memory in its worker thread (resourceLimits.${which}: ${max} MB); the thread was stopped and the pool replaces it`,
  );
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** The pool's own failures (a worker that crashed or could not start) as an Error. */
function poolError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(`worker thread failed: ${inspect(e)}`, { cause: e });
}
