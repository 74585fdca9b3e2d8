import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { looseDag } from "../../src/index.js";

describe("retry properties", () => {
  it("with random failure injection, tries never exceed `attempts` and outcomes follow", async () => {
    const nodeArb = fc.record({
      failures: fc.integer({ min: 0, max: 4 }),
      attempts: fc.integer({ min: 1, max: 4 }),
      dep: fc.option(fc.nat(), { nil: undefined }),
      async: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(nodeArb, { minLength: 1, maxLength: 12 }), async (nodes) => {
        const calls = nodes.map(() => 0);
        let b = looseDag("flaky");
        nodes.forEach((n, i) => {
          const deps: Record<string, string> =
            n.dep !== undefined && i > 0 ? { up: `n${n.dep % i}` } : {};
          const fn = () => {
            calls[i]++;
            if (calls[i] <= n.failures) throw new Error(`n${i} try ${calls[i]}`);
            return i;
          };
          b = b.node(`n${i}`, deps, n.async ? async () => fn() : fn, {
            retry: { attempts: n.attempts },
          });
        });
        const run = await b.build().run(undefined, { onError: "continue" });
        nodes.forEach((n, i) => {
          expect(calls[i]).toBeLessThanOrEqual(n.attempts);
          const status = run.statusOf(`n${i}`);
          if (status === "skipped") expect(calls[i]).toBe(0);
          else {
            expect(calls[i]).toBe(Math.min(n.failures + 1, n.attempts));
            expect(status).toBe(n.failures < n.attempts ? "completed" : "failed");
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
