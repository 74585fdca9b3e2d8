/** The audit trail: entries for each action, tamper detection, one chain under concurrency. */
import { spawn } from "node:child_process";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { dag, signal } from "../../src/dag/index.js";
import { fsm, next, stop } from "../../src/fsm/index.js";
import { memoryStore } from "../../src/run/store/memory.js";
import { sqliteStore } from "../../src/run/store/sqlite.js";
import { redisStore, auditKeys } from "../../src/distributed/redis-store.js";
import { requestCancel } from "../../src/tasks/control.js";
import {
  AUDIT_GENESIS,
  canonicalJson,
  inputHash,
  verifyAudit,
  type AuditEntry,
} from "../../src/audit/index.js";
import type { CheckpointStore } from "../../src/run/store/types.js";
import { ROOT } from "../compiler/helpers.js";

const tmp = mkdtempSync(path.join(tmpdir(), "weft-audit-"));
const redisPrefix = `weft-test-audit-${randomUUID()}`;
const redis = new Redis("redis://127.0.0.1:6379");
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

interface Decision {
  ok: boolean;
}

const approval = dag<{ title: string; secret: string }>("approval")
  .node("draft", { title: "input.title" }, ({ title }) => `draft of ${title}`)
  .wait("approve", { draft: "draft" }, signal<Decision>())
  .node("publish", { d: "approve" }, ({ d }) => (d.ok ? "published" : "dropped"))
  .build();

let flaky = true;
const fragile = dag<{ n: number }>("fragile")
  .node("one", { n: "input.n" }, ({ n }) => n + 1)
  .node("two", { x: "one" }, ({ x }) => {
    if (flaky) throw new Error("not yet");
    return x * 2;
  })
  .build();

/** The fields that say who did what, without times and hashes. */
function what(entries: AuditEntry[]): string[] {
  return entries.map(
    (e) =>
      `${e.actor} ${e.action} ${e.runId}${e.status ? ` ${e.status}` : ""}${e.detail ? ` ${e.detail}` : ""}`,
  );
}

function weft(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "bin/weft.js"), ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function everyAction(store: CheckpointStore): Promise<AuditEntry[]> {
  const input = { title: "Q3 report", secret: "hunter2" };
  const waiting = await approval.run(input, { runId: "a1", checkpoint: store, actor: "ana" });
  expect(waiting.status).toBe("waiting");
  const done = await approval.signal(
    "a1",
    "approve",
    { ok: true },
    {
      checkpoint: store,
      actor: "bob",
    },
  );
  expect(done.output).toBe("published");

  flaky = true;
  const failed = await fragile.run({ n: 1 }, { runId: "f1", checkpoint: store, actor: "ana" });
  expect(failed.status).toBe("failed");
  flaky = false;
  const resumed = await fragile.resume("f1", { checkpoint: store, actor: "carol" });
  expect(resumed.output).toBe(4);

  await store.beginRun({
    runId: "t1",
    workflow: "tasks",
    graphHash: "h",
    input: {},
    startedAt: Date.now(),
    status: "running",
  });
  expect((await requestCancel(store, "t1", { actor: "dave" })).kind).toBe("marked-cancelled");
  const entries = await store.readAudit!();
  expect(what(entries)).toEqual([
    "ana run.start a1",
    "ana run.end a1 waiting",
    "bob run.signal a1 approve",
    "bob run.resume a1",
    "bob run.end a1 completed",
    "ana run.start f1",
    "ana run.end f1 failed",
    "carol run.resume f1",
    "carol run.end f1 completed",
    "dave run.cancel t1",
  ]);
  expect(entries[0]).toMatchObject({
    seq: 1,
    workflow: "approval",
    graphHash: expect.stringMatching(/^[0-9a-f]{16}$/),
    inputHash: inputHash(input),
    prev: AUDIT_GENESIS,
  });
  expect(entries[0].at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(entries[3].inputHash).toBe(inputHash(input));
  // The input itself is never stored.
  expect(JSON.stringify(entries)).not.toContain("hunter2");
  expect(verifyAudit(entries)).toEqual({ ok: true, entries: 10 });
  expect(await store.readAudit!({ runId: "f1" })).toHaveLength(4);
  expect(what(await store.readAudit!({ action: "run.cancel" }))).toEqual(["dave run.cancel t1"]);
  return entries;
}

describe("audit trail", () => {
  it("canonical JSON and the input hash ignore key order and keep types apart", () => {
    expect(canonicalJson({ b: 1, a: [new Date(0), undefined], c: undefined })).toBe(
      '{"a":[{"$date":"1970-01-01T00:00:00.000Z"},null],"b":1}',
    );
    expect(inputHash({ a: 1, b: { c: 2, d: 3 } })).toBe(inputHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(inputHash({ a: 1 })).not.toBe(inputHash({ a: "1" }));
    expect(inputHash(new Map([["k", 1]]))).not.toBe(inputHash({ k: 1 }));
    expect(inputHash({})).toBe("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  });

  it("memory store: an entry per action, with the actor", async () => {
    await everyAction(memoryStore());
  });

  it("sqlite store: an entry per action; an edited row is reported, by verifyAudit and weft audit --verify", async () => {
    const file = path.join(tmp, "runs.db");
    const store = sqliteStore(file);
    await everyAction(store);
    const ok = await weft("audit", "--checkpoint", file, "--verify");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("10 entries, chain intact");
    expect(ok.stdout).toMatch(
      / +3 {2}\S+ {2}bob {2}run\.signal {2}run a1 \(approval\) {2}detail=approve/,
    );

    const db = new (createRequire(import.meta.url)("better-sqlite3"))(file);
    db.prepare("UPDATE weft_audit SET actor = 'mallory' WHERE seq = 4").run();
    db.close();
    const verdict = verifyAudit(store.readAudit());
    expect(verdict).toEqual({
      ok: false,
      index: 3,
      seq: 4,
      message:
        "audit entry 4 (run.resume of run 'a1' by mallory): its hash does not match its content (edited after it was written)",
    });
    const bad = await weft("audit", "--checkpoint", file, "--verify", "--run", "f1");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`audit trail of ${file} is broken at entry 4: audit entry 4`);
    // --run shows that run's entries only.
    expect(bad.stdout).not.toContain("run a1");
    const json = JSON.parse(
      (await weft("audit", "--checkpoint", file, "--json", "--verify")).stdout,
    );
    expect(json.entries).toHaveLength(10);
    expect(json.verify).toMatchObject({ ok: false, index: 3 });
    store.close();
  }, 120_000);

  it("sqlite store: a deleted row breaks the chain at the entry after it", () => {
    const file = path.join(tmp, "deleted.db");
    const store = sqliteStore(file);
    for (const runId of ["r1", "r2", "r3"]) {
      store.appendAudit({
        at: "2026-01-01T00:00:00.000Z",
        actor: "ana",
        action: "run.start",
        runId,
        workflow: "w",
      });
    }
    const db = new (createRequire(import.meta.url)("better-sqlite3"))(file);
    db.prepare("DELETE FROM weft_audit WHERE seq = 2").run();
    db.close();
    const verdict = verifyAudit(store.readAudit());
    expect(verdict).toMatchObject({ ok: false, index: 1, seq: 3 });
    store.close();
  });

  it("sqlite store: appends from several processes keep one chain", async () => {
    const file = path.join(tmp, "concurrent.db");
    sqliteStore(file).close();
    const script = path.join(ROOT, "test/audit/fixtures/append.ts");
    const go = path.join(tmp, "go");
    let ready = 0;
    let release: () => void = () => {};
    const allReady = new Promise<void>((r) => (release = r));
    const done = ["p1", "p2", "p3"].map(
      (tag) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ["--import", "tsx", script, file, "200", tag, go], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
          });
          let err = "";
          child.stdout.on("data", () => {
            if (++ready === 3) release();
          });
          child.stderr.on("data", (d) => (err += String(d)));
          child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(err))));
        }),
    );
    // Every writer has opened the file before any appends: they contend for the write lock.
    await allReady;
    writeFileSync(go, "");
    await Promise.all(done);
    const store = sqliteStore(file);
    const entries = store.readAudit();
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(verifyAudit(entries)).toEqual({ ok: true, entries: 600 });
    for (const tag of ["p1", "p2", "p3"]) {
      expect(entries.filter((e) => e.actor === tag).map((e) => e.runId)).toEqual(
        Array.from({ length: 200 }, (_, i) => `${tag}-${i}`),
      );
    }
    store.close();
  }, 120_000);

  it("redis store: an entry per action; an edited entry is reported, by verifyAudit and weft audit --verify", async () => {
    const prefix = `${redisPrefix}:actions`;
    const store = redisStore({ prefix });
    try {
      await everyAction(store);
      const [list] = auditKeys(prefix);
      const second = JSON.parse((await redis.lindex(list, 1))!) as AuditEntry;
      await redis.lset(list, 1, JSON.stringify({ ...second, status: "failed" }));
      expect(verifyAudit(await store.readAudit())).toMatchObject({
        ok: false,
        index: 1,
        seq: 2,
        message: expect.stringContaining("audit entry 2 (run.end of run 'a1' by ana): its hash"),
      });
      const cli = await weft(
        "audit",
        "--redis",
        "redis://127.0.0.1:6379",
        "--prefix",
        prefix,
        "--verify",
      );
      expect(cli.code).toBe(1);
      expect(cli.stdout).toContain(
        `audit trail of redis://127.0.0.1:6379 (prefix '${prefix}') is broken at entry 2: audit entry 2 (run.end of run 'a1' by ana): its hash does not match its content`,
      );
    } finally {
      await store.close();
    }
  }, 120_000);

  it("redis store: concurrent appends from several connections keep one chain", async () => {
    const prefix = `${redisPrefix}:concurrent`;
    const stores = [1, 2, 3, 4].map(() => redisStore({ prefix }));
    try {
      await Promise.all(
        stores.map(async (s, k) => {
          for (let i = 0; i < 25; i++) {
            await s.appendAudit({
              at: new Date().toISOString(),
              actor: `w${k}`,
              action: "run.start",
              runId: `w${k}-${i}`,
              workflow: "concurrent",
            });
          }
        }),
      );
      const entries = await stores[0].readAudit();
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(verifyAudit(entries)).toEqual({ ok: true, entries: 100 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);

  it("state machines: start, signal-free resume and end are audited", async () => {
    let fail = true;
    const light = fsm<{ limit: number }>("light")
      .states("red", "green")
      .initial("red")
      .state("red", () => next("green", 1))
      .state("green", () => {
        if (fail) throw new Error("bulb");
        return stop(2);
      })
      .build({ maxCycles: 10, terminal: [] });
    const store = memoryStore();
    const r = await light.run({ limit: 1 }, { runId: "m1", checkpoint: store, actor: "ana" });
    expect(r.status).toBe("failed");
    fail = false;
    await light.resume("m1", { checkpoint: store, actor: "bob" });
    expect(what(store.readAudit())).toEqual([
      "ana run.start m1",
      "ana run.end m1 failed",
      "bob run.resume m1",
      "bob run.end m1 stopped",
    ]);
    expect(store.readAudit()[0].inputHash).toBe(inputHash({ limit: 1 }));
  });

  it("appendAudit refuses a malformed record, naming the field", () => {
    const store = memoryStore();
    expect(() =>
      store.appendAudit({ at: "t", actor: "", action: "run.start", runId: "r", workflow: "w" }),
    ).toThrow("appendAudit: 'actor' must be a non-empty string, got \"\"");
    expect(() =>
      store.appendAudit({
        at: "t",
        actor: "a",
        action: "run.delete" as "run.start",
        runId: "r",
        workflow: "w",
      }),
    ).toThrow(/'action' must be one of run.start, run.resume, run.cancel, run.signal, run.end/);
  });
});
