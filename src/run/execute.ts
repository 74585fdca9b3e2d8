/**
 * Runs one node: its function (or its map items, or its nested workflow) under the node's
 * policies. A node without policies takes the direct path: one call, no promise added.
 */
import type { BudgetMeter } from "./budget.js";
import { hasPolicies, type Prepared } from "./prepare.js";
import type { CacheStoreLike, NodeOptions, RunOptions } from "./options.js";
import { NodeTimeoutError, type NodeContext, type RunEvent } from "./types.js";
import { withPolicies } from "./policies.js";
import { runsInThread, threadCall } from "./threads.js";
import { clearLongTimeout, setLongTimeout } from "./timer.js";
import { runWait } from "./waits.js";
import type { WaitingNode } from "./types.js";

/** What `executeNode` needs from the running scheduler. */
export interface ExecEnv {
  readonly p: Prepared;
  readonly options: RunOptions;
  readonly runId: string;
  readonly workflow: string;
  readonly emit: ((e: RunEvent) => void) | undefined;
  readonly runSignal: AbortSignal;
  readonly sync: boolean;
  readonly state: { attempts: Uint16Array; cached: Uint8Array | undefined };
  /** The workflow's default cache store (nodes with `cache` and no `store`). */
  cache(): CacheStoreLike;
  readonly metadata: Record<string, unknown>;
  /** Wait nodes parked in an earlier part of this run (resumed runs), by node index. */
  readonly waits?: Map<number, WaitingNode>;
  contextFor(i: number, attempt: number, signal: AbortSignal): NodeContext;
  /** The run's budget (`budget` run option), which counts retries. */
  readonly budget?: BudgetMeter;
}

type Call = (args: unknown, ctx: NodeContext) => unknown;

export function executeNode(env: ExecEnv, i: number, args: unknown): unknown {
  if (env.p.kinds[i] === "wait") return runWait(env, i, args, env.waits);
  const opts = env.p.options[i];
  const call = bodyOf(env, i);
  if (!hasPolicies(opts)) {
    env.state.attempts[i] = 1;
    if (env.emit)
      env.emit({
        type: "node-start",
        runId: env.runId,
        node: env.p.names[i],
        attempt: 1,
        at: performance.now(),
      });
    return call(args, env.contextFor(i, 1, env.runSignal));
  }
  return withPolicies(env, i, opts as NodeOptions<never, unknown>, call, args);
}

/** The node's own work as one call: a function, a fan-out over items, or a nested run. */
function bodyOf(env: ExecEnv, i: number): Call {
  const kind = env.p.kinds[i];
  const impl = env.p.impls[i];
  const name = env.p.names[i];
  if (kind === "sub") {
    const sub = impl.sub;
    if (!sub) throw new Error(`sub-workflow node '${name}' has no workflow`);
    return (args, ctx) =>
      sub
        .run(args as never, {
          mode: env.options.mode,
          concurrency: env.options.concurrency,
          threads: env.options.threads,
          signal: ctx.signal,
          metadata: env.metadata,
          runId: `${env.runId}/${name}`,
        })
        .then((r) => {
          if (r.status !== "completed") {
            const first = r.errors[0];
            throw new Error(
              `nested workflow '${sub.name}' ${r.status}${first ? `: ${first.message}` : ""}`,
              { cause: first },
            );
          }
          return r.output;
        });
  }
  if (env.options.mode === "threads" && runsInThread(env, i)) {
    // The worker finds the function in the workflow's module; map items go one by one.
    const call = threadCall(env, i);
    return kind === "map" ? mapBody(env, i, call) : call;
  }
  const fn = impl.fn as Call | undefined;
  if (!fn) {
    return () => {
      throw new Error(`node '${name}' has no function (was it rebuilt from a graph without one?)`);
    };
  }
  if (kind === "map") return mapBody(env, i, fn);
  return fn;
}

function mapBody(env: ExecEnv, i: number, fn: Call): Call {
  const name = env.p.names[i];
  const limit =
    env.options.mode === "sequential"
      ? 1
      : Math.max(
          1,
          env.p.options[i]?.concurrency ?? env.options.concurrency ?? Number.POSITIVE_INFINITY,
        );
  return (args, ctx) => {
    const { items, ...rest } = args as { items: unknown };
    if (!Array.isArray(items)) {
      throw new TypeError(`map '${name}': 'items' must be an array, got ${describe(items)}`);
    }
    const out = new Array<unknown>(items.length);
    const itemCtx = (index: number): NodeContext & { index: number } => ({ ...ctx, index });
    // Synchronous items run inline; the first promise switches to a bounded async pool.
    let k = 0;
    for (; k < items.length; k++) {
      const r = fn({ ...rest, item: items[k], index: k }, itemCtx(k));
      if (isThenable(r)) {
        return pool(items, k, r, out, limit, (index) =>
          fn({ ...rest, item: items[index], index }, itemCtx(index)),
        );
      }
      out[k] = r;
    }
    return out;
  };
}

async function pool(
  items: unknown[],
  first: number,
  firstPromise: PromiseLike<unknown>,
  out: unknown[],
  limit: number,
  run: (index: number) => unknown,
): Promise<unknown[]> {
  let next = first + 1;
  const worker = async (start: number | undefined, p?: PromiseLike<unknown>): Promise<void> => {
    if (start !== undefined && p) out[start] = await p;
    while (next < items.length) {
      const index = next++;
      out[index] = await run(index);
    }
  };
  const workers: Promise<void>[] = [worker(first, firstPromise)];
  for (let w = 1; w < limit && w < items.length - first; w++) workers.push(worker(undefined));
  await Promise.all(workers);
  return out;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function"
  );
}

function describe(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

/** Races `p` against a timer that aborts `controller` with a timeout error naming the node. */
export function withTimeout<T>(
  p: PromiseLike<T> | T,
  ms: number,
  node: string,
  controller: AbortController,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setLongTimeout(() => {
      const err = new NodeTimeoutError(node, ms);
      controller.abort(err);
      reject(err);
    }, ms);
    Promise.resolve(p).then(
      (v) => {
        clearLongTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearLongTimeout(timer);
        reject(e);
      },
    );
  });
}
