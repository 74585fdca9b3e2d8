/**
 * The distributed engine: runs DAG workflows across worker processes through BullMQ, with the
 * run's state (results, dependency counts, statuses) in Redis, so no process has to stay alive
 * for a run to finish or be read.
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Dag, DagRun } from "../dag/dag-types.js";
import { machineDefOf, type FsmMachine } from "../fsm/fsm.js";
import type { FsmRun, MachineDef } from "../fsm/run.js";
import { checkInput, preparedOf } from "../dag/dag.js";
import { DagRunResult } from "../dag/run-result.js";
import { graphHash } from "../graph/hash.js";
import { encodeValue } from "../run/codec.js";
import type { RunOptions } from "../run/options.js";
import { selectNodes } from "../run/partial.js";
import type { FsmStatus, InFlightRunRecord, RunRecord, RunStatus } from "../run/types.js";
import { bullConnection, connect, type RedisConnection } from "./connection.js";
import { allKeys, cancelChannel, doneChannel, QUEUE_NAME, runKeys } from "./keys.js";
import { loadRun, readHeader } from "./load.js";
import { withScripts, type ScriptClient } from "./scripts.js";
import { enqueueVisit, fsmStorePrefix, readFsmRun } from "./fsm-job.js";
import { redisStore, storeKeys, type RedisStore } from "./redis-store.js";
import {
  JOB_OPTIONS,
  enqueue,
  startWorker,
  type EngineWorker,
  type EngineWorkerOptions,
  type WorkflowSource,
} from "./worker.js";

/**
 * Options of {@link redisEngine}.
 *
 * @example
 * ```ts
 * redisEngine({ connection: "redis://127.0.0.1:6379", prefix: "weft", keepMs: 86_400_000 });
 * ```
 */
export interface RedisEngineOptions {
  /** A Redis URL or ioredis options. Default `redis://127.0.0.1:6379`. */
  connection?: RedisConnection;
  /** Prefix of every key, the BullMQ queue's included. Default `"weft"`. */
  prefix?: string;
  /** How long a finished run stays readable, in ms (0: until deleted). Default one day. */
  keepMs?: number;
  /**
   * Run each fused chain of the plan as one job (default `true`). `false` makes every node a job
   * of its own (more hand-overs between workers, each node spread on its own).
   */
  fuse?: boolean;
}

/** Options of {@link RedisEngine.start}: the parts of a local run's options that apply. */
export interface DistributedRunOptions {
  /** The run's id (default a random UUID); a run id already in Redis is refused. */
  runId?: string;
  /** `"fail-fast"` (default) or `"continue"`. Handler functions cannot travel to workers. */
  onError?: "fail-fast" | "continue";
  until?: RunOptions["until"];
  from?: RunOptions["from"];
  between?: RunOptions["between"];
}

/** Options of {@link RedisEngine.start} for a function-return state machine. */
export interface DistributedFsmRunOptions {
  /** The run's id (default a random UUID); a run id already in Redis is refused. */
  runId?: string;
  /** Overrides the machine's `maxCycles` for this run. */
  maxCycles?: number;
}

/** Where a distributed run is, as any process can read it. */
export interface DistributedRunStatus {
  runId: string;
  workflow: string;
  graphHash: string;
  /** `"waiting"`: enqueued, no node picked up yet; `"running"`; then the run's final status. */
  status: "waiting" | "running" | RunStatus | FsmStatus;
  startedAt: number;
  finishedAt?: number;
  /** Nodes not yet resolved (0 for a state machine). */
  nodesLeft: number;
  /** State machines: visits journaled so far. */
  visits?: number;
  /** The last refusal by a worker of another graph version, if any. */
  refused?: string;
}

/**
 * A run started on the engine: its result (awaited from any process), status and cancel.
 *
 * @example
 * ```ts
 * const handle = await engine.start(etl, input, { runId: "nightly-1" });
 * const run = await handle.result(); // DagRun, typed like a local run's
 * ```
 */
export interface RunHandle<R, O> {
  readonly runId: string;
  /** Waits until the run finished and reads it back. */
  result(): Promise<DagRun<R, O>>;
  status(): Promise<DistributedRunStatus | undefined>;
  cancel(): Promise<boolean>;
}

/**
 * A state machine's run started on the engine.
 *
 * @example
 * ```ts
 * const handle = await engine.start(light, { limit: 3 }, { runId: "light-1" });
 * const run = await handle.result(); // FsmRun: run.status, run.history, run.get("yellow", 0)
 * ```
 */
export interface FsmRunHandle<S extends string, R> {
  readonly runId: string;
  /** Waits until the run finished and reads it back (its journal replayed, no handler runs). */
  result(): Promise<FsmRun<S, R>>;
  status(): Promise<DistributedRunStatus | undefined>;
  cancel(): Promise<boolean>;
}

/**
 * The engine: start runs, read them, cancel them, and make workers.
 *
 * @example
 * ```ts
 * const engine = redisEngine({ connection: "redis://127.0.0.1:6379" });
 * const worker = engine.worker([etl], { concurrency: 16 });
 * const run = await (await engine.start(etl, input)).result();
 * await worker.close();
 * await engine.close();
 * ```
 */
export interface RedisEngine {
  /** Starts a worker in this process for these workflows (or a function that finds them). */
  worker(workflows: WorkflowSource, options?: EngineWorkerOptions): EngineWorker;
  /**
   * Enqueues a run; resolves once its first jobs are in the queue. A state machine runs one
   * visit per job.
   */
  start<I, R, O>(
    wf: Dag<I, R, O>,
    input: I,
    options?: DistributedRunOptions,
  ): Promise<RunHandle<R, O>>;
  start<I, S extends string, R>(
    machine: FsmMachine<I, S, R>,
    input: I,
    options?: DistributedFsmRunOptions,
  ): Promise<FsmRunHandle<S, R>>;
  /** A handle on an existing run (started by any process). */
  handle<I, R, O>(wf: Dag<I, R, O>, runId: string): RunHandle<R, O>;
  handle<I, S extends string, R>(machine: FsmMachine<I, S, R>, runId: string): FsmRunHandle<S, R>;
  /** The run's status; `undefined` when Redis has no such run (never started, or expired). */
  status(runId: string): Promise<DistributedRunStatus | undefined>;
  /**
   * The run as it is now, without waiting for it: while it runs, a record with status
   * `"running"` and each node's status and times (results arrive with the final record); once
   * it finished, its final record. A running state machine's record lists no visits yet.
   * `undefined` when Redis has no such run. What progress displays (`weft serve`) poll.
   *
   * @example
   * ```ts
   * const now = await engine.inspect(etl, "nightly-1");
   * now?.nodes.clean.status; // "pending" | "running" | "completed" | ...
   * ```
   */
  inspect(
    wf: { readonly kind: "dag" | "fsm"; readonly name: string },
    runId: string,
  ): Promise<RunRecord | InFlightRunRecord | undefined>;
  /**
   * Cancels a run: once this resolves no node of it starts; in-flight nodes see `ctx.signal`
   * abort. `false` when the run already finished (or was cancelled); throws for an unknown run.
   */
  cancel(runId: string): Promise<boolean>;
  /** Removes a run's state from Redis; `false` when there was none. */
  deleteRun(runId: string): Promise<boolean>;
  /** Closes the engine's connections and every worker it made. */
  close(): Promise<void>;
}

/**
 * Creates the distributed engine on a Redis server.
 *
 * @example
 * ```ts
 * import { redisEngine } from "weftjs/distributed";
 * const engine = redisEngine({ connection: "redis://127.0.0.1:6379", prefix: "weft" });
 * const worker = engine.worker([etl, billing], { concurrency: 16 }); // in any number of processes
 * const handle = await engine.start(etl, input, { runId: "nightly-1" });
 * const run = await handle.result();
 * ```
 */
export function redisEngine(options: RedisEngineOptions = {}): RedisEngine {
  const connection = options.connection ?? "redis://127.0.0.1:6379";
  const prefix = options.prefix ?? "weft";
  const keepSeconds = Math.ceil((options.keepMs ?? 86_400_000) / 1000);
  let client: ScriptClient | undefined;
  let queue: Queue | undefined;
  let sub: Redis | undefined;
  let store: RedisStore | undefined;
  const fsmStore = (): RedisStore => {
    if (closed) throw new Error("the distributed engine is closed");
    store ??= redisStore({ connection, prefix: fsmStorePrefix(prefix) });
    return store;
  };
  const workers = new Set<EngineWorker>();
  const waiters = new Map<string, Set<() => void>>();
  let closed = false;

  const scripts = (): ScriptClient => {
    if (closed) throw new Error("the distributed engine is closed");
    client ??= withScripts(connect(connection, `${prefix}:weft-engine`));
    return client;
  };
  const getQueue = (): Queue => {
    queue ??= new Queue(QUEUE_NAME, {
      connection: bullConnection(connection, `${prefix}:weft-queue`),
      prefix,
    });
    return queue;
  };

  /** Resolves when the run is no longer running (announced, or seen by a slow poll). */
  const finished = async (runId: string): Promise<void> => {
    if (!sub) {
      sub = connect(connection, `${prefix}:weft-engine-done`);
      sub.on("message", (_channel: string, id: string) => {
        for (const wake of waiters.get(id) ?? []) wake();
      });
      await sub.subscribe(doneChannel(prefix));
    }
    const keys = runKeys(prefix, runId);
    await new Promise<void>((resolve, reject) => {
      let set = waiters.get(runId);
      if (!set) waiters.set(runId, (set = new Set()));
      // Announcements missed while a connection was down are caught by the poll.
      const fail = (e: unknown): void => {
        clearInterval(timer);
        set.delete(done);
        reject(e);
      };
      const check = (): void => {
        // Rejects (rather than throws from a timer) once the engine is closed.
        Promise.resolve()
          .then(() => scripts().redis.hget(keys.run, "status"))
          .then((s) => {
            if (s === null) fail(new Error(`run '${runId}' is not in Redis (prefix '${prefix}')`));
            else if (s !== "running") done();
          }, fail);
      };
      const timer = setInterval(check, 2000);
      const done = (): void => {
        clearInterval(timer);
        set.delete(done);
        if (set.size === 0) waiters.delete(runId);
        resolve();
      };
      set.add(done);
      check();
    });
  };

  const fsmHandle = <S extends string, R>(def: MachineDef, runId: string): FsmRunHandle<S, R> => ({
    runId,
    async result() {
      await finished(runId);
      return readFsmRun<S, R>(scripts().redis, fsmStore(), runKeys(prefix, runId), def, runId);
    },
    status: () => engine.status(runId),
    cancel: () => engine.cancel(runId),
  });

  const defOf = (wf: { name: string }): MachineDef => {
    const def = machineDefOf(wf);
    if (!def) throw new TypeError(`machine '${wf.name}' was not built by fsm()`);
    return def;
  };

  const startMachine = async (
    def: MachineDef,
    input: unknown,
    runOptions: DistributedFsmRunOptions & Record<string, unknown>,
  ): Promise<FsmRunHandle<string, unknown>> => {
    for (const option of ["onError", "until", "from", "between"]) {
      if (runOptions[option] !== undefined) {
        throw new TypeError(
          `run option '${option}' does not apply to machine '${def.name}' (a state machine)`,
        );
      }
    }
    const maxCycles = runOptions.maxCycles ?? def.maxCycles;
    if (!Number.isInteger(maxCycles) || maxCycles < 1) {
      throw new TypeError(
        `run option 'maxCycles' of machine '${def.name}' must be a positive integer, got ${String(maxCycles)}`,
      );
    }
    const runId = runOptions.runId ?? randomUUID();
    const keys = runKeys(prefix, runId);
    const startedAt = Date.now();
    const bytes = Buffer.from(encodeValue(input, `the input of run '${runId}'`));
    const created = await scripts().call(
      "weftCreate",
      [keys.run, keys.pending],
      [bytes, def.name, def.hash, startedAt, 0, "", "fail-fast"],
    );
    if (created !== 1) {
      throw new Error(
        `run '${runId}' already exists in Redis (prefix '${prefix}'); read it with engine.handle(machine, '${runId}') or pick another runId`,
      );
    }
    await scripts().redis.hset(keys.run, "kind", "fsm", "maxCycles", maxCycles);
    await fsmStore().beginRun({
      runId,
      workflow: def.name,
      graphHash: def.hash,
      input,
      startedAt,
      status: "running",
    });
    await enqueueVisit(getQueue(), JOB_OPTIONS, runId, def.name, def.hash, 0);
    return fsmHandle(def, runId);
  };

  const dagHandle = <I, R, O>(wf: Dag<I, R, O>, runId: string): RunHandle<R, O> => ({
    runId,
    async result() {
      await finished(runId);
      const p = preparedOf(wf as never);
      const loaded = await loadRun(scripts().redis, runKeys(prefix, runId), p, runId);
      if (!loaded) throw new Error(`run '${runId}' is not in Redis (prefix '${prefix}')`);
      const hash = graphHash(wf.graph);
      if (loaded.graphHash !== hash) {
        throw new Error(
          `run '${runId}' ran workflow '${loaded.workflow}' (graph ${loaded.graphHash}), not '${wf.name}' (graph ${hash})`,
        );
      }
      return new DagRunResult<R, O>(p, loaded.state, wf.name, loaded.input);
    },
    status: () => engine.status(runId),
    cancel: () => engine.cancel(runId),
  });

  const engine: RedisEngine = {
    worker(workflows, workerOptions) {
      const w = startWorker(
        {
          connection,
          prefix,
          fuse: options.fuse ?? true,
          keepSeconds,
          client: scripts(),
          queue: getQueue,
        },
        workflows,
        workerOptions,
      );
      workers.add(w);
      return {
        close: async () => {
          workers.delete(w);
          await w.close();
        },
      };
    },

    start: (async (
      wf: Dag<unknown, unknown, unknown>,
      input: unknown,
      runOptions: DistributedRunOptions = {},
    ) => {
      const kind = (wf as { kind?: string }).kind;
      if (kind === "fsm") {
        return startMachine(defOf(wf), input, runOptions as Record<string, unknown>);
      }
      if (kind !== "dag") {
        throw new TypeError(
          `workflow '${wf.name}' is neither a DAG nor a function-return state machine: the distributed engine runs those only`,
        );
      }
      if (runOptions.onError !== undefined && typeof runOptions.onError !== "string") {
        throw new TypeError(
          `run option 'onError' must be "fail-fast" or "continue" on the distributed engine: a handler function cannot reach the workers`,
        );
      }
      const p = preparedOf(wf as never);
      if (p.anyStream) {
        const s = p.names[p.kinds.indexOf("stream")];
        throw new TypeError(
          `workflow '${wf.name}' has stream node '${s}': a stream's items flow within one process, so run it with wf.run()`,
        );
      }
      checkInput(wf.graph, input);
      const runId = runOptions.runId ?? randomUUID();
      const selected = selectNodes(p, runOptions);
      const hash = graphHash(wf.graph);
      const bytes = Buffer.from(encodeValue(input, `the input of run '${runId}'`));
      const pending: (string | number)[] = [];
      for (let i = 0; i < p.n; i++) if (p.predCount[i] > 0) pending.push(i, p.predCount[i]);
      const keys = runKeys(prefix, runId);
      const created = await scripts().call(
        "weftCreate",
        [keys.run, keys.pending],
        [
          bytes,
          wf.name,
          hash,
          Date.now(),
          p.n,
          selected ? Array.from(selected, (x) => (x ? "1" : "0")).join("") : "",
          runOptions.onError ?? "fail-fast",
          ...pending,
        ],
      );
      if (created !== 1) {
        throw new Error(
          `run '${runId}' already exists in Redis (prefix '${prefix}'); read it with engine.handle(wf, '${runId}') or pick another runId`,
        );
      }
      await enqueue(getQueue(), runId, wf.name, hash, p.roots, p.n === 0);
      return dagHandle(wf, runId);
    }) as RedisEngine["start"],

    handle: ((wf: Dag<unknown, unknown, unknown>, runId: string) =>
      (wf as { kind?: string }).kind === "fsm"
        ? fsmHandle(defOf(wf), runId)
        : dagHandle(wf, runId)) as RedisEngine["handle"],

    async status(runId) {
      const keys = runKeys(prefix, runId);
      const head = await readHeader(scripts().redis, keys);
      if (!head) return undefined;
      let status = head.status as DistributedRunStatus["status"];
      let visits: number | undefined;
      if (head.kind === "fsm") {
        visits = await scripts().redis.zcard(storeKeys(fsmStorePrefix(prefix), runId)[1]);
      }
      if (status === "running" && head.cancelled !== "1") {
        const touched =
          visits === undefined
            ? await scripts().redis.hlen(keys.status)
            : visits + (head.visiting === undefined ? 0 : 1);
        if (touched === 0) status = "waiting";
      }
      const out: DistributedRunStatus = {
        runId,
        workflow: head.workflow,
        graphHash: head.hash,
        status,
        startedAt: Number(head.startedAt),
        nodesLeft: Number(head.left),
      };
      if (head.finishedAt !== undefined) out.finishedAt = Number(head.finishedAt);
      if (head.refused !== undefined) out.refused = head.refused;
      if (visits !== undefined) out.visits = visits;
      return out;
    },

    async inspect(wf, runId) {
      const keys = runKeys(prefix, runId);
      if (wf.kind === "fsm") {
        const head = await readHeader(scripts().redis, keys);
        if (!head) return undefined;
        if (head.status !== "running") {
          return (await fsmHandle(defOf(wf), runId).result()).toJSON();
        }
        return {
          runId,
          workflow: head.workflow,
          status: "running",
          nodes: {},
          metrics: {
            totalMs: Date.now() - Number(head.startedAt),
            nodeMs: {},
            executed: 0,
            skipped: 0,
            failed: 0,
            order: [],
          },
          errors: [],
        };
      }
      const p = preparedOf(wf as never);
      const loaded = await loadRun(scripts().redis, keys, p, runId);
      if (!loaded) return undefined;
      const record = new DagRunResult(p, loaded.state, wf.name, loaded.input).toJSON();
      if (loaded.status !== "running") return record;
      // Results come with the final record; a running record has statuses and times only.
      const nodes: InFlightRunRecord["nodes"] = {};
      for (const [name, n] of Object.entries(record.nodes)) {
        const { result: _result, ...rest } = n;
        nodes[name] = rest;
      }
      const { output: _output, ...rest } = record;
      return { ...rest, nodes, status: "running" };
    },

    async cancel(runId) {
      const r = await scripts().call(
        "weftCancel",
        [runKeys(prefix, runId).run],
        [cancelChannel(prefix), runId],
      );
      if (r === -1)
        throw new Error(`cannot cancel run '${runId}': it is not in Redis (prefix '${prefix}')`);
      return r === 1;
    },

    async deleteRun(runId) {
      const keys = runKeys(prefix, runId);
      const machine = (await scripts().redis.hget(keys.run, "kind")) === "fsm";
      const removed = await scripts().redis.del(...allKeys(keys));
      if (machine) await fsmStore().deleteRun(runId);
      return removed > 0;
    },

    async close() {
      if (closed) return;
      await Promise.all([...workers].map((w) => w.close()));
      closed = true;
      await queue?.close();
      client?.redis.disconnect();
      sub?.disconnect();
      await store?.close();
    },
  };
  return engine;
}
