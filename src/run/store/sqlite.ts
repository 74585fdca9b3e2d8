/**
 * The durable checkpoint store: one SQLite file (better-sqlite3), no server.
 *
 * Durability: the file runs in WAL mode and every `record` is its own transaction, committed
 * before `record` returns. A committed entry survives the writing process being killed at any
 * point (SIGKILL, a crash, an out-of-memory kill): it is in the WAL, which the next opener
 * replays. With `synchronous = NORMAL` (the default) the WAL is not fsynced on every commit, so
 * an operating-system crash or power loss can lose the last few commits (never corrupt the
 * file); `synchronous: "FULL"` fsyncs each commit and survives those too, at the cost of a disk
 * flush per node.
 *
 * The driver is loaded when the first store is opened, not when weft is imported, so programs
 * that never checkpoint never load the native module.
 */

import { createRequire } from "node:module";
import { missingPeer } from "../../peers/missing-peer.js";
import { auditMatches, sealAudit } from "../../audit/chain.js";
import type { AuditEntry, AuditFilter, AuditRecord } from "../../audit/types.js";
import { decodeValue, encodeValue } from "../codec.js";
import {
  checkSameGraph,
  decodeEntry,
  encodeEntry,
  encodeHeader,
  requireName,
  unknownRun,
  type EncodedEntry,
} from "./checks.js";
import {
  CheckpointError,
  type JournalEntry,
  type RunFilter,
  type RunHeader,
  type RunLease,
  type RunSummary,
  type StoredRun,
  type StoredRunStatus,
  type SyncCheckpointStore,
} from "./types.js";

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * `"NORMAL"` (default): commits survive a killed process; an OS crash or power loss may lose
   * the last few. `"FULL"`: every commit is flushed to disk before `record` returns.
   */
  synchronous?: "NORMAL" | "FULL";
  /** How long a write waits for another process holding the file's write lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

/** A checkpoint store backed by one SQLite file. */
export interface SqliteStore extends SyncCheckpointStore {
  /** The file the store writes. */
  readonly path: string;
}

/** Version of the tables this module writes; a file with a newer version is refused. */
export const SQLITE_SCHEMA_VERSION = 1;

const schemaV1 = `
  CREATE TABLE weft_runs (
    run_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    graph_hash TEXT NOT NULL,
    input BLOB NOT NULL,
    status TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL
  );
  CREATE TABLE weft_journal (
    run_id TEXT NOT NULL REFERENCES weft_runs (run_id) ON DELETE CASCADE,
    node TEXT NOT NULL,
    status TEXT NOT NULL,
    value BLOB,
    error TEXT,
    ms REAL,
    at REAL NOT NULL,
    PRIMARY KEY (run_id, node)
  );
  CREATE TABLE weft_snapshots (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    saved_at REAL NOT NULL
  );
`;

/**
 * Opens (creating if needed) a durable checkpoint and snapshot store in one SQLite file.
 * Synchronous. Several processes may open the same file; writes are serialized by SQLite.
 *
 * @param path - the database file (`":memory:"` for a throwaway one).
 * @throws {@link CheckpointError} when the file cannot be opened, is not a SQLite database, or was
 * written by a newer version of weft.
 *
 * @example
 * ```ts
 * const store = sqliteStore("runs.sqlite");
 * store.beginRun({ runId: "r1", workflow: "etl", graphHash: "h", input: { path: "a.csv" }, startedAt: Date.now(), status: "running" });
 * store.record("r1", { node: "load", status: "completed", value: rows, ms: 40, at: Date.now() });
 * // ...the process is killed; later, in another process:
 * sqliteStore("runs.sqlite").loadRun("r1")?.entries; // [{ node: "load", status: "completed", value: rows, ... }]
 * ```
 */
export function sqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const synchronous = options.synchronous ?? "NORMAL";
  if (synchronous !== "NORMAL" && synchronous !== "FULL") {
    throw new CheckpointError(
      `sqliteStore '${path}': synchronous must be "NORMAL" or "FULL", got ${String(synchronous)}`,
    );
  }
  const db = openDatabase(path, synchronous, options.busyTimeoutMs ?? 5000);

  const insertRun = db.prepare(
    `INSERT INTO weft_runs (run_id, workflow, graph_hash, input, status, started_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const selectRunGraph = db.prepare(
    "SELECT workflow, graph_hash AS graphHash FROM weft_runs WHERE run_id = ?",
  );
  const reopenRun = db.prepare(
    "UPDATE weft_runs SET status = ?, finished_at = NULL WHERE run_id = ?",
  );
  const upsertEntry = db.prepare(
    // REPLACE deletes the old row and inserts a new one, so rowid order is record order.
    `INSERT OR REPLACE INTO weft_journal (run_id, node, status, value, error, ms, at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const updateFinished = db.prepare(
    "UPDATE weft_runs SET status = ?, finished_at = ? WHERE run_id = ?",
  );
  const selectRun = db.prepare(
    `SELECT run_id, workflow, graph_hash, input, status, started_at, finished_at
     FROM weft_runs WHERE run_id = ?`,
  );
  const selectEntries = db.prepare(
    `SELECT node, status, value, error, ms, at FROM weft_journal WHERE run_id = ? ORDER BY rowid`,
  );
  const selectSummaries = db.prepare(
    `SELECT run_id, workflow, graph_hash, status, started_at, finished_at,
       (SELECT count(*) FROM weft_journal j WHERE j.run_id = r.run_id) AS entries
     FROM weft_runs r
     WHERE (@workflow IS NULL OR workflow = @workflow) AND (@status IS NULL OR status = @status)
     ORDER BY started_at, run_id`,
  );
  const deleteRunRow = db.prepare("DELETE FROM weft_runs WHERE run_id = ?");
  const upsertSnapshot = db.prepare(
    "INSERT OR REPLACE INTO weft_snapshots (key, value, saved_at) VALUES (?, ?, ?)",
  );
  const selectSnapshot = db.prepare("SELECT value, saved_at FROM weft_snapshots WHERE key = ?");
  const deleteSnapshotRow = db.prepare("DELETE FROM weft_snapshots WHERE key = ?");

  const begin = db.transaction((header: RunHeader, input: Uint8Array) => {
    const existing = selectRunGraph.get(header.runId) as
      { workflow: string; graphHash: string } | undefined;
    if (existing) {
      checkSameGraph(existing, header);
      reopenRun.run(header.status, header.runId);
    } else {
      insertRun.run(
        header.runId,
        header.workflow,
        header.graphHash,
        blob(input),
        header.status,
        header.startedAt,
      );
    }
  });

  // Header and journal are read in one transaction, so a writer in another process cannot slip
  // a commit between the two reads.
  const load = db.transaction((runId: string): StoredRun | undefined => {
    const row = selectRun.get(runId) as RunRow | undefined;
    if (!row) return undefined;
    const entries = (selectEntries.all(runId) as EntryRow[]).map((e) =>
      decodeEntry(runId, entryFromRow(e)),
    );
    const run: StoredRun = {
      runId: row.run_id,
      workflow: row.workflow,
      graphHash: row.graph_hash,
      input: decodeValue(row.input, `the input of run '${runId}'`),
      startedAt: row.started_at,
      status: row.status,
      entries,
    };
    if (row.finished_at !== null) run.finishedAt = row.finished_at;
    return run;
  });

  // Leases live in their own table, made on first use: files that never lease stay as they were,
  // and older readers of the file never see it.
  let leaseOps:
    | {
        acquire: (runId: string, owner: string, ttlMs: number) => RunLease | undefined;
        release: Statement;
      }
    | undefined;
  function leasing(): NonNullable<typeof leaseOps> {
    if (leaseOps) return leaseOps;
    db.exec(
      `CREATE TABLE IF NOT EXISTS weft_leases (
         run_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL)`,
    );
    const select = db.prepare("SELECT owner, expires_at FROM weft_leases WHERE run_id = ?");
    const upsert = db.prepare(
      "INSERT OR REPLACE INTO weft_leases (run_id, owner, expires_at) VALUES (?, ?, ?)",
    );
    const acquire = db.transaction((runId: string, owner: string, ttlMs: number) => {
      const now = Date.now();
      const row = select.get(runId) as { owner: string; expires_at: number } | undefined;
      if (row && row.owner !== owner && row.expires_at > now) {
        return { owner: row.owner, expiresAt: row.expires_at };
      }
      upsert.run(runId, owner, now + ttlMs);
      return undefined;
    });
    leaseOps = {
      // IMMEDIATE: the read and the write happen under the file's write lock, so two processes
      // can never both see the lease free.
      acquire: (runId, owner, ttlMs) => acquire.immediate(runId, owner, ttlMs),
      release: db.prepare("DELETE FROM weft_leases WHERE run_id = ? AND owner = ?"),
    };
    return leaseOps;
  }

  // The audit trail, too, has its own table made on first use. One chain per file: the last
  // entry is read and the new one written under the file's write lock (IMMEDIATE), so writers
  // in several processes never seal onto the same entry.
  let auditOps:
    { append: (record: AuditRecord) => AuditEntry; read: () => AuditEntry[] } | undefined;
  function auditing(): NonNullable<typeof auditOps> {
    if (auditOps) return auditOps;
    db.exec(
      `CREATE TABLE IF NOT EXISTS weft_audit (
         seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
         run_id TEXT NOT NULL, workflow TEXT NOT NULL, graph_hash TEXT, input_hash TEXT,
         status TEXT, detail TEXT, prev TEXT NOT NULL, hash TEXT NOT NULL)`,
    );
    const last = db.prepare("SELECT seq, hash FROM weft_audit ORDER BY seq DESC LIMIT 1");
    const insert = db.prepare(
      `INSERT INTO weft_audit (seq, at, actor, action, run_id, workflow, graph_hash, input_hash,
         status, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const all = db.prepare("SELECT * FROM weft_audit ORDER BY seq");
    const append = db.transaction((record: AuditRecord): AuditEntry => {
      const e = sealAudit(record, last.get() as { seq: number; hash: string } | undefined);
      insert.run(
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.runId,
        e.workflow,
        e.graphHash ?? null,
        e.inputHash ?? null,
        e.status ?? null,
        e.detail ?? null,
        e.prev,
        e.hash,
      );
      return e;
    });
    auditOps = {
      append: (record) => append.immediate(record),
      read: () => (all.all() as AuditRow[]).map(auditFromRow),
    };
    return auditOps;
  }

  function live(): void {
    if (!db.open) throw new CheckpointError(`the checkpoint store '${path}' is closed`);
  }

  return {
    path,

    beginRun(header: RunHeader): void {
      live();
      const input = encodeHeader(header);
      begin.immediate(header, input);
    },

    record(runId: string, entry: JournalEntry): void {
      live();
      // Encoding comes first: an unstorable value throws before anything touches the file.
      const e = encodeEntry(runId, entry);
      try {
        upsertEntry.run(
          runId,
          e.node,
          e.status,
          e.value === undefined ? null : blob(e.value),
          e.error ?? null,
          e.ms ?? null,
          e.at,
        );
      } catch (error) {
        if (sqliteCode(error) === "SQLITE_CONSTRAINT_FOREIGNKEY") {
          throw unknownRun(runId, "record a node of");
        }
        throw error;
      }
    },

    finishRun(runId: string, status: StoredRunStatus): void {
      live();
      requireName(status, "status", `finishRun of run '${runId}'`);
      if (updateFinished.run(status, Date.now(), runId).changes === 0) {
        throw unknownRun(runId, "finish");
      }
    },

    loadRun(runId: string): StoredRun | undefined {
      live();
      return load(runId);
    },

    listRuns(filter?: RunFilter): RunSummary[] {
      live();
      const rows = selectSummaries.all({
        workflow: filter?.workflow ?? null,
        status: filter?.status ?? null,
      }) as (Omit<RunRow, "input"> & { entries: number })[];
      return rows.map((row) => {
        const summary: RunSummary = {
          runId: row.run_id,
          workflow: row.workflow,
          graphHash: row.graph_hash,
          startedAt: row.started_at,
          status: row.status,
          entries: row.entries,
        };
        if (row.finished_at !== null) summary.finishedAt = row.finished_at;
        return summary;
      });
    },

    deleteRun(runId: string): boolean {
      live();
      return deleteRunRow.run(runId).changes > 0;
    },

    acquireLease(runId: string, owner: string, ttlMs: number): RunLease | undefined {
      live();
      return leasing().acquire(runId, owner, ttlMs);
    },

    releaseLease(runId: string, owner: string): void {
      live();
      leasing().release.run(runId, owner);
    },

    appendAudit(record: AuditRecord): AuditEntry {
      live();
      return auditing().append(record);
    },

    readAudit(filter?: AuditFilter): AuditEntry[] {
      live();
      return auditing()
        .read()
        .filter((e) => auditMatches(e, filter));
    },

    close(): void {
      if (db.open) db.close();
    },

    saveSnapshot(key: string, value: unknown): void {
      live();
      requireName(key, "key", "saveSnapshot");
      upsertSnapshot.run(key, blob(encodeValue(value, `snapshot '${key}'`)), Date.now());
    },

    loadSnapshot(key: string): { value: unknown; savedAt: number } | undefined {
      live();
      const row = selectSnapshot.get(key) as { value: Uint8Array; saved_at: number } | undefined;
      if (!row) return undefined;
      return { value: decodeValue(row.value, `snapshot '${key}'`), savedAt: row.saved_at };
    },

    deleteSnapshot(key: string): boolean {
      live();
      return deleteSnapshotRow.run(key).changes > 0;
    },
  };
}

interface RunRow {
  run_id: string;
  workflow: string;
  graph_hash: string;
  input: Uint8Array;
  status: string;
  started_at: number;
  finished_at: number | null;
}

interface EntryRow {
  node: string;
  status: JournalEntry["status"];
  value: Uint8Array | null;
  error: string | null;
  ms: number | null;
  at: number;
}

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: AuditEntry["action"];
  run_id: string;
  workflow: string;
  graph_hash: string | null;
  input_hash: string | null;
  status: string | null;
  detail: string | null;
  prev: string;
  hash: string;
}

function auditFromRow(row: AuditRow): AuditEntry {
  const e: AuditEntry = {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    runId: row.run_id,
    workflow: row.workflow,
    prev: row.prev,
    hash: row.hash,
  };
  if (row.graph_hash !== null) e.graphHash = row.graph_hash;
  if (row.input_hash !== null) e.inputHash = row.input_hash;
  if (row.status !== null) e.status = row.status;
  if (row.detail !== null) e.detail = row.detail;
  return e;
}

function entryFromRow(row: EntryRow): EncodedEntry {
  const entry: EncodedEntry = { node: row.node, status: row.status, at: row.at };
  if (row.value !== null) entry.value = row.value;
  if (row.error !== null) entry.error = row.error;
  if (row.ms !== null) entry.ms = row.ms;
  return entry;
}

/** Opens the file, sets the pragmas and brings the tables to the current schema. */
function openDatabase(path: string, synchronous: "NORMAL" | "FULL", timeout: number): Database {
  const cannotOpen = (error: unknown) =>
    new CheckpointError(
      `cannot open checkpoint store '${path}': ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  let db: Database;
  try {
    db = new (loadDriver())(path, { timeout });
  } catch (error) {
    throw cannotOpen(error);
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma("foreign_keys = ON");
    const migrate = db.transaction(() => {
      db.exec("CREATE TABLE IF NOT EXISTS weft_schema (version INTEGER NOT NULL)");
      const { version } = db.prepare("SELECT max(version) AS version FROM weft_schema").get() as {
        version: number | null;
      };
      if (version === null) {
        db.exec(schemaV1);
        db.prepare("INSERT INTO weft_schema (version) VALUES (?)").run(SQLITE_SCHEMA_VERSION);
      } else if (version > SQLITE_SCHEMA_VERSION) {
        throw new CheckpointError(
          `checkpoint store '${path}' was written by a newer version of weft (schema version ` +
            `${version}; this version reads up to ${SQLITE_SCHEMA_VERSION})`,
        );
      }
    });
    // IMMEDIATE: two processes creating the same new file must not both create the tables.
    migrate.immediate();
  } catch (error) {
    db.close();
    throw error instanceof CheckpointError ? error : cannotOpen(error);
  }
  return db;
}

/** better-sqlite3 binds Buffers as BLOBs; the codec's bytes already are one, others are wrapped. */
function blob(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

// The few parts of better-sqlite3 this module uses, typed here so weft's public types do not
// depend on the driver's type package.
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

interface Transaction<A extends unknown[], R> {
  (...args: A): R;
  immediate(...args: A): R;
}

interface Database {
  readonly open: boolean;
  pragma(source: string): unknown;
  prepare(sql: string): Statement;
  exec(sql: string): void;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  close(): void;
}

type DatabaseConstructor = new (path: string, options: { timeout: number }) => Database;

let driver: DatabaseConstructor | undefined;

// Loaded synchronously on the first sqliteStore() (a sync factory; createRequire keeps the module
// out of the import graph), so `import "weftjs"` never loads, nor needs, the native driver.
function loadDriver(): DatabaseConstructor {
  try {
    driver ??= createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor;
  } catch (err) {
    throw missingPeer(err, "better-sqlite3", "sqliteStore") ?? err;
  }
  return driver;
}
