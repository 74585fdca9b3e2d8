/**
 * One runner per run: a checkpointed run id is never reused for another input, and two
 * processes resuming the same run never both execute it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dag, graphHash, memoryStore, sqliteStore } from "../../src/index.js";
import { lines } from "../helpers/crash.js";
import { slow } from "./fixtures/lease-workflow.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "weft-lease-"));
  dirs.push(d);
  return d;
}

const child = join(import.meta.dirname, "fixtures", "lease-child.ts");

/** Runs the lease child; resolves with its JSON line. */
function resumeIn(
  args: string[],
): Promise<{ status?: string; output?: unknown; refused?: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.once("error", reject);
    p.once("exit", () => {
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as never);
      } catch {
        reject(new Error(`lease child printed ${JSON.stringify(out)}`));
      }
    });
  });
}

describe("6. a new run() with a run id the store already holds", () => {
  const wf = () =>
    dag<{ v: number }>("ids")
      .node("a", { v: "input.v" }, ({ v }) => v * 10)
      .node("x", { a: "a" }, ({ a }) => a + 1)
      .build();

  it("is refused instead of mixing the old journal with the new input", async () => {
    const store = memoryStore();
    await wf().run({ v: 1 }, { checkpoint: store, runId: "job" });
    await expect(wf().run({ v: 2 }, { checkpoint: store, runId: "job" })).rejects.toThrow(
      "checkpoint store already holds run 'job' (workflow 'ids', completed); resume it with resume('job'), give this run another runId, or pass replace: true to start it afresh",
    );
    // Nothing of the refused run was written: resuming gives the first input's results.
    const resumed = await wf().resume("job", { checkpoint: store });
    expect(resumed.get("a")).toBe(10);
    expect(resumed.output).toBe(11);
  });

  it("replaces the stored run when asked with replace: true", async () => {
    const store = sqliteStore(":memory:");
    await wf().run({ v: 1 }, { checkpoint: store, runId: "job" });
    const again = await wf().run({ v: 2 }, { checkpoint: store, runId: "job", replace: true });
    expect(again.output).toBe(21);
    const stored = store.loadRun("job");
    expect(stored?.input).toEqual({ v: 2 });
    expect(stored?.entries.map((e) => [e.node, e.value])).toEqual([
      ["a", 20],
      ["x", 21],
    ]);
    store.close();
  });
});

describe("7. two runners resuming the same run", () => {
  it("in one process: the second is refused while the first runs", async () => {
    const dir = tempDir();
    const store = memoryStore();
    const wf = slow(join(dir, "log"));
    store.beginRun({
      runId: "job",
      workflow: "leased",
      graphHash: graphHash(wf.graph),
      input: { v: 0 },
      startedAt: Date.now(),
      status: "running",
    });
    const first = wf.resume("job", { checkpoint: store });
    await expect(wf.resume("job", { checkpoint: store })).rejects.toThrow(
      /^run 'job' is being executed by another runner \(.+, lease until .+\); resume it after that runner finishes or its lease expires$/,
    );
    expect((await first).output).toBe(3);
    // The lease went with the run: resuming again is allowed (and runs nothing).
    expect((await wf.resume("job", { checkpoint: store })).output).toBe(3);
    expect(lines(join(dir, "log"))).toHaveLength(3);
  });

  it("in two processes on one SQLite file: exactly one executes the nodes", async () => {
    const dir = tempDir();
    const db = join(dir, "runs.sqlite");
    const log = join(dir, "log");
    const ready = join(dir, "ready");
    writeFileSync(ready, "");
    const store = sqliteStore(db);
    store.beginRun({
      runId: "job",
      workflow: "leased",
      graphHash: graphHash(slow(log).graph),
      input: { v: 0 },
      startedAt: Date.now(),
      status: "running",
    });
    store.close();
    const outcomes = await Promise.all([
      resumeIn([db, log, ready, "2"]),
      resumeIn([db, log, ready, "2"]),
    ]);
    const completed = outcomes.filter((o) => o.status === "completed");
    const refused = outcomes.filter((o) => o.refused !== undefined);
    expect(completed).toHaveLength(1);
    expect(completed[0].output).toBe(3);
    expect(refused).toHaveLength(1);
    expect(refused[0].refused).toMatch(/^run 'job' is being executed by another runner/);
    // Every node ran once, all in the same process.
    const ran = lines(log).map((l) => l.split(" "));
    expect(ran.map(([node]) => node)).toEqual(["a", "b", "c"]);
    expect(new Set(ran.map(([, pid]) => pid)).size).toBe(1);
  }, 60_000);

  it("a lease left by a killed runner of this host is taken over; a live one's is not", async () => {
    const dir = tempDir();
    const wf = slow(join(dir, "log"));
    const store = memoryStore();
    store.beginRun({
      runId: "job",
      workflow: "leased",
      graphHash: graphHash(wf.graph),
      input: { v: 0 },
      startedAt: Date.now(),
      status: "running",
    });
    // This process is alive: its lease holds.
    expect(store.acquireLease("job", `${hostname()}:${process.pid}:other`, 60_000)).toBeUndefined();
    await expect(wf.resume("job", { checkpoint: store })).rejects.toThrow(/another runner/);
    store.releaseLease("job", `${hostname()}:${process.pid}:other`);
    // No process has this pid (above Linux's largest): the lease is a dead runner's.
    expect(store.acquireLease("job", `${hostname()}:4194305:dead`, 60_000)).toBeUndefined();
    expect((await wf.resume("job", { checkpoint: store })).output).toBe(3);
  });
});
