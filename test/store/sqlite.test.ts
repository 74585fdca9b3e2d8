import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  CheckpointError,
  SQLITE_SCHEMA_VERSION,
  sqliteStore,
  type JournalEntry,
} from "../../src/run/store/index.js";
import { storeContract, header } from "./contract.js";
import { journalValue } from "./fixtures/journal-values.js";

const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `store-${files++}.sqlite`);

// The test reads the file with the driver directly, to look beneath the store.
const Database = createRequire(import.meta.url)("better-sqlite3") as new (path: string) => {
  pragma(source: string, options?: { simple: boolean }): unknown;
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown };
  close(): void;
};

storeContract("sqliteStore", () => sqliteStore(freshPath()));
storeContract("sqliteStore (synchronous FULL)", () =>
  sqliteStore(freshPath(), { synchronous: "FULL" }),
);
storeContract("sqliteStore (:memory:)", () => sqliteStore(":memory:"));

describe("sqliteStore file", () => {
  it("keeps runs and snapshots across close and reopen", () => {
    const path = freshPath();
    const first = sqliteStore(path);
    first.beginRun(header("r1"));
    first.record("r1", { node: "a", status: "completed", value: new Map([[1, "one"]]), at: 5 });
    first.saveSnapshot("m", { state: "s1" });
    first.close();
    const second = sqliteStore(path);
    expect(second.path).toBe(path);
    expect(second.loadRun("r1")!.entries).toEqual([
      { node: "a", status: "completed", value: new Map([[1, "one"]]), at: 5 },
    ]);
    expect(second.loadSnapshot("m")!.value).toEqual({ state: "s1" });
    second.close();
  });

  it("uses WAL and records its schema version", () => {
    const path = freshPath();
    sqliteStore(path).close();
    const db = new Database(path);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.prepare("SELECT version FROM weft_schema").get()).toEqual({
        version: SQLITE_SCHEMA_VERSION,
      });
    } finally {
      db.close();
    }
  });

  it("sees writes made through another connection to the same file", () => {
    const path = freshPath();
    const writer = sqliteStore(path);
    const reader = sqliteStore(path);
    writer.beginRun(header("r1"));
    writer.record("r1", { node: "a", status: "completed", value: 1, at: 1 });
    expect(reader.loadRun("r1")!.entries).toHaveLength(1);
    writer.close();
    reader.close();
  });

  it("refuses a file written by a newer schema", () => {
    const path = freshPath();
    sqliteStore(path).close();
    const db = new Database(path);
    db.prepare("UPDATE weft_schema SET version = 99").run();
    db.close();
    expect(() => sqliteStore(path)).toThrow(CheckpointError);
    expect(() => sqliteStore(path)).toThrow(
      `checkpoint store '${path}' was written by a newer version of weft (schema version 99; this version reads up to 1)`,
    );
  });

  it("refuses a file that is not a database, naming it", () => {
    const path = join(dir, "not-a-db.sqlite");
    writeFileSync(path, "this is plain text, not SQLite ".repeat(200));
    expect(() => sqliteStore(path)).toThrow(
      new CheckpointError(`cannot open checkpoint store '${path}': file is not a database`),
    );
  });

  it("names the path when the file cannot be created", () => {
    const path = join(dir, "missing-folder", "x.sqlite");
    expect(() => sqliteStore(path)).toThrow(`cannot open checkpoint store '${path}': `);
  });

  it("refuses an unknown synchronous mode", () => {
    expect(() => sqliteStore(freshPath(), { synchronous: "OFF" as "FULL" })).toThrow(
      /synchronous must be "NORMAL" or "FULL", got OFF/,
    );
  });
});

describe("sqliteStore after the writer is killed", () => {
  it("keeps every entry the writer reported committed, decodable", async () => {
    const path = freshPath();
    const writer = fileURLToPath(new URL("./fixtures/journal-writer.ts", import.meta.url));
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", writer, path, "crash-run"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let reported = -1;
    let stderr = "";
    let pending = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^recorded (\d+)$/.exec(line);
        if (match) reported = Number(match[1]);
      }
      // Kill it mid-run, well into the loop.
      if (reported >= 400 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      // "close", not "exit": every line the child wrote has been read by then.
      (resolve) => child.on("close", (code, signal) => resolve({ code, signal })),
    );
    expect({ ...exit, stderr }).toEqual({ code: null, signal: "SIGKILL", stderr: "" });
    expect(reported).toBeGreaterThanOrEqual(400);

    const db = new Database(path);
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      db.close();
    }

    const store = sqliteStore(path);
    try {
      const run = store.loadRun("crash-run")!;
      expect(run.status).toBe("running");
      expect(run.input).toEqual({ started: new Date(0) });
      // Everything reported is there; at most the one entry being printed when killed is extra.
      expect(run.entries.length).toBeGreaterThanOrEqual(reported + 1);
      expect(run.entries.length).toBeLessThanOrEqual(reported + 2);
      run.entries.forEach((entry: JournalEntry, i: number) => {
        expect(entry).toEqual({
          node: `n${i}`,
          status: "completed",
          value: journalValue(i),
          ms: i,
          at: i,
        });
      });
      // The store keeps working on the recovered file.
      store.record("crash-run", { node: "after", status: "completed", value: "ok", at: 0 });
      store.finishRun("crash-run", "completed");
      expect(store.loadRun("crash-run")!.entries.at(-1)!.value).toBe("ok");
    } finally {
      store.close();
    }
  });
});
