/**
 * The distributed engine against a real Redis and real worker processes: the same outcomes as
 * local runs, and nothing lost when workers, the starter or connections die.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisEngine, type RedisEngine } from "../../src/distributed/index.js";
import { runKeys } from "../../src/distributed/keys.js";
import { fsm, graphHash, next, stop, type AnyDag, type RunRecord } from "../../src/index.js";
import { buildDag, dagSpecArbitrary, outcomes, referenceRun } from "../../src/testing/index.js";
import { cancellable, countsKey, saga, wide, wideOf } from "./fixtures/workflows.js";
import { deleteKeys, testPrefix, until, Workers } from "./helpers.js";

const prefix = testPrefix("dist");
const specDir = mkdtempSync(join(tmpdir(), "weft-dist-specs-"));
const workers = new Workers(prefix, {}, [specDir]);
const redis = new Redis("redis://127.0.0.1:6379");
let engine: RedisEngine;

beforeAll(async () => {
  engine = redisEngine({ prefix });
  await Promise.all([workers.spawn(), workers.spawn()]);
}, 120_000);

afterAll(async () => {
  await workers.killAll();
  await engine.close();
  await deleteKeys(prefix);
  redis.disconnect();
  rmSync(specDir, { recursive: true, force: true });
});

/** What a run says about each node, timings left out. */
function nodesOf(run: { toJSON(): RunRecord }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, rec] of Object.entries(run.toJSON().nodes)) {
    out[name] = {
      status: rec.status,
      result: rec.result,
      skipReason: rec.skipReason,
      error: rec.error,
    };
  }
  return out;
}

async function counts(runId: string, phase: string): Promise<Record<string, number>> {
  const raw = await redis.hgetall(countsKey(prefix, runId, phase));
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
}

const wideOutput = (n: number): number => 10 * n + 45;

describe("redisEngine with two worker processes", () => {
  it("gives random DAGs the same results, statuses and skips as a local run (property)", async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ maxNodes: 12, conditions: true, async: true, failures: true }),
        fc.integer({ min: 0, max: 50 }),
        async (spec, input) => {
          const wf = buildDag(spec) as unknown as AnyDag;
          writeFileSync(join(specDir, `${graphHash(wf.graph)}.json`), JSON.stringify(spec));
          const local = await wf.run(input as never, { onError: "continue" });
          const handle = await engine.start(wf, input as never, {
            onError: "continue",
            runId: `prop-${runs++}`,
          });
          const remote = await handle.result();
          expect(remote.status).toBe(local.status);
          expect(nodesOf(remote)).toEqual(nodesOf(local));
          expect(outcomes(remote, spec)).toEqual(referenceRun(spec, input));
          expect(remote.output).toEqual(local.output);
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);

  it("finishes a run whose worker is SIGKILLed mid-node: the node reruns elsewhere, no completed node runs twice", async () => {
    for (let round = 0; round < 2; round++) {
      const runId = `kill-${round}`;
      const handle = await engine.start(wide, { n: round } as never, { runId });
      // Kill the process running some node once a random number of nodes have started.
      const threshold = 1 + Math.floor(Math.random() * 6);
      let victim = "";
      let pid = 0;
      await until(async () => {
        const started = await counts(runId, "start");
        const ended = await counts(runId, "end");
        const where = await redis.hgetall(countsKey(prefix, runId, "pid"));
        const running = Object.keys(started).filter((n) => !ended[n] && where[n] !== undefined);
        if (Object.keys(started).length < threshold || running.length === 0) return false;
        victim = running[0];
        pid = Number(where[victim]);
        return true;
      });
      const keys = runKeys(prefix, runId);
      const statusAtKill = await redis.hgetall(keys.status);
      const startsAtKill = await counts(runId, "start");
      const child = [...workers.children].find((c) => c.pid === pid);
      expect(child).toBeDefined();
      await workers.kill(child!);
      // Read after the kill: the dead process writes nothing more, and no other worker can take
      // its node before the node's lock expires.
      const victimIndex = String(Number(victim.slice(1)) + 1);
      const victimDone = (await redis.hget(keys.status, victimIndex)) === "2";
      const replacement = workers.spawn();
      const run = await handle.result();
      await replacement;
      expect(run.status).toBe("completed");
      expect(run.output).toBe(wideOutput(round));
      const starts = await counts(runId, "start");
      const executions = await redis.hgetall(keys.executions);
      // The node in flight on the killed worker ran again (unless it completed in the moment
      // between being picked and the kill), and completed.
      expect(starts[victim]).toBe(victimDone ? 1 : 2);
      expect(run.statusOf(victim)).toBe("completed");
      // Nodes completed before the kill never started again.
      const completedBefore = Object.entries(statusAtKill)
        .filter(([, code]) => code === "2")
        .map(([i]) => Number(i));
      for (const i of completedBefore) {
        const name = `w${i - 1}`;
        if (startsAtKill[name] !== undefined) expect(starts[name]).toBe(startsAtKill[name]);
        expect(Number(executions[String(i)])).toBe(1);
      }
      for (let k = 0; k < 10; k++) expect(run.get(`w${k}` as never)).toBe(round + k);
    }
  }, 120_000);

  it("lets another process read the result after the starting process is killed", async () => {
    const runId = "starter-killed";
    const script = fileURLToPath(new URL("./fixtures/starter.ts", import.meta.url));
    const starter = spawn(process.execPath, ["--import", "tsx", script, prefix, runId], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const gone = new Promise((r) => starter.once("exit", r));
    await new Promise<void>((resolve) => {
      starter.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("started")) resolve();
      });
    });
    starter.kill("SIGKILL");
    await gone;
    const run = await engine.handle(wide, runId).result();
    expect(run.status).toBe("completed");
    expect(run.output).toBe(wideOutput(7));
  }, 60_000);

  it("starts no node after cancel resolves and aborts in-flight nodes' signals", async () => {
    const runId = "cancel-1";
    const handle = await engine.start(cancellable, { n: 1 }, { runId });
    await until(async () => (await counts(runId, "start")).hold === 1);
    expect(await handle.cancel()).toBe(true);
    const keys = runKeys(prefix, runId);
    const startedAtCancel = await redis.lrange(keys.order, 0, -1);
    const run = await handle.result();
    expect(run.status).toBe("cancelled");
    expect(await redis.lrange(keys.order, 0, -1)).toEqual(startedAtCancel);
    expect((await counts(runId, "aborted")).hold).toBe(1);
    expect(run.statusOf("after")).toBe("skipped");
    // Even a runIf "always" node does not start once the run is cancelled.
    expect(run.statusOf("last")).toBe("skipped");
    expect(run.toJSON().nodes.last.skipReason).toBe("run cancelled");
    expect(await engine.cancel(runId)).toBe(false);
    expect((await engine.status(runId))?.status).toBe("cancelled");
  }, 60_000);

  it("finishes a run after every client connection of its prefix is killed mid-run", async () => {
    const runId = "conn-drop";
    const handle = await engine.start(wide, { n: 3 } as never, { runId });
    await until(async () => Object.keys(await counts(runId, "start")).length >= 2);
    const list = await redis.client("LIST");
    const ids = String(list)
      .split("\n")
      .filter((line) => line.includes(`name=${prefix}`))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) await redis.client("KILL", "ID", id);
    const run = await handle.result();
    expect(run.status).toBe("completed");
    expect(run.output).toBe(wideOutput(3));
  }, 60_000);

  it("runs saga compensations and fails fast like a local run", async () => {
    const local = await saga.run({ amount: 5 });
    const remote = await (await engine.start(saga, { amount: 5 }, { runId: "saga-1" })).result();
    expect(remote.status).toBe(local.status);
    expect(remote.status).toBe("failed");
    expect(nodesOf(remote)).toEqual(nodesOf(local));
    const compensations = (r: object): unknown => (r as { compensations: unknown }).compensations;
    expect(compensations(remote)).toEqual([{ node: "charge", ok: true }]);
    expect(compensations(remote)).toEqual(compensations(local));
    expect((await counts("saga-1", "compensate"))["refund-5"]).toBe(1);
    expect(remote.errors.map((e) => e.message)).toEqual(["node 'ship' failed: no courier"]);
  }, 60_000);

  it("hands a job of another graph version back until a matching worker takes it", async () => {
    const v2 = wideOf("wide", 3, 10);
    expect(graphHash(v2.graph)).not.toBe(graphHash(wide.graph));
    const handle = await engine.start(v2, { n: 1 } as never, { runId: "version-2" });
    await until(async () => (await handle.status())?.refused !== undefined);
    const status = await handle.status();
    expect(status?.status).toBe("waiting");
    expect(status?.refused).toContain(
      `workflow 'wide' here has graph ${graphHash(wide.graph)}, the run needs graph ${graphHash(v2.graph)}`,
    );
    const local = engine.worker([v2], { refuseDelayMs: 100 });
    const run = await handle.result();
    await local.close();
    expect(run.status).toBe("completed");
    expect(run.output).toBe(3 * 1 + 3);
  }, 60_000);

  it("runs a partial run (until) like a local one", async () => {
    const local = await saga.run({ amount: 2 }, { until: "charge" });
    const remote = await (
      await engine.start(saga, { amount: 2 }, { runId: "partial-1", until: "charge" })
    ).result();
    expect(remote.status).toBe("completed");
    expect(nodesOf(remote)).toEqual(nodesOf(local));
    expect(remote.toJSON().nodes.ship.skipReason).toBe("not selected for this partial run");
  }, 30_000);

  it("refuses a run id that exists, FSMs and handler error strategies with clear errors", async () => {
    const light = fsm("light")
      .states("red", "green")
      .initial("red")
      .state("red", () => next("green", 1))
      .state("green", () => stop(2))
      .build();
    await expect(engine.start(light as never, undefined as never)).rejects.toThrow(
      "workflow 'light' is not a DAG: the distributed engine runs DAG workflows only",
    );
    await expect(engine.start(saga, { amount: 1 }, { runId: "saga-1" })).rejects.toThrow(
      "run 'saga-1' already exists in Redis",
    );
    await expect(
      engine.start(saga, { amount: 1 }, { onError: (() => "continue") as never }),
    ).rejects.toThrow("a handler function cannot reach the workers");
    await expect(engine.cancel("no-such-run")).rejects.toThrow("cannot cancel run 'no-such-run'");
    expect(await engine.status("no-such-run")).toBeUndefined();
  });
});
