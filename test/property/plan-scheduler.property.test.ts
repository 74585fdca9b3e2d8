import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dag, planOf, PlanMismatchError, type ExecutionPlan } from "../../src/index.js";
import { buildDag, dagSpecArbitrary, outcomes, referenceRun } from "../../src/testing/index.js";

/** The same plan with fusion turned off. */
function unfused(plan: ExecutionPlan): ExecutionPlan {
  return { ...plan, chains: [], chainOf: plan.chainOf.map(() => -1) };
}

describe("optimized scheduling paths agree with the plain scheduler", () => {
  it("with and without fusion, with a loaded plan, without timings, and with released results (sync and async)", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, failures: true, async: true, maxNodes: 30 }),
        fc.nat(100),
        fc.integer({ min: 1, max: 4 }),
        async (spec, input, concurrency) => {
          const expected = referenceRun(spec, input);
          const wf = buildDag(spec);
          const plan = planOf(wf.graph);
          const variants = [wf, wf.withPlan(plan), wf.withPlan(unfused(plan))];
          for (const v of variants) {
            const run = await v.run(input, { onError: "continue", concurrency });
            expect(outcomes(run, spec)).toEqual(expected);
            // Without per-node timings, and unbounded, chains take the run's fastest lane.
            const bare = await v.run(input, { onError: "continue", timings: false });
            expect(outcomes(bare, spec)).toEqual(expected);
            expect(bare.metrics.executed).toBe(run.metrics.executed);
            const released = await v.run(input, { onError: "continue", retain: "outputs" });
            expect(released.output).toEqual(run.output);
            for (const n of spec.nodes)
              expect(released.statusOf(n.name)).toBe(run.statusOf(n.name));
          }
          const syncSpec = { nodes: spec.nodes.map((n) => ({ ...n, async: false })) };
          const syncWf = buildDag(syncSpec);
          const syncPlan = planOf(syncWf.graph);
          for (const v of [syncWf, syncWf.withPlan(syncPlan), syncWf.withPlan(unfused(syncPlan))]) {
            expect(outcomes(v.runSync(input, { onError: "continue" }), syncSpec)).toEqual(expected);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it("refuses a plan computed for a different graph, naming both hashes", () => {
    const a = dag("w")
      .node("x", {}, () => 1)
      .build();
    const b = dag("w")
      .node("x", {}, () => 1)
      .node("y", { x: "x" }, ({ x }) => x)
      .build();
    expect(() => b.withPlan(planOf(a.graph))).toThrow(PlanMismatchError);
    expect(() => b.withPlan(planOf(a.graph))).toThrow(new RegExp(planOf(a.graph).graphHash));
  });

  it("starts the critical path first when a slot frees up", async () => {
    const order: string[] = [];
    const step = (name: string) => async () => {
      order.push(name);
      await new Promise((r) => setTimeout(r, 1));
    };
    // 'short' is declared first, but 'long' heads the longer path.
    const wf = dag("prio")
      .node("short", {}, step("short"))
      .node("long", {}, step("long"))
      .node("long2", { l: "long" }, step("long2"))
      .node("long3", { l: "long2" }, step("long3"))
      .build();
    await wf.run(undefined, { concurrency: 1 });
    expect(order[0]).toBe("long");
  });

  it("starts released nodes critical path first without a concurrency limit too", () => {
    const wf = dag("fan")
      .node("src", {}, () => 1)
      .node("short", { s: "src" }, ({ s }) => s)
      .node("mid", { s: "src" }, ({ s }) => s)
      .node("long", { s: "src" }, ({ s }) => s)
      .node("long2", { l: "long" }, ({ l }) => l)
      .node("long3", { l: "long2", m: "mid" }, ({ l, m }) => l + m)
      .build();
    // Priorities: long 3, mid 2, short and long3 1 (each node costs 1); ties go by declaration.
    expect(wf.runSync(undefined).metrics.order).toEqual([
      "src",
      "long",
      "long2",
      "mid",
      "short",
      "long3",
    ]);
  });
});
