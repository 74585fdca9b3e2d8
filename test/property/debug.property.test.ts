/**
 * Debug sessions over random DAGs: continued to the end (with random breakpoints, or stepped
 * node by node) they give the same results as a normal run, and pause in the order a sequential
 * run starts nodes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildDag, dagSpecArbitrary, outcomes, referenceRun } from "../../src/testing/index.js";

describe("debug sessions over random DAGs", () => {
  it("continued to the end, a session gives the reference results", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, failures: true, async: true, maxNodes: 15 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.nat(14), { maxLength: 4 }),
        fc.boolean(),
        async (spec, input, picks, stepping) => {
          const expected = referenceRun(spec, input);
          const wf = buildDag(spec);
          const names = spec.nodes.map((n) => n.name);
          const breakpoints = picks.filter((k) => k < names.length).map((k) => names[k]);
          const session = wf.debug(input, { breakpoints, onError: "continue" });
          const paused: string[] = [];
          for (;;) {
            const s = stepping ? await session.step() : await session.continue();
            if (!("paused" in s)) {
              expect(outcomes(s, spec)).toEqual(expected);
              break;
            }
            paused.push(s.node);
          }
          const sequential = await wf.run(input, { mode: "sequential", onError: "continue" });
          expect(outcomes(sequential, spec)).toEqual(expected);
          const order = sequential.metrics.order;
          // Stepping pauses before every node that runs, in sequential order; breakpoints pause
          // before each breakpoint node that runs.
          expect(paused).toEqual(stepping ? order : order.filter((n) => breakpoints.includes(n)));
        },
      ),
      { numRuns: 150 },
    );
  });
});
