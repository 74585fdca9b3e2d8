import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BudgetExceededError } from "../../src/index.js";
import { buildDag, dagSpecArbitrary, outcomes } from "../../src/testing/index.js";

describe("run budget over random DAGs", () => {
  it("never starts more than maxNodes nodes; a budget the run fits in changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ conditions: true, async: true, failures: true }),
        fc.nat(12),
        fc.constantFrom("parallel" as const, "sequential" as const),
        async (spec, maxNodes, mode) => {
          let started = 0;
          const wf = buildDag(spec, { onStart: () => started++ });
          const free = await wf.run(1, { mode, onError: "continue" });
          const needed = started;
          started = 0;
          const r = await wf.run(1, { mode, onError: "continue", budget: { maxNodes } });
          expect(started).toBeLessThanOrEqual(maxNodes);
          const over = r.errors.some((e) => e.cause instanceof BudgetExceededError);
          if (needed <= maxNodes) {
            // Within budget: the same outcome as the run without one.
            expect(over).toBe(false);
            expect(r.status).toBe(free.status);
            expect(outcomes(r, spec)).toEqual(outcomes(free, spec));
          } else {
            expect(over).toBe(true);
            expect(r.status).toBe("failed");
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
