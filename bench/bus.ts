/**
 * The event bus at volume: 100,000 events published and consumed by a subscriber group, on the
 * memory and SQLite logs, each against a hand-written baseline measured in the same process (an
 * array, and better-sqlite3 with the same tables' shape and batch sizes).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize, deserialize } from "node:v8";
import { eventBus, type EventBus } from "../src/bus/index.js";
import { memoryStore, sqliteStore } from "../src/index.js";
import { fmt, ratio, type BenchContext, type Family, type Section } from "./lib/report.js";

type Events = { tick: { i: number; id: string } };
const BATCH = 1000;

interface Figures {
  publishMs: number;
  consumeMs: number;
}

async function busRun(bus: EventBus<Events>, n: number): Promise<Figures> {
  const t0 = performance.now();
  for (let k = 0; k < n; k += BATCH) {
    const batch = [];
    for (let i = k; i < Math.min(n, k + BATCH); i++) batch.push({ i, id: `e${i}` });
    await bus.publishMany("tick", batch);
  }
  const t1 = performance.now();
  let seen = 0;
  let sum = 0;
  const sub = bus.subscribe(
    "tick",
    (p) => {
      seen++;
      sum += p.i;
    },
    { group: "bench", from: "beginning", batch: BATCH },
  );
  await sub.idle();
  const t2 = performance.now();
  await sub.stop();
  if (seen !== n || sum !== (n * (n - 1)) / 2) throw new Error(`consumed ${seen} of ${n} events`);
  return { publishMs: t1 - t0, consumeMs: t2 - t1 };
}

/** The memory baseline: an array of encoded events, read back in batches. */
function memoryBaseline(n: number): Figures {
  const t0 = performance.now();
  const log: { offset: number; type: string; payload: Uint8Array; at: number }[] = [];
  for (let i = 0; i < n; i++) {
    log.push({
      offset: i + 1,
      type: "tick",
      payload: serialize({ i, id: `e${i}` }),
      at: Date.now(),
    });
  }
  const t1 = performance.now();
  let sum = 0;
  for (let k = 0; k < log.length; k += BATCH) {
    for (const e of log.slice(k, k + BATCH)) sum += (deserialize(e.payload) as { i: number }).i;
  }
  const t2 = performance.now();
  if (sum !== (n * (n - 1)) / 2) throw new Error("baseline lost events");
  return { publishMs: t1 - t0, consumeMs: t2 - t1 };
}

/** The SQLite baseline: better-sqlite3 by hand, one transaction per batch, offsets committed per batch. */
function sqliteBaseline(path: string, n: number): Figures {
  type Db = {
    exec(sql: string): void;
    pragma(s: string): void;
    prepare(sql: string): { run(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };
    transaction(fn: (...a: never[]) => void): (...a: unknown[]) => void;
    close(): void;
  };
  const Driver = createRequire(import.meta.url)("better-sqlite3") as new (p: string) => Db;
  const db = new Driver(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(
    "CREATE TABLE ev (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT, payload BLOB, at REAL); CREATE INDEX ev_type ON ev (type, seq); CREATE TABLE off (grp TEXT PRIMARY KEY, next INTEGER)",
  );
  const ins = db.prepare("INSERT INTO ev (type, payload, at) VALUES (?, ?, ?)");
  const insertMany = db.transaction((rows: Buffer[]) => {
    for (const r of rows) ins.run("tick", r, Date.now());
  });
  const t0 = performance.now();
  for (let k = 0; k < n; k += BATCH) {
    const rows: Buffer[] = [];
    for (let i = k; i < Math.min(n, k + BATCH); i++) rows.push(serialize({ i, id: `e${i}` }));
    insertMany(rows);
  }
  const t1 = performance.now();
  const read = db.prepare(
    "SELECT seq, payload FROM ev WHERE type = ? AND seq >= ? ORDER BY seq LIMIT ?",
  );
  const commit = db.prepare("INSERT OR REPLACE INTO off (grp, next) VALUES (?, ?)");
  let from = 0;
  let sum = 0;
  for (;;) {
    const rows = read.all("tick", from, BATCH) as { seq: number; payload: Buffer }[];
    if (rows.length === 0) break;
    for (const r of rows) sum += (deserialize(r.payload) as { i: number }).i;
    from = rows[rows.length - 1].seq + 1;
    commit.run("bench", from);
  }
  const t2 = performance.now();
  db.close();
  if (sum !== (n * (n - 1)) / 2) throw new Error("baseline lost events");
  return { publishMs: t1 - t0, consumeMs: t2 - t1 };
}

function perSecond(n: number, ms: number): string {
  return `${fmt(n / (ms / 1000))}/s`;
}

async function runBus(ctx: BenchContext): Promise<Section> {
  const n = ctx.quick ? 10_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), "weft-bench-bus-"));
  const rows: string[][] = [];
  const summary: string[][] = [];
  try {
    // Each backend: baseline and bus take turns over three rounds; the median of each is kept.
    const cases: [string, () => Figures | Promise<Figures>, () => Promise<Figures>][] = [
      [
        "memory",
        () => memoryBaseline(n),
        async () => {
          const bus = eventBus<Events>({ store: memoryStore() });
          try {
            return await busRun(bus, n);
          } finally {
            await bus.close();
          }
        },
      ],
      [
        "SQLite",
        () => sqliteBaseline(join(dir, `base-${Math.random()}.db`), n),
        async () => {
          const store = sqliteStore(join(dir, `bus-${Math.random()}.db`));
          const bus = eventBus<Events>({ store });
          try {
            return await busRun(bus, n);
          } finally {
            await bus.close();
            store.close();
          }
        },
      ],
    ];
    for (const [name, baseline, bus] of cases) {
      ctx.log(`bus: ${name}, ${n} events`);
      const base: Figures[] = [];
      const own: Figures[] = [];
      for (let round = 0; round < 3; round++) {
        base.push(await baseline());
        own.push(await bus());
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const b = {
        publishMs: med(base.map((f) => f.publishMs)),
        consumeMs: med(base.map((f) => f.consumeMs)),
      };
      const o = {
        publishMs: med(own.map((f) => f.publishMs)),
        consumeMs: med(own.map((f) => f.consumeMs)),
      };
      rows.push([
        name,
        "baseline (by hand)",
        fmt(b.publishMs),
        perSecond(n, b.publishMs),
        fmt(b.consumeMs),
        perSecond(n, b.consumeMs),
        "1x",
      ]);
      const total = (o.publishMs + o.consumeMs) / (b.publishMs + b.consumeMs);
      rows.push([
        name,
        "eventBus: publishMany + group subscriber",
        fmt(o.publishMs),
        perSecond(n, o.publishMs),
        fmt(o.consumeMs),
        perSecond(n, o.consumeMs),
        ratio(total),
      ]);
      summary.push([
        `event bus (${name}), ${n.toLocaleString("en-US")} events published and consumed`,
        `${perSecond(n, o.publishMs)} in, ${perSecond(n, o.consumeMs)} out; ${ratio(total)} the hand-written baseline`,
        "",
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    id: "bus",
    title: "Event bus: publish and consume",
    columns: ["log", "path", "publish ms", "published", "consume ms", "consumed", "÷ baseline"],
    rows,
    notes: [
      `${n.toLocaleString("en-US")} events of one type ({ i, id }), published in batches of ${BATCH} (one transaction each on SQLite) and consumed by one subscriber group from the beginning, ${BATCH} events per read, the group's offset committed after each batch.`,
      "Baselines do the same by hand: v8 serialization of each payload, an array (memory) or better-sqlite3 with the same table shape (SQLite).",
      "Each path runs three times, taking turns with its baseline; the medians are shown.",
    ],
    summary,
  };
}

export const bus: Family = { id: "bus", title: "Event bus", run: runBus };
