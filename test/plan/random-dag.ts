import fc from "fast-check";
import type { Graph, GraphEdge, GraphNode, NodeKind, RunIf } from "../../src/graph/types.js";

/**
 * Random DAGs for property tests: up to `maxNodes` nodes declared in a shuffled order (so the
 * declaration order is not a topological order), edges only from lower to higher hidden rank,
 * repeated edges between the same pair (different params), edges from the run input, mostly
 * tasks with a few other kinds and `runIf` values, integer costs, an optional output node.
 */
export function randomDag(maxNodes = 10): fc.Arbitrary<Graph> {
  return fc.integer({ min: 0, max: maxNodes }).chain((n) => {
    const ranks = Array.from({ length: n }, (_, i) => i);
    const pair = fc
      .tuple(fc.nat({ max: Math.max(0, n - 1) }), fc.nat({ max: Math.max(0, n - 1) }))
      .filter(([a, b]) => a !== b);
    const nodeData = fc.record({
      kind: fc.oneof(
        { arbitrary: fc.constant<NodeKind>("task"), weight: 8 },
        { arbitrary: fc.constantFrom<NodeKind>("condition", "any", "map", "sub"), weight: 1 },
      ),
      runIf: fc.oneof(
        { arbitrary: fc.constant<RunIf | undefined>(undefined), weight: 6 },
        { arbitrary: fc.constantFrom<RunIf>("success", "always", "any-failed"), weight: 1 },
      ),
      cost: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    });
    // Pairs of distinct ranks; a graph of fewer than two nodes has none to draw.
    const edges: fc.Arbitrary<[number, number][]> =
      n < 2 ? fc.constant([]) : fc.array(pair, { maxLength: n * 3 });
    return fc
      .record({
        rankOf: fc.shuffledSubarray(ranks, { minLength: n, maxLength: n }),
        data: fc.array(nodeData, { minLength: n, maxLength: n }),
        edges,
        fromInput: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        output: fc.option(fc.nat({ max: Math.max(0, n - 1) }), { nil: undefined }),
      })
      .map(({ rankOf, data, edges, fromInput, output }): Graph => {
        const declOfRank: number[] = [];
        rankOf.forEach((r, i) => (declOfRank[r] = i));
        const name = (i: number): string => `n${i}`;
        const nodes: GraphNode[] = data.map((d, i) => ({
          name: name(i),
          kind: d.kind,
          ...(d.runIf !== undefined || d.cost !== undefined
            ? {
                options: {
                  ...(d.runIf !== undefined ? { runIf: d.runIf } : {}),
                  ...(d.cost !== undefined ? { cost: d.cost } : {}),
                },
              }
            : {}),
        }));
        const graphEdges: GraphEdge[] = [];
        edges.forEach(([a, b], k) => {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          graphEdges.push({ from: name(declOfRank[lo]), to: name(declOfRank[hi]), param: `p${k}` });
        });
        fromInput.forEach((yes, i) => {
          if (yes) graphEdges.push({ from: "input", port: "x", to: name(i), param: "x" });
        });
        return {
          version: 1,
          kind: "dag",
          name: "random",
          nodes,
          edges: graphEdges,
          ...(output !== undefined && n > 0 ? { output: name(output) } : {}),
        };
      });
  });
}
