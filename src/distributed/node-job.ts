/**
 * One job of a distributed run: a node, or a fused chain of them, decided and run with the local
 * runtime's own code (argument reading, skip reasons, policies), its outcome stored and its
 * dependents counted down by one script.
 */
import { workflowCache } from "../run/default-cache.js";
import type { ChainableCommander } from "ioredis";
import type { LruCache } from "../run/store/cache.js";
import type { AnyDag } from "../dag/dag-types.js";
import { argumentsOf, blockedBy, type RunValues } from "../run/arguments.js";
import { decodeValue, encodeValue } from "../run/codec.js";
import { executeNode, type ExecEnv } from "../run/execute.js";
import type { Prepared } from "../run/prepare.js";
import { isBranch, isSelected } from "../run/scheduler.js";
import { NodeError, type NodeContext } from "../run/types.js";
import type { RunKeys } from "./keys.js";
import type { ScriptClient } from "./scripts.js";

/** A workflow a worker can run, with what it derives from it once. */
export interface LoadedWorkflow {
  wf: AnyDag;
  /** The default store of cached nodes in this worker process, made on first use. */
  defaultCache?: LruCache;
  p: Prepared;
  hash: string;
  /** Producers of each node, as script arguments. */
  preds: string[][];
  /** Dependents of each node, as script arguments. */
  succs: string[][];
  /**
   * Dependents of each node that it alone feeds: its completion always makes them ready, so
   * their jobs are added in the completion's own transaction.
   */
  only: number[][];
  /**
   * Nodes whose decision is "run" exactly when every producer completed (plain references,
   * `runIf: "success"`): the begin script may start them itself.
   */
  fast: Uint8Array;
}

/** What a job needs from its worker. */
export interface JobEnv {
  client: ScriptClient;
  keys: RunKeys;
  runId: string;
  cancelChannel: string;
  /** Aborted when the run is cancelled or stopped by a failure (fail-fast). */
  signal: AbortSignal;
  /** Run the next link of a fused chain in this job. */
  fuse: boolean;
  input(): Promise<unknown>;
  /** Enqueues nodes that became ready, and the finishing job when `finished`. */
  enqueue(nodes: number[], finished: boolean): Promise<void>;
  /**
   * Queues the jobs of `nodes` on a transaction of `client`'s connection, so they are added
   * atomically with the completion that made them ready, in its round trip.
   */
  addJobs(batch: ChainableCommander, nodes: readonly number[]): void;
  /** A completion that failed after its job ended: the node is offered again. */
  lost(node: number, error: unknown): void;
}

/** The codes stored per node (the local scheduler's numbers). */
const COMPLETED = 2;
const SKIPPED = 3;
const FAILED = 4;

/** Runs node `head` and, when fused, the chain it starts. */
export async function runNodeJob(env: JobEnv, lw: LoadedWorkflow, head: number): Promise<void> {
  let i = head;
  let begun: Begun | undefined;
  for (;;) {
    const next = env.fuse ? lw.p.chainNext[i] : -1;
    const outcome = await settle(env, lw, i, next, begun);
    if (outcome === undefined) return;
    const rest: number[] = [];
    let inline = false;
    for (const j of outcome.ready) {
      if (j === next) inline = true;
      else rest.push(j);
    }
    if (rest.length > 0 || outcome.finished) await env.enqueue(rest, outcome.finished);
    // A resolved link (a job run again after a crash) hands over to the next one regardless:
    // the next link's only producer is this one, so it is ready now.
    if (next < 0 || !(inline || outcome.duplicate)) return;
    begun = outcome.next;
    i = next;
  }
}

interface Settled {
  ready: number[];
  finished: boolean;
  duplicate: boolean;
  /** What the completion script read for the next link of the chain, if it was asked to. */
  next?: Begun;
}

/** What deciding a node needs, as the begin script (or a completion of its producer) read it. */
interface Begun {
  /** "started": the script already marked the node running. */
  kind: "ok" | "started";
  cancelled: boolean;
  stopping: boolean;
  reason: string;
  selection: string;
  strategy: string;
  failedUpstream: boolean;
  state: RunValues;
}

/**
 * Decides node `i`, runs it if it should run, and stores the outcome; `undefined`: run over.
 * `next` is the chain link after it (or -1); `begun`, what a completion already read for `i`.
 */
async function settle(
  env: JobEnv,
  lw: LoadedWorkflow,
  i: number,
  next: number,
  begun?: Begun,
): Promise<Settled | undefined> {
  const { client, keys } = env;
  const p = lw.p;
  if (!begun) {
    const reply = (await client.callBuffer(
      "weftBegin",
      [keys.run, keys.status, keys.values, keys.failedUpstream, keys.order, keys.executions],
      [i, lw.fast[i] ? "1" : "0", ...lw.preds[i]],
    )) as Buffer[];
    const kind = reply[0].toString();
    if (kind === "gone" || kind === "done") return undefined;
    if (kind === "resolved") return complete(env, lw, i, next, { code: 0 });
    // Sparse: a node reads only its producers, and a dense copy per job would cost O(nodes).
    const statuses: number[] = [];
    const values: unknown[] = [];
    const preds = p.preds[i];
    for (let k = 0; k < preds.length; k++) {
      const j = preds[k];
      const code = Number(reply[8 + 2 * k].toString());
      if (code !== COMPLETED && code !== SKIPPED && code !== FAILED) {
        // Jobs are added only once their producers resolved; a job seeing otherwise is retried
        // (by BullMQ, with backoff) rather than deciding on a state that is not there yet.
        throw new Error(
          `node '${p.names[i]}' of run '${env.runId}' was offered before its producer '${p.names[j]}' resolved; retrying`,
        );
      }
      statuses[j] = code;
      const bytes = reply[9 + 2 * k];
      if (code === COMPLETED && bytes.length > 0) {
        values[j] = decodeValue(bytes, `node '${p.names[j]}' of run '${env.runId}'`);
      }
    }
    begun = {
      kind: kind === "started" ? "started" : "ok",
      cancelled: reply[1].toString() === "1",
      stopping: reply[2].toString() === "1",
      reason: reply[3].toString(),
      selection: reply[4].toString(),
      strategy: reply[5].toString(),
      failedUpstream: reply[6].toString() === "1",
      state: { statuses, values },
    };
  }
  const { cancelled, stopping, reason, selection, strategy, failedUpstream, state } = begun;
  if (begun.kind === "started") return run(env, lw, i, next, state, strategy, failedUpstream);
  // The local scheduler's decision (Scheduler.decide), except that a cancelled run starts
  // nothing at all, `runIf: "always"` nodes included: cancel promises that no node starts after.
  let skip: string | undefined;
  const runIf = p.runIf[i];
  if (cancelled) skip = "run cancelled";
  else if (selection !== "" && selection[i] === "0") skip = "not selected for this partial run";
  else if (runIf === "any-failed") {
    if (!failedUpstream) skip = "no upstream node failed";
  } else if (runIf === "success") {
    skip = stopping ? reason : blockedBy(p, state, i);
  }
  if (skip !== undefined) {
    return complete(env, lw, i, next, { code: SKIPPED, info: { r: skip }, failedUpstream });
  }
  const started = (await client.call(
    "weftStart",
    [keys.run, keys.status, keys.order, keys.executions],
    [i],
  )) as string | number;
  if (started === "done") return undefined;
  if (started === "resolved") return complete(env, lw, i, next, { code: 0 });
  if (started === "cancelled") {
    return complete(env, lw, i, next, {
      code: SKIPPED,
      info: { r: "run cancelled" },
      failedUpstream,
    });
  }
  return run(env, lw, i, next, state, strategy, failedUpstream);
}

/** Runs node `i` (already marked running) with its policies and stores the outcome. */
async function run(
  env: JobEnv,
  lw: LoadedWorkflow,
  i: number,
  next: number,
  state: RunValues,
  strategy: string,
  failedUpstream: boolean,
): Promise<Settled> {
  const p = lw.p;
  const input = await env.input();
  const attempts = new Uint16Array(p.n);
  const s = Date.now();
  let value: unknown;
  let error: unknown;
  let failed = false;
  try {
    const args = argumentsOf(p, state, input, i);
    value = await executeNode(execEnv(env, lw, attempts), i, args);
    const kindOf = p.kinds[i];
    if (kindOf === "condition" && !isBranch(value)) {
      throw new TypeError(`condition '${p.names[i]}' must return branch(cond, value)`);
    }
    if (kindOf === "select" && !isSelected(value)) {
      throw new TypeError(`select '${p.names[i]}' must return select(caseName, value)`);
    }
  } catch (e) {
    failed = true;
    error = e;
  }
  const e = Date.now();
  const a = attempts[i] || 1;
  let bytes: Buffer | undefined;
  if (!failed) {
    try {
      // A value the store cannot hold fails the node, as a local journal write would.
      bytes = Buffer.from(encodeValue(value, `node '${p.names[i]}' of run '${env.runId}'`));
    } catch (err) {
      failed = true;
      error = err;
    }
  }
  if (failed) {
    const name = p.names[i];
    const cause = error instanceof NodeError && error.node === name ? error.cause : error;
    return complete(env, lw, i, next, {
      code: FAILED,
      info: { s, e, a },
      failedUpstream: true,
      error: {
        node: name,
        message: cause instanceof Error ? cause.message : String(cause),
        name: cause instanceof Error ? cause.name : "Error",
        attempts: a,
      },
      stop: strategy !== "continue",
    });
  }
  return complete(env, lw, i, next, {
    code: COMPLETED,
    value: bytes,
    decoded: value,
    info: { s, e, a },
    failedUpstream,
  });
}

/** A failure as stored: enough to rebuild the `NodeError` in any process. */
export interface StoredError {
  node: string;
  message: string;
  name: string;
  attempts: number;
}

/** Per-node info as stored: start, end (ms since the epoch), attempts, skip reason. */
export interface StoredInfo {
  s?: number;
  e?: number;
  a?: number;
  r?: string;
}

interface Outcome {
  /** 0: the node was already resolved (a duplicate job). */
  code: number;
  value?: Buffer;
  /** The value as the node returned it (handed to the next link of a chain). */
  decoded?: unknown;
  info?: StoredInfo;
  failedUpstream?: boolean;
  error?: StoredError;
  stop?: boolean;
}

async function complete(
  env: JobEnv,
  lw: LoadedWorkflow,
  i: number,
  next: number,
  o: Outcome,
): Promise<Settled> {
  const { keys, client } = env;
  const scriptKeys = [
    keys.run,
    keys.status,
    keys.values,
    keys.info,
    keys.pending,
    keys.failedUpstream,
    keys.completed,
    keys.errors,
    keys.order,
    keys.executions,
  ];
  const args = [
    i,
    String(o.code),
    o.value ?? "",
    o.info ? JSON.stringify(o.info) : "",
    o.failedUpstream ? "1" : "0",
    o.error ? JSON.stringify(o.error) : "",
    o.stop ? "1" : "0",
    `run stopped after '${lw.p.names[i]}' failed`,
    env.cancelChannel,
    env.runId,
    next >= 0 && o.code !== 0 ? next : "",
    next >= 0 && lw.fast[next] ? "1" : "0",
    ...lw.succs[i],
  ];
  // Dependents fed by this node alone become ready now: their jobs go in the same transaction
  // as the completion (one round trip, and never one without the other). A duplicate
  // completion leaves that to the script's reply, which knows what is still unresolved.
  let added: readonly number[] = [];
  if (o.code !== 0) {
    added = lw.only[i];
    if (next >= 0 && added.includes(next)) added = added.filter((j) => j !== next);
  }
  let reply: string[];
  if (added.length === 0) {
    reply = (await client.call("weftComplete", scriptKeys, args)) as string[];
  } else {
    const batch = client.redis.multi();
    client.queue(batch, "weftComplete", scriptKeys, args);
    env.addJobs(batch, added);
    const sent = batch.exec().then((results) => {
      if (!results) throw new Error(`completing node '${lw.p.names[i]}' was aborted`);
      for (const [err] of results) if (err) throw err;
      return results[0][1] as string[];
    });
    if (next < 0 && added.length === lw.succs[i].length) {
      // Every dependent's job is in this transaction and none can be the last node of the run,
      // so the reply holds nothing left to do: the job ends without waiting for it. BullMQ then
      // marks the job done on this same connection, so Redis applies the completion first and
      // a worker that dies in between leaves the job to be retried, never a node lost.
      sent.catch((error: unknown) => env.lost(i, error));
      return { ready: [], finished: false, duplicate: false };
    }
    reply = await sent;
  }
  const mark = reply.indexOf("#");
  const settled: Settled = {
    finished: reply[0] === "finished",
    duplicate: o.code === 0,
    ready: [],
  };
  const end = mark < 0 ? reply.length : mark;
  for (let k = 1; k < end; k++) {
    const j = Number(reply[k]);
    if (!added.includes(j)) settled.ready.push(j);
  }
  if (mark >= 0) {
    const b = reply.slice(mark + 1);
    const values: unknown[] = [];
    const statuses: number[] = [];
    statuses[i] = o.code;
    if (o.code === COMPLETED) values[i] = o.decoded;
    settled.next = {
      kind: b[0] === "started" ? "started" : "ok",
      cancelled: b[1] === "1",
      stopping: b[2] === "1",
      reason: b[3],
      selection: b[4],
      strategy: b[5],
      failedUpstream: b[6] === "1",
      state: { statuses, values },
    };
  }
  return settled;
}

function execEnv(env: JobEnv, lw: LoadedWorkflow, attempts: Uint16Array): ExecEnv {
  const metadata: Record<string, unknown> = {};
  return {
    p: lw.p,
    options: { mode: "parallel" },
    runId: env.runId,
    workflow: lw.wf.name,
    emit: undefined,
    runSignal: env.signal,
    sync: false,
    state: { attempts, cached: undefined },
    cache: () => (lw.defaultCache ??= workflowCache()),
    metadata,
    contextFor(i: number, attempt: number, signal: AbortSignal): NodeContext {
      return { signal, runId: env.runId, node: lw.p.names[i], attempt, metadata, emit: noop };
    },
  };
}

function noop(): void {}
