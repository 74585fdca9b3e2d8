import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { graphToJson, graphToYaml, parseGraph, validateGraph } from "../../src/index.js";
import { dagGraph, fsmGraph } from "./arbitrary-graph.js";

const graphs = fc.oneof(dagGraph(1), fsmGraph);

describe("graph serialization properties", () => {
  it("the arbitrary only makes valid graphs", () => {
    fc.assert(
      fc.property(graphs, (g) => {
        expect(validateGraph(g)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("JSON: serialize -> parse gives an equal graph, and the same bytes again", () => {
    fc.assert(
      fc.property(graphs, (g) => {
        const text = graphToJson(g);
        const back = parseGraph(text, { format: "json" });
        expect(back).toEqual(g);
        expect(graphToJson(back)).toBe(text);
      }),
      { numRuns: 150 },
    );
  });

  it("YAML: serialize -> parse gives an equal graph, and the same bytes again", () => {
    fc.assert(
      fc.property(graphs, (g) => {
        const text = graphToYaml(g);
        const back = parseGraph(text, { format: "yaml" });
        expect(back).toEqual(g);
        expect(graphToYaml(back)).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
});
