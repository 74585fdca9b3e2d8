/**
 * Node policies around one call: circuit breaker, cache, hooks, retries with backoff and jitter,
 * per-attempt timeout, `onError` and fallback, cleanup. Order matters and is documented in the
 * README: breaker -> cache lookup -> before -> attempts (timeout each) -> after -> cache store;
 * on final failure onError -> fallback; cleanup always.
 */
import { nodeCrypto, nodeV8 } from "../peers/builtins.js";
import type { ExecEnv } from "./execute.js";
import { withTimeout } from "./execute.js";
import type { CacheStoreLike, NodeOptions } from "./options.js";
import type { RetryData } from "../graph/types.js";
import { NodeError, type NodeContext } from "./types.js";
import { CACHE_HIT, CACHE_MISS } from "./status.js";
import { breakerFor, CircuitOpenError, type CircuitBreaker } from "./circuit-breaker.js";
import { stableStringify } from "../graph/hash.js";
import { clearLongTimeout, setLongTimeout } from "./timer.js";

type Call = (args: unknown, ctx: NodeContext) => unknown;
type Opts = NodeOptions<never, unknown>;

export async function withPolicies(
  env: ExecEnv,
  i: number,
  opts: Opts,
  call: Call,
  args0: unknown,
): Promise<unknown> {
  const name = env.p.names[i];
  const hooks = opts.hooks as
    | {
        before?: (a: unknown, c: NodeContext) => unknown;
        after?: (r: unknown, a: unknown, c: NodeContext) => unknown;
        onError?: (e: unknown, a: unknown, c: NodeContext) => unknown;
        cleanup?: (c: NodeContext) => unknown;
      }
    | undefined;
  const baseCtx = env.contextFor(i, 1, env.runSignal);
  const breaker = opts.circuitBreaker
    ? breakerFor(opts.circuitBreaker.name ?? `${env.workflow}.${name}`, opts.circuitBreaker)
    : undefined;
  let args = args0;
  try {
    const cache = opts.cache === true ? {} : opts.cache;
    const store: CacheStoreLike | undefined = cache ? (cache.store ?? env.cache()) : undefined;
    let key: string | undefined;
    if (cache && store) {
      key = cacheKey(
        env.workflow,
        name,
        env.p.impls[i].fn,
        cache.key as ((a: unknown) => string) | undefined,
        args,
      );
      const hit = await store.get(key);
      // Read by the scheduler for `node-complete` events and `run.metrics`.
      if (env.state.cached) env.state.cached[i] = hit ? CACHE_HIT : CACHE_MISS;
      if (hit) {
        env.state.attempts[i] = 0;
        env.emit?.({
          type: "node-start",
          runId: env.runId,
          node: name,
          attempt: 1,
          at: performance.now(),
        });
        return hit.value;
      }
    }
    if (hooks?.before) {
      const replaced = await hooks.before(args, baseCtx);
      if (replaced !== undefined) args = replaced;
    }
    let result: unknown;
    try {
      result = await attempts(env, i, opts, call, args, breaker);
    } catch (error) {
      if (hooks?.onError) {
        const supplied = (await hooks.onError(error, args, baseCtx)) as
          { value: unknown } | undefined;
        if (supplied && typeof supplied === "object" && "value" in supplied) return supplied.value;
      }
      if (opts.fallback !== undefined) return opts.fallback;
      throw error;
    }
    if (hooks?.after) {
      const replaced = await hooks.after(result, args, baseCtx);
      if (replaced !== undefined) result = replaced;
    }
    if (key !== undefined && store) await store.set(key, result, cache?.ttlMs);
    return result;
  } finally {
    if (hooks?.cleanup) await hooks.cleanup(baseCtx);
  }
}

/** Tries the call up to `retry.attempts` times, with backoff, jitter and a per-attempt timeout. */
async function attempts(
  env: ExecEnv,
  i: number,
  opts: Opts,
  call: Call,
  args: unknown,
  breaker: CircuitBreaker | undefined,
): Promise<unknown> {
  const name = env.p.names[i];
  const retry = opts.retry;
  const max = Math.max(1, retry?.attempts ?? 1);
  for (let attempt = 1; ; attempt++) {
    env.state.attempts[i] = attempt;
    env.emit?.({
      type: "node-start",
      runId: env.runId,
      node: name,
      attempt,
      at: performance.now(),
    });
    if (env.runSignal.aborted) throw env.runSignal.reason ?? new Error("run aborted");
    try {
      // Every attempt is a call the breaker counts; an open breaker ends the retries.
      breaker?.check(name);
      const r = await attemptOnce(env, i, opts, call, args, attempt);
      breaker?.success();
      return r;
    } catch (error) {
      if (!(error instanceof CircuitOpenError)) breaker?.failure();
      const retryable =
        attempt < max &&
        !env.runSignal.aborted &&
        !(error instanceof CircuitOpenError) &&
        (retry?.retryOn ? retry.retryOn(error, attempt) : true);
      if (!retryable) throw attempt > 1 ? new NodeError(name, error, attempt) : error;
      // A retry the run's budget has no room for fails the node (and the run) instead.
      const over = env.budget?.retry(name);
      if (over) throw new NodeError(name, over, attempt);
      const wait = retryDelay(attempt, retry);
      env.emit?.({
        type: "node-retry",
        runId: env.runId,
        node: name,
        attempt: attempt + 1,
        delayMs: wait,
        error: error instanceof Error ? error : new Error(String(error)),
        at: performance.now(),
      });
      if (wait > 0) await sleep(wait, env.runSignal);
    }
  }
}

/**
 * The wait before the retry that follows failed attempt `attempt` (1-based): `delayMs`, times
 * `backoff` once per earlier retry, capped at `maxDelayMs`, then jittered. Shared by DAG nodes
 * and FSM states so both back off alike.
 *
 * @example
 * ```ts
 * retryDelay(3, { attempts: 5, delayMs: 100, backoff: 2 }); // 400
 * retryDelay(3, { attempts: 5, delayMs: 100, backoff: 2, maxDelayMs: 250 }); // 250
 * ```
 */
export function retryDelay(attempt: number, retry: RetryData | undefined): number {
  let delay = retry?.delayMs ?? 0;
  // Repeated multiplication, as the delay has always been computed (not a power).
  for (let k = 1; k < attempt; k++) delay = delay * (retry?.backoff ?? 1);
  return jittered(Math.min(delay, retry?.maxDelayMs ?? Number.POSITIVE_INFINITY), retry?.jitter);
}

/** Full jitter when `true`; a fraction (0..1) of random spread when a number. */
function jittered(ms: number, jitter: boolean | number | undefined): number {
  if (!jitter || ms <= 0) return ms;
  const spread = jitter === true ? 1 : Math.min(1, Math.max(0, jitter));
  return ms * (1 - spread) + Math.random() * ms * spread;
}

/** Waits `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason ?? new Error("run aborted"));
      return;
    }
    const t = setLongTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearLongTimeout(t);
      reject(signal.reason ?? new Error("run aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** One attempt, under the node's timeout when it has one. */
async function attemptOnce(
  env: ExecEnv,
  i: number,
  opts: Opts,
  call: Call,
  args: unknown,
  attempt: number,
): Promise<unknown> {
  if (opts.timeoutMs === undefined) return call(args, env.contextFor(i, attempt, env.runSignal));
  const controller = new AbortController();
  const onRunAbort = (): void => controller.abort(env.runSignal.reason);
  env.runSignal.addEventListener("abort", onRunAbort, { once: true });
  try {
    const ctx = env.contextFor(i, attempt, controller.signal);
    return await withTimeout(call(args, ctx), opts.timeoutMs, env.p.names[i], controller);
  } finally {
    env.runSignal.removeEventListener("abort", onRunAbort);
  }
}

/**
 * The default cache key: workflow, node, a hash of the node function's source (so changed code
 * never serves a stale result) and a hash of the arguments (structured-clone bytes, so Maps,
 * Dates and typed arrays key correctly; JSON when they cannot be cloned).
 */
function cacheKey(
  workflow: string,
  node: string,
  fn: unknown,
  custom: ((a: unknown) => string) | undefined,
  args: unknown,
): string {
  const h = nodeCrypto().createHash("sha256");
  h.update(typeof fn === "function" ? fn.toString() : "");
  if (custom) h.update(custom(args));
  else {
    try {
      h.update(nodeV8().serialize(args));
    } catch {
      h.update(stableStringify(args));
    }
  }
  return `${workflow}/${node}/${h.digest("hex").slice(0, 32)}`;
}
