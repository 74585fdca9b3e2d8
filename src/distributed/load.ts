/** Reads a distributed run back from Redis as the local runtime's run state and result. */
import type { Redis } from "ioredis";
import { decodeValue } from "../run/codec.js";
import type { Prepared } from "../run/prepare.js";
import type { RunState } from "../run/scheduler.js";
import { NodeError, type RunStatus } from "../run/types.js";
import type { RunKeys } from "./keys.js";
import type { StoredError, StoredInfo } from "./node-job.js";

/** A run as stored: its header fields and every node's state. */
export interface LoadedRun {
  state: RunState;
  workflow: string;
  graphHash: string;
  input: unknown;
  /** `"running"` until the run finished. */
  status: "running" | RunStatus;
  startedAt: number;
  finishedAt: number | undefined;
}

/** The run hash as strings (the input left out). */
export async function readHeader(
  redis: Redis,
  keys: RunKeys,
): Promise<Record<string, string> | undefined> {
  const fields = [
    "status",
    "workflow",
    "hash",
    "startedAt",
    "finishedAt",
    "refused",
    "left",
    "cancelled",
    "kind",
    "visiting",
  ];
  const values = await redis.hmget(keys.run, ...fields);
  if (values[0] === null) return undefined;
  const out: Record<string, string> = {};
  fields.forEach((f, k) => {
    const v = values[k];
    if (v !== null) out[f] = v;
  });
  return out;
}

/** Loads run `runId` of the prepared workflow `p`; `undefined` when Redis has no such run. */
export async function loadRun(
  redis: Redis,
  keys: RunKeys,
  p: Prepared,
  runId: string,
): Promise<LoadedRun | undefined> {
  const results = await redis
    .multi()
    .hgetallBuffer(keys.run)
    .hgetall(keys.status)
    .hgetallBuffer(keys.values)
    .hgetall(keys.info)
    .lrange(keys.order, 0, -1)
    .lrange(keys.errors, 0, -1)
    .exec();
  if (!results) throw new Error(`reading run '${runId}' from Redis was aborted`);
  for (const [err] of results) if (err) throw err;
  const [head, statusHash, valueHash, infoHash, orderList, errorList] = results.map(
    (r) => r[1],
  ) as [
    Record<string, Buffer>,
    Record<string, string>,
    Record<string, Buffer>,
    Record<string, string>,
    string[],
    string[],
  ];
  if (!head.status) return undefined;
  const str = (f: string): string | undefined => head[f]?.toString();
  const startedAt = Number(str("startedAt"));
  const finishedAt = str("finishedAt") === undefined ? undefined : Number(str("finishedAt"));
  const n = p.n;
  const statuses = new Uint8Array(n);
  const values = new Array<unknown>(n);
  const skipReasons: (string | undefined)[] = [];
  const startMs = new Float64Array(n);
  const endMs = new Float64Array(n);
  const attempts = new Uint16Array(n);
  for (const [node, code] of Object.entries(statusHash)) statuses[Number(node)] = Number(code);
  for (const [node, bytes] of Object.entries(valueHash)) {
    const i = Number(node);
    values[i] = decodeValue(bytes, `node '${p.names[i]}' of run '${runId}'`);
  }
  for (const [node, json] of Object.entries(infoHash)) {
    const i = Number(node);
    const info = JSON.parse(json) as StoredInfo;
    if (info.r !== undefined) skipReasons[i] = info.r;
    if (info.s !== undefined && info.e !== undefined) {
      startMs[i] = info.s - startedAt;
      endMs[i] = info.e - startedAt;
    }
    if (info.a !== undefined) attempts[i] = info.a;
  }
  // A node re-run after a crash appears twice: its first start counts.
  const seen = new Uint8Array(n);
  const order: number[] = [];
  for (const x of orderList) {
    const i = Number(x);
    if (!seen[i]) {
      seen[i] = 1;
      order.push(i);
    }
  }
  const errors = errorList.map((json) => {
    const e = JSON.parse(json) as StoredError;
    const cause = new Error(e.message);
    cause.name = e.name;
    return new NodeError(e.node, cause, e.attempts);
  });
  const comp = str("comp");
  const compensations = comp
    ? (JSON.parse(comp) as { node: string; ok: boolean; error?: string }[])
    : [];
  const status = (str("status") ?? "running") as LoadedRun["status"];
  const state: RunState = {
    runId,
    status: status === "running" ? "completed" : status,
    statuses,
    values,
    errors,
    skipReasons,
    startMs,
    endMs,
    attempts,
    // Cache hits happen inside worker jobs and are not reported back to the run record.
    cached: undefined,
    order: Int32Array.from(order),
    totalMs: (finishedAt ?? Date.now()) - startedAt,
    compensations,
  };
  return {
    state,
    workflow: str("workflow") ?? "",
    graphHash: str("hash") ?? "",
    input: head.input ? decodeValue(head.input, `the input of run '${runId}'`) : undefined,
    status,
    startedAt,
    finishedAt,
  };
}
