/**
 * The one worker-thread pool of the process (piscina), created on first use. Idle workers are
 * unreferenced by piscina and exit after `idleTimeoutMs`, so the pool never keeps a process (a
 * test runner, the CLI) alive; `closeThreadPool()` ends it at once.
 */
import os from "node:os";
import type { MessagePort } from "node:worker_threads";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ThreadOptions, ThreadResourceLimits } from "./options.js";
import type { ErrorData, WorkerTask } from "./threads-protocol.js";
import { missingPeer } from "../peers/missing-peer.js";

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * The parts of piscina's pool weft uses: warm tasks resolve to what went wrong, node tasks report
 * on their own port. Written out so piscina (an optional peer) stays out of weft's declarations.
 */
export interface Pool {
  readonly maxThreads: number;
  readonly threads: readonly unknown[];
  run(
    task: WorkerTask,
    options?: { transferList?: readonly MessagePort[]; signal?: AbortSignal },
  ): Promise<ErrorData | undefined>;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

interface PoolSettings {
  maxThreads: number;
  idleTimeoutMs: number;
}

let current: { pool: Promise<Pool>; settings: PoolSettings } | undefined;
/** Pools of nodes with `resourceLimits`, by settings and limits. */
const limited = new Map<string, Promise<Pool>>();
/** Pools replaced by a differently sized one, finishing their tasks. */
const retiring = new Set<Promise<Pool>>();

/**
 * The pool for a run. A run that asks for other settings than the current pool's gets a new pool;
 * the old one closes once its running and queued tasks are done.
 */
export function threadPool(
  options: ThreadOptions | undefined,
  preload: string | undefined,
): Promise<Pool> {
  const wanted = settingsOf(options, current?.settings);
  if (current && sameSettings(current.settings, wanted)) return current.pool;
  if (current) {
    const old = current.pool;
    retiring.add(old);
    void old
      .then((p) => p.close())
      .catch(() => undefined) // a pool that never started, or was destroyed meanwhile
      .finally(() => retiring.delete(old));
  }
  current = { pool: createPool(wanted, preload), settings: wanted };
  const created = current.pool;
  // A pool that failed to start is not kept: the next run tries again.
  created.catch(() => {
    if (current?.pool === created) current = undefined;
  });
  return created;
}

/**
 * Stops every worker thread of `mode: "threads"` now; tasks still running or queued fail. The
 * next threads run starts a new pool. Call it when a process (or a test file) is done with
 * threads and should not wait for idle workers to time out.
 *
 * @example
 * ```ts
 * import { closeThreadPool } from "weftjs";
 * afterAll(() => closeThreadPool());
 * ```
 */
export async function closeThreadPool(): Promise<void> {
  const pools = [...retiring, ...(current ? [current.pool] : []), ...limited.values()];
  current = undefined;
  retiring.clear();
  limited.clear();
  await Promise.all(
    pools.map((p) =>
      p.then(
        (pool) => pool.destroy(),
        () => undefined,
      ),
    ),
  );
}

/**
 * The pool for nodes with `resourceLimits`: V8 limits are set when a thread starts, so each
 * distinct set of limits has a pool of its own (sized and timed out like the main pool).
 */
export function limitedThreadPool(
  options: ThreadOptions | undefined,
  preload: string | undefined,
  limits: ThreadResourceLimits,
): Promise<Pool> {
  const settings = settingsOf(options, current?.settings);
  const clean: ThreadResourceLimits = {};
  for (const key of LIMIT_KEYS) {
    const v = limits[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v > 0)) {
      throw new RangeError(
        `resourceLimits.${key} must be a number of MB above 0, got ${String(v)}`,
      );
    }
    clean[key] = v;
  }
  const key = JSON.stringify([settings, clean]);
  let pool = limited.get(key);
  if (!pool) {
    pool = createPool(settings, preload, clean);
    limited.set(key, pool);
    const created = pool;
    created.catch(() => {
      if (limited.get(key) === created) limited.delete(key);
    });
  }
  return pool;
}

const LIMIT_KEYS = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb",
] as const;

function settingsOf(
  options: ThreadOptions | undefined,
  now: PoolSettings | undefined,
): PoolSettings {
  // Unset fields keep the current pool's settings, so nested runs share their parent's pool.
  const maxThreads = options?.maxThreads ?? now?.maxThreads ?? os.availableParallelism();
  const idleTimeoutMs = options?.idleTimeoutMs ?? now?.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (!Number.isInteger(maxThreads) || maxThreads < 1) {
    throw new RangeError(
      `threads.maxThreads must be a positive integer, got ${String(maxThreads)}`,
    );
  }
  if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0) {
    throw new RangeError(
      `threads.idleTimeoutMs must be a finite number of ms, zero or more, got ${String(idleTimeoutMs)}`,
    );
  }
  return { maxThreads, idleTimeoutMs };
}

function sameSettings(a: PoolSettings, b: PoolSettings): boolean {
  return a.maxThreads === b.maxThreads && a.idleTimeoutMs === b.idleTimeoutMs;
}

async function createPool(
  settings: PoolSettings,
  preload: string | undefined,
  resourceLimits?: ThreadResourceLimits,
): Promise<Pool> {
  // Loaded on first use: runs that never use threads do not load piscina.
  const { Piscina } = await import("piscina").catch((err: unknown) => {
    throw missingPeer(err, "piscina", 'mode: "threads"') ?? err;
  });
  const ext = path.extname(fileURLToPath(import.meta.url));
  const runner = new URL(`./threads-worker${ext}`, import.meta.url);
  // From TypeScript sources a worker needs tsx before it can load the runner: a JS entry does that.
  const entry = ext === ".ts" ? new URL("./threads-entry.mjs", import.meta.url) : runner;
  const pool: Pool = new Piscina<WorkerTask, ErrorData | undefined>({
    filename: fileURLToPath(entry),
    workerData: {
      runner: runner.href,
      // Each worker loads this module while waiting for work, so the first tasks do not wait for it.
      preload: preload === undefined ? [] : [preload],
    },
    minThreads: 0,
    maxThreads: settings.maxThreads,
    idleTimeout: settings.idleTimeoutMs,
    // Idle workers keep their event loop running (rather than blocking on Atomics.wait), so the
    // preloading above goes on between tasks.
    atomics: "disabled",
    ...(resourceLimits ? { resourceLimits } : {}),
  });
  return pool;
}
