import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildDag,
  concurrencyProbe,
  dagSpecArbitrary,
  dependencyOrderViolations,
  eventRecorder,
  outcomes,
  modeDifferences,
  referenceRun,
  resumeDifferences,
  runDifferences,
} from "../../src/testing/index.js";

describe("scheduler properties over random DAGs", () => {
  it("every node runs after all its dependencies (parallel, async)", async () => {
    await fc.assert(
      fc.asyncProperty(dagSpecArbitrary({ conditions: true, async: true }), async (spec) => {
        const wf = buildDag(spec);
        const rec = eventRecorder();
        await wf.run(1, { mode: "parallel", onEvent: rec.onEvent });
        expect(dependencyOrderViolations(wf.graph, rec.events)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("sequential, parallel and synchronous runs agree with the reference semantics", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, failures: true }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 4 }),
        async (spec, input, concurrency) => {
          const expected = referenceRun(spec, input);
          const wf = buildDag(spec);
          const seq = await wf.run(input, { mode: "sequential", onError: "continue" });
          const par = await wf.run(input, { mode: "parallel", concurrency, onError: "continue" });
          const syn = wf.runSync(input, { onError: "continue" });
          expect(outcomes(seq, spec)).toEqual(expected);
          expect(outcomes(par, spec)).toEqual(expected);
          expect(outcomes(syn, spec)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("async runs with failures agree with the reference semantics", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, failures: true, async: true }),
        fc.integer({ min: 0, max: 100 }),
        async (spec, input) => {
          const wf = buildDag(spec);
          const run = await wf.run(input, {
            mode: "parallel",
            concurrency: 3,
            onError: "continue",
          });
          expect(outcomes(run, spec)).toEqual(referenceRun(spec, input));
          const failed = spec.nodes.some(
            (n) => referenceRun(spec, input)[n.name].status === "failed",
          );
          expect(run.status).toBe(failed ? "partial" : "completed");
        },
      ),
      { numRuns: 100 },
    );
  });

  it("never exceeds the concurrency limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ async: true, minNodes: 5, maxNodes: 30 }),
        fc.integer({ min: 1, max: 5 }),
        async (spec, concurrency) => {
          const probe = concurrencyProbe();
          const wf = buildDag({ nodes: spec.nodes.map((n) => ({ ...n, async: true })) }, probe);
          const run = await wf.run(1, { mode: "parallel", concurrency });
          expect(run.status).toBe("completed");
          expect(probe.max).toBeLessThanOrEqual(concurrency);
          expect(probe.current).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("skips propagate exactly to the nodes downstream of untaken branches", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, maxNodes: 30 }),
        fc.nat(50),
        async (spec, input) => {
          const run = await buildDag(spec).run(input);
          const expected = referenceRun(spec, input);
          for (const node of spec.nodes) {
            expect(run.statusOf(node.name)).toBe(expected[node.name].status);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("weft/testing comparison helpers", () => {
  it("modeDifferences and resumeDifferences hold for random workflows and find real differences", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, async: true, maxNodes: 12 }),
        fc.nat(50),
        fc.nat(),
        async (spec, input, pick) => {
          const wf = buildDag(spec);
          expect(await modeDifferences(wf, input, { concurrency: 3 })).toEqual([]);
          const crashAt = spec.nodes[pick % spec.nodes.length].name;
          const make = (crash: string | undefined) =>
            buildDag({
              nodes: spec.nodes.map((n) => (n.name === crash ? { ...n, fails: true } : n)),
            });
          expect(await resumeDifferences(make, input, crashAt)).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
    // A real difference is reported, naming the node.
    const racy = buildDag({
      nodes: [
        {
          name: "n0",
          kind: "task",
          deps: [],
          runIf: "success",
          async: false,
          delay: 0,
          fails: false,
        },
      ],
    });
    const straight = await racy.run(1);
    const broken = { statusOf: () => "failed", get: () => undefined };
    expect(runDifferences(racy.graph, straight, broken)).toEqual(["'n0': a completed, b failed"]);
  });
});
