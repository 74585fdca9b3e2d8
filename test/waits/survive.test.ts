import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../../src/index.js";
import { lines } from "../helpers/crash.js";

const dir = mkdtempSync(join(tmpdir(), "weft-waits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = "test/waits/fixtures/wait-child.ts";

/** Runs one step in a new process; resolves to the JSON line it printed. */
function step(count: string, ...args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
      env: { ...process.env, COUNT_FILE: count },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").pop() ?? "null"));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Each test starts a few Node processes, slow on a loaded machine.
describe("durable waits across processes", { timeout: 120_000 }, () => {
  it("a wait survives its process: signalled from a new one, no completed node runs again", async () => {
    const db = join(dir, "survive.sqlite");
    const count = join(dir, "survive.count");
    expect(await step(count, "run", db, "approval", "doc-42")).toEqual({
      status: "waiting",
      waiting: ["approve"],
    });
    expect(lines(count)).toEqual(["draft"]);
    // The first process has exited; a second one signals.
    const ok = JSON.stringify({ ok: true, by: "ann" });
    expect(await step(count, "signal", db, "approval", "doc-42", ok)).toEqual({
      status: "completed",
      output: "draft of d: published by ann",
    });
    expect(lines(count)).toEqual(["draft", "publish"]);
    // A second signal is refused: the run no longer waits.
    expect(await step(count, "signal", db, "approval", "doc-42", ok)).toMatchObject({
      error: "SignalError",
      code: "not-waiting",
    });
    expect(lines(count)).toEqual(["draft", "publish"]);
    const store = sqliteStore(db);
    expect(store.loadRun("doc-42")?.status).toBe("completed");
    store.close();
  });

  it("a deadline that passed while no process ran fires after a restart", async () => {
    const db = join(dir, "timeout.sqlite");
    const count = join(dir, "timeout.count");
    const parked = { status: "waiting", waiting: ["approve"] };
    expect(await step(count, "run", db, "quick", "q1", "q2")).toEqual([parked, parked]);
    await sleep(400);
    // A late signal is refused, and the timeout fires as the run is loaded.
    expect(
      await step(count, "signal", db, "quick", "q1", JSON.stringify({ ok: true, by: "x" })),
    ).toMatchObject({ error: "SignalError", code: "timed-out" });
    // `timers` fires the other run's deadline.
    expect(await step(count, "timers", db)).toEqual([
      { runId: "q2", workflow: "quick", nodes: ["approve"], status: "failed" },
    ]);
    expect(lines(count).sort()).toEqual(["draft", "draft", "escalate", "escalate"]);
    const store = sqliteStore(db);
    for (const id of ["q1", "q2"]) {
      const run = store.loadRun(id);
      expect(run?.status).toBe("failed");
      expect(run?.entries.map((e) => `${e.node}:${e.status}`)).toEqual([
        "draft:completed",
        "approve:failed",
        "publish:skipped",
        "escalate:completed",
      ]);
    }
    store.close();
  });

  it("a 1 s sleep across a kill completes once", async () => {
    const db = join(dir, "sleep.sqlite");
    const count = join(dir, "sleep.count");
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, "worker", db, "n1"], {
      env: { ...process.env, COUNT_FILE: count },
    });
    const exited = new Promise((r) => child.once("exit", r));
    await new Promise<void>((resolve) => {
      child.stdout.on("data", () => resolve());
    });
    // The worker parked the run and sleeps; it is killed before the second is up.
    child.kill("SIGKILL");
    await exited;
    expect(lines(count)).toEqual(["before"]);
    await sleep(1100);
    expect(await step(count, "timers", db)).toEqual([
      { runId: "n1", workflow: "nap", nodes: ["pause"], status: "completed" },
    ]);
    expect(await step(count, "timers", db)).toEqual([]);
    expect(lines(count)).toEqual(["before", "after"]);
    const store = sqliteStore(db);
    expect(store.loadRun("n1")?.entries.find((e) => e.node === "after")?.value).toBe(42);
    store.close();
  });
});
