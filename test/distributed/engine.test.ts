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
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { redisEngine, type RedisEngine } from "../../src/distributed/index.js";
import { runKeys } from "../../src/distributed/keys.js";
import { graphHash, type AnyDag, type FsmRun, type RunRecord } from "../../src/index.js";
import { light } from "../../examples/traffic-light.js";
import { buildDag, dagSpecArbitrary, outcomes, referenceRun } from "../../src/testing/index.js";
import {
  cancellable,
  countsKey,
  failing,
  relay,
  saga,
  wide,
  wideOf,
} from "./fixtures/workflows.js";
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
          // A name per case: specs differing only in failing nodes share a graph hash, and a
          // worker keeps the workflow it resolved for a name and hash.
          const name = `random-${runs}`;
          const wf = buildDag(spec, {}, name) as unknown as AnyDag;
          writeFileSync(join(specDir, `${name}.json`), JSON.stringify(spec));
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

  it("refuses a run id that exists, unknown workflow kinds and handler error strategies with clear errors", async () => {
    const odd = { kind: "other", name: "odd", graph: saga.graph };
    await expect(engine.start(odd as never, undefined as never)).rejects.toThrow(
      "workflow 'odd' is neither a DAG nor a function-return state machine",
    );
    await expect(
      engine.start(relay, { rounds: 1, ms: 0 }, { until: "a" } as never),
    ).rejects.toThrow("run option 'until' does not apply to machine 'relay'");
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

/** What a machine run says, timings left out: status, history, every visit's result, errors. */
function fsmView<S extends string, R>(run: FsmRun<S, R>): Record<string, unknown> {
  const visits: Record<string, unknown[]> = {};
  for (const state of new Set(run.history)) {
    visits[state] = Array.from({ length: run.visits(state) }, (_, v) => run.get(state as never, v));
  }
  const json = run.toJSON();
  const nodes = Object.fromEntries(
    Object.entries(json.nodes).map(([name, rec]) => [
      name,
      { status: rec.status, result: rec.result, error: rec.error, attempts: rec.attempts },
    ]),
  );
  return {
    status: run.status,
    history: run.history,
    cycles: run.cycles,
    state: run.state,
    output: run.output,
    visits,
    errors: run.errors.map((e) => [e.node, e.message, e.attempts, (e.cause as Error).name]),
    error: run.error?.message,
    nodes,
    executed: run.metrics.executed,
    order: run.metrics.order,
  };
}

describe("redisEngine with state machines (one visit per job)", () => {
  beforeAll(() => {
    // Local runs of the fixture machines count under this test's prefix too (other run ids).
    process.env.WEFT_TEST_PREFIX = prefix;
  });

  it("runs the traffic light, a machine with metadata and a failing one like local runs", async () => {
    const cases = [
      [light, { limit: 3 }, {}],
      [light, { limit: 100 }, { maxCycles: 4 }],
      [relay, { rounds: 3, ms: 0 }, {}],
      [failing, 5, {}],
    ] as const;
    let k = 0;
    for (const [machine, input, options] of cases) {
      const m = machine as unknown as typeof failing;
      const local = await m.run(input as never, options);
      const handle = await engine.start(m, input as never, { ...options, runId: `fsm-${k++}` });
      const remote = await handle.result();
      expect(fsmView(remote)).toEqual(fsmView(local));
      expect(remote.runId).toBe(handle.runId);
      expect((await handle.status())?.status).toBe(local.status);
    }
    // The traffic light's own figures, not only agreement with a local run.
    const r = await (await engine.start(light, { limit: 3 }, { runId: "light-3" })).result();
    expectTypeOf(r.history).toEqualTypeOf<readonly ("red" | "green" | "yellow")[]>();
    expectTypeOf(r.get("yellow")).toEqualTypeOf<string | undefined>();
    expect(r.status).toBe("stopped");
    expect(r.history.join(" ")).toBe("red green yellow red green yellow red green yellow");
    expect([r.get("yellow"), r.get("yellow", 0), r.get("yellow.1")]).toEqual([
      "off",
      "round 1",
      "round 2",
    ]);
    const relayed = await (
      await engine.start(relay, { rounds: 2, ms: 0 }, { runId: "relay-meta" })
    ).result();
    // ctx.metadata, ctx.cycle and ctx.previous carried from visit to visit across jobs.
    expect(relayed.get("a", 1)).toEqual({ count: 2, cycle: 2, previous: 1 });
    expect(relayed.output).toEqual({
      first: { count: 1, cycle: 0, previous: null },
      last: { count: 2, cycle: 2, previous: 1 },
      visits: 2,
    });
    const failed = await (await engine.start(failing, 5, { runId: "failing-1" })).result();
    expect(failed.status).toBe("failed");
    expect(failed.errors[0].message).toBe("node 'check' failed: check failed at 5");
    expect(failed.errors[0].attempts).toBe(2);
  }, 60_000);

  it("finishes a machine run whose worker is SIGKILLed mid-visit: the visit reruns on the other worker", async () => {
    const runId = "fsm-kill";
    const input = { rounds: 3, ms: 700 };
    const handle = await engine.start(relay, input, { runId });
    // Kill the worker running the second visit of `a` while it sleeps.
    await until(async () => (await counts(runId, "start"))["a#1"] === 1);
    const pid = Number(await redis.hget(countsKey(prefix, runId, "pid"), "a#1"));
    const child = [...workers.children].find((c) => c.pid === pid);
    expect(child).toBeDefined();
    await workers.kill(child!);
    const endedAtKill = (await counts(runId, "end"))["a#1"] ?? 0;
    const replacement = workers.spawn();
    const run = await handle.result();
    await replacement;
    const local = await relay.run(input);
    expect(fsmView(run)).toEqual(fsmView(local));
    expect(run.status).toBe("stopped");
    const starts = await counts(runId, "start");
    // The killed visit ran again (unless it finished in the moment before the kill); the visit
    // journaled before it never ran twice; the ones after it once.
    expect(starts["a#1"]).toBe(endedAtKill === 1 ? 1 : 2);
    expect(starts["a#0"]).toBe(1);
    expect(starts["a#2"]).toBe(1);
  }, 60_000);

  it("cancels a machine run mid-visit: the visit's signal aborts and no visit starts after", async () => {
    const runId = "fsm-cancel";
    const handle = await engine.start(relay, { rounds: 3, ms: 20_000 }, { runId });
    await until(async () => (await counts(runId, "start"))["a#0"] === 1);
    expect(await handle.status()).toMatchObject({ status: "running", visits: 0, nodesLeft: 0 });
    expect(await handle.cancel()).toBe(true);
    const run = await handle.result();
    expect(run.status).toBe("cancelled");
    expect(run.history).toEqual(["a"]);
    expect(run.error?.message).toBe(
      `machine 'relay' cancelled in state 'a': run '${runId}' was stopped`,
    );
    expect((await counts(runId, "aborted"))["a#0"]).toBe(1);
    expect(Object.keys(await counts(runId, "start"))).toEqual(["a#0"]);
  }, 30_000);
});
