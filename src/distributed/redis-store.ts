/**
 * A checkpoint, snapshot and cache store on Redis, for local runs (`checkpoint: redisStore()`)
 * whose journal must outlive the machine, or be read from another one. Asynchronous: every
 * method returns a promise. Values go through the same codec as the other stores.
 */
import type { Redis } from "ioredis";
import { auditMatches, sealAudit } from "../audit/chain.js";
import type { AuditEntry, AuditFilter, AuditRecord } from "../audit/types.js";
import { decodeValue, encodeValue } from "../run/codec.js";
import type { CacheEntry, CacheStore } from "../run/store/cache.js";
import {
  checkSameGraph,
  decodeEntry,
  encodeEntry,
  encodeHeader,
  requireName,
  unknownRun,
  type EncodedEntry,
} from "../run/store/checks.js";
import {
  CheckpointError,
  type CheckpointStore,
  type JournalEntry,
  type RunFilter,
  type RunHeader,
  type RunSummary,
  type SnapshotStore,
  type StoredRun,
  type StoredRunStatus,
} from "../run/store/types.js";
import { connect, type RedisConnection } from "./connection.js";

/**
 * Options of {@link redisStore}.
 *
 * @example
 * ```ts
 * redisStore({ connection: "redis://127.0.0.1:6379", prefix: "etl-runs" });
 * ```
 */
export interface RedisStoreOptions {
  /** A Redis URL or ioredis options. Default `redis://127.0.0.1:6379`. */
  connection?: RedisConnection;
  /** Prefix of every key. Default `"weft"`. */
  prefix?: string;
}

/** The Redis store: checkpoints, snapshots and a cache for the node `cache` policy. */
export interface RedisStore extends CheckpointStore, SnapshotStore, CacheStore {
  beginRun(header: RunHeader): Promise<void>;
  record(runId: string, entry: JournalEntry): Promise<void>;
  finishRun(runId: string, status: StoredRunStatus): Promise<void>;
  loadRun(runId: string): Promise<StoredRun | undefined>;
  listRuns(filter?: RunFilter): Promise<RunSummary[]>;
  deleteRun(runId: string): Promise<boolean>;
  saveSnapshot(key: string, value: unknown): Promise<void>;
  loadSnapshot(key: string): Promise<{ value: unknown; savedAt: number } | undefined>;
  deleteSnapshot(key: string): Promise<boolean>;
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  appendAudit(record: AuditRecord): Promise<AuditEntry>;
  readAudit(filter?: AuditFilter): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/** The audit trail's keys in a store of prefix `prefix`: the list of entries and its head. */
export function auditKeys(prefix: string): [string, string] {
  // One hash slot for both, so the append script may touch them together on a cluster.
  return [`${prefix}:{audit}`, `${prefix}:{audit}:head`];
}

/**
 * Appends an audit entry only if the chain's head is still the one it was sealed onto
 * (compare-and-set): returns 0 when another writer appended first, and the caller seals again.
 */
const AUDIT_APPEND = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return 1`;

/** Attempts of one append against writers that keep winning the race; far above real contention. */
const AUDIT_ATTEMPTS = 1000;

/** The keys of run `runId` in a store of prefix `prefix`: header, order, entries. */
export function storeKeys(prefix: string, runId: string): [string, string, string] {
  const base = `${prefix}:store:{${runId}}`;
  return [base, `${base}:order`, `${base}:entries`];
}

/** Opens a run or reopens it. Returns {} when created or reopened, else {workflow, hash}. */
const BEGIN = `
local wf = redis.call('HMGET', KEYS[1], 'workflow', 'hash')
if wf[1] then
  if wf[1] ~= ARGV[1] or wf[2] ~= ARGV[2] then return {wf[1], wf[2]} end
  redis.call('HSET', KEYS[1], 'status', ARGV[5])
  redis.call('HDEL', KEYS[1], 'finishedAt')
  return {}
end
redis.call('HSET', KEYS[1], 'workflow', ARGV[1], 'hash', ARGV[2], 'input', ARGV[3],
  'startedAt', ARGV[4], 'status', ARGV[5], 'seq', 0)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
return {}`;

/** Journals an entry last in order. Returns 0 for a run never begun. */
const RECORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return 1`;

/**
 * A checkpoint store on Redis. Works for local runs (`run(input, { checkpoint: store })`,
 * `resume`) like the SQLite store, from any machine that reaches the server. Keep Redis
 * persistence (AOF or RDB) on if the journal must survive a Redis restart.
 *
 * @example
 * ```ts
 * import { redisStore } from "weftjs/distributed";
 * const store = redisStore({ connection: "redis://127.0.0.1:6379" });
 * await wf.run(input, { runId: "r1", checkpoint: store });
 * // after a crash, from any process:
 * await wf.resume("r1", { checkpoint: store });
 * await store.close();
 * ```
 */
export function redisStore(options: RedisStoreOptions = {}): RedisStore {
  const prefix = options.prefix ?? "weft";
  let redis: Redis | undefined;
  let closed = false;
  const client = (): Redis => {
    if (closed) throw new CheckpointError("the Redis checkpoint store is closed");
    if (!redis) {
      redis = connect(options.connection ?? "redis://127.0.0.1:6379", `${prefix}:weft-store`);
      redis.defineCommand("weftStoreBegin", { numberOfKeys: 2, lua: BEGIN });
      redis.defineCommand("weftStoreRecord", { numberOfKeys: 3, lua: RECORD });
      redis.defineCommand("weftAuditAppend", { numberOfKeys: 2, lua: AUDIT_APPEND });
    }
    return redis;
  };
  type Script = (...args: (string | number | Buffer)[]) => Promise<unknown>;
  const script = (name: string): Script => {
    const r = client();
    return (r as unknown as Record<string, Script>)[name].bind(r);
  };
  const runsKey = `${prefix}:store:runs`;
  const runKey = (runId: string): string => storeKeys(prefix, runId)[0];
  const orderKey = (runId: string): string => storeKeys(prefix, runId)[1];
  const entriesKey = (runId: string): string => storeKeys(prefix, runId)[2];
  const snapshotKey = (key: string): string => `${prefix}:snapshot:${key}`;
  const cacheKey = (key: string): string => `${prefix}:cache:${key}`;

  const summaryOf = async (runId: string): Promise<RunSummary | undefined> => {
    const [fields, count] = await Promise.all([
      client().hmget(runKey(runId), "workflow", "hash", "startedAt", "status", "finishedAt"),
      client().zcard(orderKey(runId)),
    ]);
    const [workflow, graphHash, startedAt, status, finishedAt] = fields;
    if (workflow === null || graphHash === null || status === null) return undefined;
    const summary: RunSummary = {
      runId,
      workflow,
      graphHash,
      startedAt: Number(startedAt),
      status,
      entries: count,
    };
    if (finishedAt !== null) summary.finishedAt = Number(finishedAt);
    return summary;
  };

  return {
    async beginRun(header) {
      const input = encodeHeader(header);
      const existing = (await script("weftStoreBegin")(
        runKey(header.runId),
        runsKey,
        header.workflow,
        header.graphHash,
        Buffer.from(input),
        header.startedAt,
        header.status,
        header.runId,
      )) as string[];
      if (existing.length === 2) {
        checkSameGraph({ workflow: existing[0], graphHash: existing[1] }, header);
      }
    },

    async record(runId, entry) {
      const encoded = encodeEntry(runId, entry);
      const ok = await script("weftStoreRecord")(
        runKey(runId),
        orderKey(runId),
        entriesKey(runId),
        encoded.node,
        Buffer.from(encodeValue(encoded, `the entry of node '${encoded.node}'`)),
      );
      if (ok !== 1) throw unknownRun(runId, "record a node of");
    },

    async finishRun(runId, status) {
      requireName(status, "status", `finishRun of run '${runId}'`);
      const r = client();
      if ((await r.exists(runKey(runId))) === 0) throw unknownRun(runId, "finish");
      await r.hset(runKey(runId), "status", status, "finishedAt", Date.now());
    },

    async loadRun(runId) {
      const r = client();
      const [head, order, entries] = await Promise.all([
        r.hgetallBuffer(runKey(runId)),
        r.zrange(orderKey(runId), "0", "-1"),
        r.hgetallBuffer(entriesKey(runId)),
      ]);
      if (!head.workflow) return undefined;
      const str = (f: string): string => head[f]?.toString() ?? "";
      const stored: StoredRun = {
        runId,
        workflow: str("workflow"),
        graphHash: str("hash"),
        input: decodeValue(head.input, `the input of run '${runId}'`),
        startedAt: Number(str("startedAt")),
        status: str("status"),
        entries: order.map((node) =>
          decodeEntry(
            runId,
            decodeValue(entries[node], `the entry of node '${node}'`) as EncodedEntry,
          ),
        ),
      };
      if (head.finishedAt !== undefined) stored.finishedAt = Number(str("finishedAt"));
      return stored;
    },

    async listRuns(filter) {
      // Oldest first; runs started in the same ms by id (members of equal score sort by name).
      const ids = await client().zrange(runsKey, "0", "-1");
      const out: RunSummary[] = [];
      for (const summary of await Promise.all(ids.map(summaryOf))) {
        if (!summary) continue;
        if (filter?.workflow !== undefined && summary.workflow !== filter.workflow) continue;
        if (filter?.status !== undefined && summary.status !== filter.status) continue;
        out.push(summary);
      }
      return out;
    },

    async deleteRun(runId) {
      const r = client();
      const [removed] = await Promise.all([
        r.del(runKey(runId), orderKey(runId), entriesKey(runId)),
        r.zrem(runsKey, runId),
      ]);
      return removed > 0;
    },

    async saveSnapshot(key, value) {
      requireName(key, "key", "saveSnapshot");
      const bytes = Buffer.from(encodeValue(value, `snapshot '${key}'`));
      await client().hset(snapshotKey(key), "value", bytes, "savedAt", Date.now());
    },

    async loadSnapshot(key) {
      const saved = await client().hgetallBuffer(snapshotKey(key));
      if (!saved.value) return undefined;
      return {
        value: decodeValue(saved.value, `snapshot '${key}'`),
        savedAt: Number(saved.savedAt.toString()),
      };
    },

    async deleteSnapshot(key) {
      return (await client().del(snapshotKey(key))) > 0;
    },

    async get(key) {
      const bytes = await client().getBuffer(cacheKey(key));
      if (!bytes) return undefined;
      return decodeValue(bytes, `cache entry '${key}'`) as CacheEntry;
    },

    async set(key, value, ttlMs) {
      const finite = ttlMs !== undefined && Number.isFinite(ttlMs);
      const expires = finite ? Date.now() + ttlMs : Number.POSITIVE_INFINITY;
      const bytes = Buffer.from(encodeValue({ value, expires }, `cache entry '${key}'`));
      if (finite) await client().set(cacheKey(key), bytes, "PX", Math.max(1, Math.ceil(ttlMs)));
      else await client().set(cacheKey(key), bytes);
    },

    async delete(key) {
      await client().del(cacheKey(key));
    },

    async appendAudit(record) {
      const [listKey, headKey] = auditKeys(prefix);
      for (let attempt = 0; attempt < AUDIT_ATTEMPTS; attempt++) {
        const head = (await client().get(headKey)) ?? "";
        const colon = head.indexOf(":");
        const last = head
          ? { seq: Number(head.slice(0, colon)), hash: head.slice(colon + 1) }
          : undefined;
        const entry = sealAudit(record, last);
        const ok = await script("weftAuditAppend")(
          listKey,
          headKey,
          head,
          JSON.stringify(entry),
          `${entry.seq}:${entry.hash}`,
        );
        if (ok === 1) return entry;
      }
      throw new CheckpointError(
        `appendAudit of ${record.action} for run '${record.runId}': other writers kept appending first (${AUDIT_ATTEMPTS} attempts)`,
      );
    },

    async readAudit(filter?: AuditFilter) {
      const items = await client().lrange(auditKeys(prefix)[0], 0, -1);
      return items
        .map((text, i) => {
          try {
            return JSON.parse(text) as AuditEntry;
          } catch {
            throw new CheckpointError(
              `audit entry ${i + 1} in Redis key '${auditKeys(prefix)[0]}' is not JSON: ${text.slice(0, 80)}`,
            );
          }
        })
        .filter((e) => auditMatches(e, filter));
    },

    async close() {
      if (closed) return;
      closed = true;
      redis?.disconnect();
    },
  };
}
