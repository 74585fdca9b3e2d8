/** A worker process's side of the engine: takes node jobs from BullMQ and runs them. */
import { DelayedError, Job, Worker, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { AnyDag } from "../dag/dag-types.js";
import type { Graph } from "../graph/types.js";
import { preparedOf } from "../dag/dag.js";
import { graphHash } from "../graph/hash.js";
import { decodeValue } from "../run/codec.js";
import type { NodeContext } from "../run/types.js";
import { bullConnection, connect, type RedisConnection } from "./connection.js";
import {
  allKeys,
  cancelChannel,
  doneChannel,
  finishJobId,
  nodeJobId,
  QUEUE_NAME,
  runKeys,
} from "./keys.js";
import { runNodeJob, type LoadedWorkflow } from "./node-job.js";
import { fsmStorePrefix, runFsmJob, enqueueVisit, type LoadedMachine } from "./fsm-job.js";
import { redisStore, type RedisStore } from "./redis-store.js";
import { machineDefOf } from "../fsm/fsm.js";
import { scriptsOn, type ScriptClient } from "./scripts.js";

/**
 * Data of a job: run, workflow name and graph hash, node index (`-1`: finish the run; `-2`: a
 * state machine's visit number `c`).
 */
export interface NodeJobData {
  r: string;
  w: string;
  h: string;
  i: number;
  c?: number;
}

/** A built workflow or state machine, whatever its input and result types. */
export interface BuiltWorkflow {
  readonly kind: string;
  readonly name: string;
  readonly graph: Graph;
}

/** Workflows a worker runs: a list, or a function that finds one by name and graph hash. */
export type WorkflowSource =
  | readonly BuiltWorkflow[]
  | ((
      workflow: string,
      graphHash: string,
    ) => BuiltWorkflow | undefined | Promise<BuiltWorkflow | undefined>);

/**
 * Options of {@link RedisEngine.worker}.
 *
 * @example
 * ```ts
 * engine.worker([etl], { concurrency: 16, lockDurationMs: 30_000 });
 * ```
 */
export interface EngineWorkerOptions {
  /** Jobs (nodes or fused chains) run at once by this worker. Default 8. */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal (BullMQ `lockDuration`); a worker that dies
   * holding a job lets another take it after about this long. Default 30 000.
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (BullMQ `stalledInterval`). Default 30 000. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died) before it is given up. Default 10. */
  maxStalledCount?: number;
  /** How long a refused job (another graph version) waits before it is offered again. Default 1 000. */
  refuseDelayMs?: number;
  /** Where refusals are reported. Default `console.warn`. */
  onRefuse?: (message: string) => void;
}

/**
 * A running worker.
 *
 * @example
 * ```ts
 * const worker = engine.worker([etl]);
 * process.once("SIGTERM", () => void worker.close());
 * ```
 */
export interface EngineWorker {
  /** Stops taking jobs, lets in-flight ones finish, then closes its connections. */
  close(): Promise<void>;
}

/** What a worker shares with its engine. */
export interface WorkerContext {
  connection: RedisConnection;
  prefix: string;
  fuse: boolean;
  keepSeconds: number;
  client: ScriptClient;
  queue(): Queue;
}

/** Default BullMQ options of every job the engine adds. */
export const JOB_OPTIONS = {
  // Retries of the job itself (a Redis error mid-job); node failures are settled, not thrown.
  attempts: 10,
  backoff: { type: "exponential", delay: 100 },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

export function startWorker(
  ctx: WorkerContext,
  source: WorkflowSource,
  options: EngineWorkerOptions = {},
): EngineWorker {
  const { prefix } = ctx;
  const loaded = new Map<string, LoadedWorkflow | LoadedMachine | undefined>();
  const byName = new Map<string, string>();
  const load = (built: BuiltWorkflow): LoadedWorkflow | LoadedMachine => {
    if (built.kind === "fsm") {
      const def = machineDefOf(built);
      if (!def) throw new TypeError(`machine '${built.name}' was not built by fsm()`);
      return { kind: "fsm", def, hash: def.hash };
    }
    const wf = built as unknown as AnyDag;
    if (built.kind !== "dag") {
      throw new TypeError(
        `workflow '${wf.name}' is neither a DAG nor a function-return state machine: the distributed engine runs those only`,
      );
    }
    const p = preparedOf(wf);
    return {
      wf,
      p,
      hash: graphHash(wf.graph),
      preds: p.preds.map((list) => list.map(String)),
      succs: p.succs.map((list) => list.map(String)),
      only: p.succs.map((list) => list.filter((j) => p.predCount[j] === 1)),
      fast: Uint8Array.from(p.names, (_, i) =>
        p.plainArgs[i] === 1 && p.runIf[i] === "success" ? 1 : 0,
      ),
    };
  };
  if (typeof source !== "function") {
    for (const wf of source) {
      const lw = load(wf);
      loaded.set(`${wf.name}\0${lw.hash}`, lw);
      byName.set(wf.name, lw.hash);
    }
  }
  const find = async (
    name: string,
    hash: string,
  ): Promise<LoadedWorkflow | LoadedMachine | undefined> => {
    const key = `${name}\0${hash}`;
    if (loaded.has(key) || typeof source !== "function") return loaded.get(key);
    const wf = await source(name, hash);
    const lw = wf ? load(wf) : undefined;
    if (lw && lw.hash !== hash) {
      byName.set(name, lw.hash);
      return undefined;
    }
    loaded.set(key, lw);
    return lw;
  };

  // Runs whose in-flight nodes must see their signal abort (cancel, fail-fast).
  const inflight = new Map<string, Set<AbortController>>();
  const sub: Redis = connect(ctx.connection, `${prefix}:weft-worker-cancel`);
  void sub.subscribe(cancelChannel(prefix)).catch(() => undefined);
  sub.on("message", (_channel: string, runId: string) => {
    for (const c of inflight.get(runId) ?? []) c.abort(new Error(`run '${runId}' was stopped`));
  });
  const inputs = new Map<string, unknown>();
  const refuse = options.onRefuse ?? ((m: string) => console.warn(m));
  const report = (m: string): void => console.warn(m);
  let store: RedisStore | undefined;

  const processor = async (job: Job<NodeJobData>, token?: string): Promise<void> => {
    const { r: runId, w: name, h: hash, i: node } = job.data;
    const lw = await find(name, hash);
    const keys = runKeys(prefix, runId);
    if (!lw) {
      const mine = byName.get(name);
      const message =
        mine === undefined
          ? `weft worker: refused job of run '${runId}': workflow '${name}' (graph ${hash}) is not loaded here; handed back for a worker that has it`
          : `weft worker: refused job of run '${runId}': workflow '${name}' here has graph ${mine}, the run needs graph ${hash} (a deploy in progress?); handed back for a worker with the matching version`;
      refuse(message);
      await ctx.client.redis.hset(keys.run, "refused", message);
      await job.moveToDelayed(Date.now() + (options.refuseDelayMs ?? 1000), token);
      throw new DelayedError(message);
    }
    const controller = new AbortController();
    let set = inflight.get(runId);
    if (!set) inflight.set(runId, (set = new Set()));
    set.add(controller);
    try {
      if ("kind" in lw) {
        store ??= redisStore({ connection: ctx.connection, prefix: fsmStorePrefix(prefix) });
        await runFsmJob(
          {
            client: ctx.client,
            store,
            prefix,
            keys,
            runId,
            keepSeconds: ctx.keepSeconds,
            controller,
            enqueue: (cycle) => enqueueVisit(ctx.queue(), JOB_OPTIONS, runId, name, hash, cycle),
          },
          lw,
          job.data.c ?? 0,
        );
        return;
      }
      if (node < 0) return await finishRun(ctx, lw, runId);
      await runNodeJob(
        {
          client: await jobClient(),
          keys,
          runId,
          cancelChannel: cancelChannel(prefix),
          signal: controller.signal,
          fuse: ctx.fuse,
          input: async () => {
            if (inputs.has(runId)) return inputs.get(runId);
            const bytes = await ctx.client.redis.hgetBuffer(keys.run, "input");
            const input = bytes ? decodeValue(bytes, `the input of run '${runId}'`) : undefined;
            if (inputs.size > 256) inputs.clear();
            inputs.set(runId, input);
            return input;
          },
          enqueue: (nodes, finished) => enqueue(ctx.queue(), runId, name, hash, nodes, finished),
          lost: (i, error) => {
            enqueue(ctx.queue(), runId, name, hash, [i], false).catch(() => undefined);
            report(
              `weft worker: storing node ${i} of run '${runId}' failed (${error instanceof Error ? error.message : String(error)}); the node is offered again`,
            );
          },
          addJobs: (batch, nodes) => {
            const queue = ctx.queue();
            for (const i of nodes) {
              const jobId = nodeJobId(runId, i);
              const data: NodeJobData = { r: runId, w: name, h: hash, i };
              // Errors come back in the transaction's results, which the caller checks.
              new Job(queue, "node", data, { ...JOB_OPTIONS, jobId }, jobId)
                .addJob(batch as unknown as Parameters<Job["addJob"]>[0])
                .catch(() => undefined);
            }
          },
        },
        lw,
        node,
      );
    } finally {
      set.delete(controller);
      if (set.size === 0) inflight.delete(runId);
    }
  };

  const worker = new Worker<NodeJobData>(QUEUE_NAME, processor, {
    connection: bullConnection(ctx.connection, `${prefix}:weft-worker`),
    prefix,
    concurrency: options.concurrency ?? 8,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 10,
  });
  // Node jobs' scripts share the worker's own (non-blocking) connection, which has BullMQ's
  // commands: a completion and the jobs it makes ready go in one transaction.
  let scripted: ScriptClient | undefined;
  const jobClient = async (): Promise<ScriptClient> =>
    (scripted ??= scriptsOn((await worker.backend.client) as unknown as Redis));
  // Errors are retried by BullMQ or surface as failed jobs; the worker itself keeps going.
  worker.on("error", () => undefined);
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await worker.close();
        sub.disconnect();
        await store?.close();
      })();
      return closing;
    },
  };
}

/** Adds jobs for nodes that became ready (and the finishing job). Ids make repeats no-ops. */
export async function enqueue(
  queue: Queue,
  runId: string,
  workflow: string,
  hash: string,
  nodes: readonly number[],
  finished: boolean,
): Promise<void> {
  const jobs = nodes.map((i) => ({
    name: "node",
    data: { r: runId, w: workflow, h: hash, i },
    opts: { ...JOB_OPTIONS, jobId: nodeJobId(runId, i) },
  }));
  if (finished) {
    jobs.push({
      name: "finish",
      data: { r: runId, w: workflow, h: hash, i: -1 },
      opts: { ...JOB_OPTIONS, jobId: finishJobId(runId) },
    });
  }
  if (jobs.length === 1) await queue.add(jobs[0].name, jobs[0].data, jobs[0].opts);
  else await queue.addBulk(jobs);
}

/** Ends a run whose every node resolved: saga compensations, then its final status, once. */
async function finishRun(ctx: WorkerContext, lw: LoadedWorkflow, runId: string): Promise<void> {
  const keys = runKeys(ctx.prefix, runId);
  const redis = ctx.client.redis;
  const [status, failed, cancelled, stopping] = await redis.hmget(
    keys.run,
    "status",
    "failed",
    "cancelled",
    "stopping",
  );
  if (status !== "running") return;
  const compensations: { node: string; ok: boolean; error?: string }[] = [];
  const p = lw.p;
  if (failed === "1" && p.anyCompensate) {
    const done = (await redis.lrange(keys.completed, 0, -1)).map(Number);
    for (const i of done.reverse()) {
      const fn = p.options[i]?.compensate as ((r: unknown, c: NodeContext) => unknown) | undefined;
      if (!fn) continue;
      const bytes = await redis.hgetBuffer(keys.values, String(i));
      const value = bytes
        ? decodeValue(bytes, `node '${p.names[i]}' of run '${runId}'`)
        : undefined;
      const node = p.names[i];
      try {
        await fn(value, {
          signal: new AbortController().signal,
          runId,
          node,
          attempt: 1,
          metadata: {},
          emit: () => undefined,
        });
        compensations.push({ node, ok: true });
      } catch (error) {
        compensations.push({
          node,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  const final =
    cancelled === "1"
      ? "cancelled"
      : failed !== "1"
        ? "completed"
        : stopping === "1"
          ? "failed"
          : "partial";
  await ctx.client.call("weftFinish", allKeys(keys), [
    final,
    Date.now(),
    JSON.stringify(compensations),
    doneChannel(ctx.prefix),
    runId,
    ctx.keepSeconds,
  ]);
}
