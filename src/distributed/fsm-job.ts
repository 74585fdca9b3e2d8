/**
 * Distributed state-machine runs: one job per state visit. The run's journal is the local FSM
 * journal (each visit an entry `state#visit` with its transition and `ctx.metadata`) in a Redis
 * checkpoint store; a job replays it with the local stepper, runs the next visit with the
 * state's policies (the local handler call), journals it and enqueues the visit after.
 */
import type { Queue } from "bullmq";
import { loadReplay } from "../fsm/journal.js";
import { Stepper, type MachineDef } from "../fsm/run.js";
import type { FsmRun } from "../fsm/run.js";
import { NodeError } from "../run/types.js";
import { doneChannel, type RunKeys } from "./keys.js";
import { storeKeys, type RedisStore } from "./redis-store.js";
import type { ScriptClient } from "./scripts.js";

/** A machine a worker can run. */
export interface LoadedMachine {
  kind: "fsm";
  def: MachineDef;
  /** The machine's hash (`machineHash`): runs and jobs are pinned to it. */
  hash: string;
}

/** Prefix of the checkpoint store holding machine runs' journals. */
export function fsmStorePrefix(prefix: string): string {
  return `${prefix}:fsm`;
}

/** Job id of visit `cycle` (0-based) of a run: each visit is enqueued at most once. */
export function visitJobId(runId: string, cycle: number): string {
  return `${runId}@v${cycle}`;
}

/** How a failed or cancelled machine run ended, stored so any process can rebuild its error. */
export interface FsmEnd {
  status: "failed" | "cancelled";
  /** Failed: the handler's error message; cancelled: the run's error message. */
  message: string;
  name: string;
  attempts?: number;
  /** Whether the last state's visit began (a cancel between visits enters none). */
  entered: boolean;
}

/** What a visit job needs from its worker. */
export interface FsmJobEnv {
  client: ScriptClient;
  store: RedisStore;
  prefix: string;
  keys: RunKeys;
  runId: string;
  keepSeconds: number;
  /** Aborted when the run is cancelled (the stepper's run signal). */
  controller: AbortController;
  /** Enqueues the job of visit `cycle`. */
  enqueue(cycle: number): Promise<void>;
}

function replayTarget(def: MachineDef): Parameters<typeof loadReplay>[2] {
  return {
    machine: def.name,
    graphHash: def.hash,
    initial: def.initial,
    states: new Set(def.states),
  };
}

/**
 * Runs visit `cycle` of a machine run: replays the journal, and when it holds exactly `cycle`
 * visits runs the next one (a redelivered job whose visit is journaled only hands over).
 */
export async function runFsmJob(env: FsmJobEnv, lm: LoadedMachine, cycle: number): Promise<void> {
  const { keys, runId } = env;
  const [status, cancelled, max] = await env.client.redis.hmget(
    keys.run,
    "status",
    "cancelled",
    "maxCycles",
  );
  if (status !== "running") return;
  const { input, visits } = await loadReplay(env.store, runId, replayTarget(lm.def));
  const stepper = new Stepper<string, Record<string, unknown>>(
    lm.def,
    input,
    { runId, checkpoint: env.store, maxCycles: Number(max), signal: env.controller.signal },
    visits,
  );
  // Journaled visits replay (no handler runs); the stepper stands where the run is.
  while (!stepper.done && stepper.cycles < visits.length) await stepper.step();
  if (!stepper.done) {
    if (visits.length !== cycle) {
      // This visit is journaled already (a job run again after a crash): hand over.
      if (visits.length > cycle) await env.enqueue(visits.length);
      return;
    }
    if (cancelled === "1") env.controller.abort(new Error(`run '${runId}' was stopped`));
    // The visit in progress, for status(): "running" from the first visit on.
    await env.client.redis.hset(keys.run, "visiting", cycle);
    await stepper.step();
    // Attempts of the state's latest visit, for the result's records (the journal has none).
    const state = stepper.history[stepper.history.length - 1];
    const attempts = state === undefined ? undefined : stepper.nodeRecords()[state]?.attempts;
    if (attempts !== undefined) await env.client.redis.hset(keys.info, state, attempts);
    if (!stepper.done) return env.enqueue(stepper.cycles);
  }
  const run = await stepper.finish();
  await finishFsmRun(env, run, stepper.history.length > visits.length);
}

/** Stores how the run ended, sets its final status once, announces it and sets expiry. */
async function finishFsmRun(
  env: FsmJobEnv,
  run: FsmRun<string, Record<string, unknown>>,
  entered: boolean,
): Promise<void> {
  const redis = env.client.redis;
  const { keys, runId } = env;
  if (run.status === "failed" || run.status === "cancelled") {
    const error = run.error;
    const cause: unknown = error instanceof NodeError ? error.cause : error;
    const end: FsmEnd = {
      status: run.status,
      message: cause instanceof Error ? cause.message : String(cause),
      name: cause instanceof Error ? cause.name : "Error",
      entered: run.status === "failed" || entered,
    };
    if (error instanceof NodeError) end.attempts = error.attempts;
    await redis.hset(keys.run, "fsmEnd", JSON.stringify(end));
  }
  const store = storeKeys(fsmStorePrefix(env.prefix), runId);
  await env.client.call(
    "weftFinish",
    [keys.run, keys.info, ...store],
    [run.status, Date.now(), "[]", doneChannel(env.prefix), runId, env.keepSeconds],
  );
  if (env.keepSeconds > 0) await redis.zrem(`${fsmStorePrefix(env.prefix)}:store:runs`, runId);
}

/**
 * Reads a finished machine run back as a local run's result: the journal replayed on the
 * stepper (no handler runs), then the failure or cancel it ended with.
 */
export async function readFsmRun<S extends string, R>(
  redis: ScriptClient["redis"],
  store: RedisStore,
  keys: RunKeys,
  def: MachineDef,
  runId: string,
): Promise<FsmRun<S, R>> {
  const [max, endJson, startedAt, finishedAt] = await redis.hmget(
    keys.run,
    "maxCycles",
    "fsmEnd",
    "startedAt",
    "finishedAt",
  );
  const { input, visits } = await loadReplay(store, runId, replayTarget(def));
  const stepper = new Stepper<S, R>(def, input, { runId, maxCycles: Number(max) }, visits);
  while (!stepper.done && stepper.cycles < visits.length) await stepper.step();
  if (!stepper.done) {
    if (endJson === null) {
      throw new Error(`run '${runId}' of machine '${def.name}' holds no record of how it ended`);
    }
    const end = JSON.parse(endJson) as FsmEnd;
    const cause = Object.assign(new Error(end.message), { name: end.name });
    const error =
      end.status === "failed"
        ? new NodeError(stepper.current, cause, end.attempts ?? 1)
        : new Error(end.message);
    await stepper.conclude({
      status: end.status,
      error,
      entered: end.entered,
      attempts: end.attempts,
    });
  }
  const attempts = Object.fromEntries(
    Object.entries(await redis.hgetall(keys.info)).map(([state, n]) => [state, Number(n)]),
  );
  stepper.adoptRemote(Number(finishedAt) - Number(startedAt), attempts);
  return stepper.finish();
}

/** Adds the job of visit `cycle` (a repeat of a queued one is a no-op). */
export async function enqueueVisit(
  queue: Queue,
  jobOptions: object,
  runId: string,
  workflow: string,
  hash: string,
  cycle: number,
): Promise<void> {
  await queue.add(
    "visit",
    { r: runId, w: workflow, h: hash, i: -2, c: cycle },
    { ...jobOptions, jobId: visitJobId(runId, cycle) },
  );
}
