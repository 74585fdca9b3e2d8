/**
 * The SQLite event log: tables of its own in the checkpoint store's file (or any file), written
 * through a connection of its own, so runs and events share one file and one backup.
 *
 * Each `append` is one transaction; readers in other processes see it once committed (WAL).
 */
import { createRequire } from "node:module";
import type { BusBackend, RawEvent } from "./types.js";

const schema = `
  CREATE TABLE IF NOT EXISTS weft_bus_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    payload BLOB NOT NULL,
    at REAL NOT NULL
  );
  CREATE INDEX IF NOT EXISTS weft_bus_events_type ON weft_bus_events (type, seq);
  CREATE TABLE IF NOT EXISTS weft_bus_offsets (
    grp TEXT NOT NULL,
    type TEXT NOT NULL,
    next INTEGER NOT NULL,
    PRIMARY KEY (grp, type)
  );
  CREATE TABLE IF NOT EXISTS weft_bus_dead (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    grp TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload BLOB NOT NULL,
    published_at REAL NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    at REAL NOT NULL
  );
`;

/**
 * Opens (creating the tables if needed) an event log in the SQLite file `path`.
 *
 * @example
 * ```ts
 * const bus = eventBus<Events>({ backend: sqliteLog("events.db") });
 * ```
 */
export function sqliteLog(path: string, options: { busyTimeoutMs?: number } = {}): BusBackend {
  const Driver = createRequire(import.meta.url)("better-sqlite3") as new (
    path: string,
    options: { timeout: number },
  ) => Database;
  const db = new Driver(path, { timeout: options.busyTimeoutMs ?? 5000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(schema);
  const insert = db.prepare("INSERT INTO weft_bus_events (type, payload, at) VALUES (?, ?, ?)");
  const appendAll = db.transaction((type: string, payloads: Uint8Array[], at: number) =>
    payloads.map((p) => Number(insert.run(type, blob(p), at).lastInsertRowid)),
  );
  const readAll = db.prepare(
    "SELECT seq AS offset, type, payload, at FROM weft_bus_events WHERE seq >= ? ORDER BY seq LIMIT ?",
  );
  const readOne = db.prepare(
    "SELECT seq AS offset, type, payload, at FROM weft_bus_events WHERE type = ? AND seq >= ? ORDER BY seq LIMIT ?",
  );
  const readMany = new Map<number, Statement>();
  const last = db.prepare(
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'weft_bus_events'), 0) AS last",
  );
  const getOffset = db.prepare("SELECT next FROM weft_bus_offsets WHERE grp = ? AND type = ?");
  const setOffset = db.prepare(
    "INSERT OR REPLACE INTO weft_bus_offsets (grp, type, next) VALUES (?, ?, ?)",
  );
  const addDead = db.prepare(
    `INSERT INTO weft_bus_dead (grp, seq, type, payload, published_at, error, attempts, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const listDead = db.prepare(
    `SELECT grp, seq, type, payload, published_at, error, attempts, at FROM weft_bus_dead
     WHERE (@grp IS NULL OR grp = @grp) ORDER BY id`,
  );
  return {
    append: (type, payloads, at) => appendAll.immediate(type, payloads, at),
    read(from, limit, types) {
      if (!types) return readAll.all(from, limit) as RawEvent[];
      if (types.length === 1) return readOne.all(types[0], from, limit) as RawEvent[];
      let st = readMany.get(types.length);
      if (!st) {
        st = db.prepare(
          `SELECT seq AS offset, type, payload, at FROM weft_bus_events
           WHERE type IN (${types.map(() => "?").join(", ")}) AND seq >= ? ORDER BY seq LIMIT ?`,
        );
        readMany.set(types.length, st);
      }
      return st.all(...types, from, limit) as RawEvent[];
    },
    end: () => (last.get() as { last: number }).last + 1,
    offset: (group, type) => (getOffset.get(group, type) as { next: number } | undefined)?.next,
    commit(group, type, next) {
      setOffset.run(group, type, next);
    },
    deadLetter(l) {
      addDead.run(
        l.group,
        l.event.offset,
        l.event.type,
        blob(l.event.payload),
        l.event.at,
        l.error,
        l.attempts,
        l.at,
      );
    },
    deadLetters(group) {
      return (listDead.all({ grp: group ?? null }) as DeadRow[]).map((r) => ({
        group: r.grp,
        event: { offset: r.seq, type: r.type, payload: r.payload, at: r.published_at },
        error: r.error,
        attempts: r.attempts,
        at: r.at,
      }));
    },
    close() {
      if (db.open) db.close();
    },
  };
}

interface DeadRow {
  grp: string;
  seq: number;
  type: string;
  payload: Uint8Array;
  published_at: number;
  error: string;
  attempts: number;
  at: number;
}

function blob(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

interface Database {
  readonly open: boolean;
  pragma(source: string): unknown;
  prepare(sql: string): Statement;
  exec(sql: string): void;
  transaction<A extends unknown[], R>(
    fn: (...args: A) => R,
  ): ((...args: A) => R) & { immediate(...args: A): R };
  close(): void;
}
