import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromGraph, graphToJson, graphToYaml, parseGraph } from "../../src/index.js";
import { buildDag, dagSpecArbitrary, outcomes, referenceRun } from "../../src/testing/index.js";

describe("serialize -> parse -> fromGraph -> run", () => {
  it("gives the same results as the original workflow (JSON and YAML)", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagSpecArbitrary({ maxNodes: 12, conditions: true, failures: true, async: true }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom<"json" | "yaml">("json", "yaml"),
        async (spec, input, format) => {
          const original = buildDag(spec);
          const text =
            format === "json" ? graphToJson(original.graph) : graphToYaml(original.graph);
          const graph = parseGraph(text, { format });
          expect(graph).toEqual(original.graph);
          const registry = Object.fromEntries(
            spec.nodes.map((n) => [
              n.name,
              original.impl(n.name)?.fn as (...a: never[]) => unknown,
            ]),
          );
          const rebuilt = fromGraph(graph, registry);
          const a = await original.run(input, { onError: "continue" });
          const b = await rebuilt.run(input, { onError: "continue" });
          expect(b.status).toBe(a.status);
          expect(b.output).toEqual(a.output);
          expect(outcomes(b, spec)).toEqual(outcomes(a, spec));
          expect(outcomes(b, spec)).toEqual(referenceRun(spec, input));
          expect(b.errors.map((e) => e.message)).toEqual(a.errors.map((e) => e.message));
        },
      ),
      { numRuns: 60 },
    );
  });
});
