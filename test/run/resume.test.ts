import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { journaledBefore, killAfterLines, lines } from "../helpers/crash.js";
import { dag, memoryStore, sqliteStore } from "../../src/index.js";
import { buildDag, dagSpecArbitrary, outcomes, referenceRun } from "../../src/testing/index.js";
import { sideEffects } from "./fixtures/crash-workflow.js";

const dir = mkdtempSync(join(tmpdir(), "weft-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkpoint and resume", () => {
  it("finishes a run whose process was killed, without re-running completed nodes", async () => {
    const db = join(dir, "crash.sqlite");
    const log = join(dir, "crash.log");
    // Kill it once three nodes have left their side effect.
    await killAfterLines("test/run/fixtures/crash-child.ts", [db, log, "run-1"], log, 3);
    const store = sqliteStore(db);
    const { status, journaled } = journaledBefore(store.loadRun("run-1"));
    expect(status).toBe("running");
    expect(journaled.length).toBeGreaterThanOrEqual(2);
    expect(journaled.length).toBeLessThan(7);

    const resumed = await sideEffects(log).resume("run-1", {
      checkpoint: store,
      mode: "sequential",
    });
    const straight = await sideEffects(join(dir, "straight.log")).run({ seed: 1 });
    expect(resumed.status).toBe("completed");
    expect(resumed.output).toBe(straight.output);
    for (const n of ["a", "b", "c", "d", "e", "f", "g"])
      expect(resumed.get(n as "a")).toBe(straight.get(n as "a"));
    const effects = lines(log);
    const names: Record<string, string> = {
      a: "a",
      b: "bb",
      c: "ccc",
      d: "dddd",
      e: "eeeee",
      f: "ffffff",
      g: "ggggggg",
    };
    // Nodes journaled before the crash ran exactly once; every node ran.
    for (const n of journaled) expect(effects.filter((l) => l === names[n])).toHaveLength(1);
    for (const n of Object.values(names)) expect(effects).toContain(n);
    expect(resumed.metrics.executed).toBe(7 - journaled.length);
    expect(store.loadRun("run-1")?.status).toBe("completed");
    store.close?.();
  }, 60_000);

  it("refuses an unstorable value with an error naming the node, keeping the journal readable", async () => {
    const store = memoryStore();
    const wf = dag("unstorable")
      .node("ok", {}, () => ({ n: 1 }))
      .node("bad", { ok: "ok" }, () => ({ handle: () => 1 }))
      .build();
    const run = await wf.run(undefined, { checkpoint: store, runId: "u1" });
    expect(run.status).toBe("failed");
    expect(run.errors[0].node).toBe("bad");
    expect(run.errors[0].message).toMatch(/node 'bad'.*handle is a function/);
    const stored = store.loadRun("u1");
    expect(stored?.entries.map((e) => [e.node, e.status])).toEqual([["ok", "completed"]]);
    expect(stored?.status).toBe("failed");
  });

  it("refuses to resume under a changed workflow or without a run", async () => {
    const store = memoryStore();
    const v1 = dag("versioned")
      .node("a", {}, () => 1)
      .build();
    await v1.run(undefined, { checkpoint: store, runId: "v" });
    const v2 = dag("versioned")
      .node("a", {}, () => 1)
      .node("b", {}, () => 2)
      .build();
    await expect(v2.resume("v", { checkpoint: store })).rejects.toThrow(
      /checkpointed for another version/,
    );
    await expect(v1.resume("nope", { checkpoint: store })).rejects.toThrow(
      "workflow 'versioned' has no checkpointed run 'nope' to resume",
    );
  });

  it("resume after a crash at a random node equals an uninterrupted run (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, async: true, maxNodes: 15 }),
        fc.nat(100),
        fc.nat(),
        async (spec, input, crashPick) => {
          const crashAt = spec.nodes[crashPick % spec.nodes.length].name;
          const store = memoryStore();
          const ran: string[] = [];
          // First process: the crash node throws; fail-fast stops the run there.
          const crashing = buildDag(
            { nodes: spec.nodes.map((n) => (n.name === crashAt ? { ...n, fails: true } : n)) },
            { onStart: (n) => ran.push(n) },
          );
          await crashing.run(input, { checkpoint: store, runId: "p" });
          const done = new Set(
            (store.loadRun("p")?.entries ?? [])
              .filter((e) => e.status === "completed")
              .map((e) => e.node),
          );
          const rerun: string[] = [];
          const healthy = buildDag(spec, { onStart: (n) => rerun.push(n) });
          const resumed = await healthy.resume("p", { checkpoint: store });
          expect(outcomes(resumed, spec)).toEqual(referenceRun(spec, input));
          for (const n of rerun) expect(done.has(n)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("partial runs reusing a checkpointed run", () => {
  it("reruns from a node, taking earlier results from the store by run id", async () => {
    const calls: string[] = [];
    const wf = dag<{ v: number }>("reuse")
      .node("a", { v: "input.v" }, ({ v }) => (calls.push("a"), v + 1))
      .node("b", { v: "a" }, ({ v }) => (calls.push("b"), v * 10))
      .node("c", { v: "b" }, ({ v }) => (calls.push("c"), v - 1))
      .build();
    const store = memoryStore();
    await wf.run({ v: 1 }, { checkpoint: store, runId: "first" });
    calls.length = 0;
    const again = await wf.run(
      { v: 1 },
      { checkpoint: store, runId: "second", from: "c", reuse: "first" },
    );
    expect(calls).toEqual(["c"]);
    expect(again.output).toBe(19);
    await expect(
      wf.run({ v: 1 }, { checkpoint: store, runId: "third", from: "c", reuse: "nope" }),
    ).rejects.toThrow("workflow 'reuse' has no checkpointed run 'nope' to reuse");
    await expect(wf.run({ v: 1 }, { from: "c", reuse: "first" })).rejects.toThrow(
      /pass its 'checkpoint' store/,
    );
  });
});
