import { describe, expect, it } from "vitest";
import type { Graph, GraphEdge } from "../../src/graph/types.js";
import { RETAINED_OUTPUT, parsePlan, planOf, serializePlan } from "../../src/plan/index.js";

const N = 10_000;

/** A small deterministic generator, so the large graphs are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

function linear(): Graph {
  const nodes = Array.from({ length: N }, (_, i) => ({ name: `n${i}`, kind: "task" as const }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `n${i}`, to: node.name, param: "x" }));
  return { version: 1, kind: "dag", name: "linear", nodes, edges };
}

/** Each node depends on one to three earlier nodes; declared in reverse so order must work. */
function random(): Graph {
  const rnd = lcg(7);
  const nodes = Array.from({ length: N }, (_, i) => ({
    name: `n${i}`,
    kind: "task" as const,
    options: { cost: 1 + Math.floor(rnd() * 10) },
  }));
  const edges: GraphEdge[] = [];
  for (let i = 1; i < N; i++) {
    const deps = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < deps; j++) {
      edges.push({ from: `n${Math.floor(rnd() * i)}`, to: `n${i}`, param: `p${j}` });
    }
  }
  return { version: 1, kind: "dag", name: "random", nodes: nodes.reverse(), edges };
}

describe("plans of 10,000-node graphs", () => {
  it("plan a 10,000-node pipeline without deep recursion", () => {
    const plan = planOf(linear(), { reduction: true });
    expect(plan.level[N - 1]).toBe(N - 1);
    expect(plan.levels).toHaveLength(N);
    expect(plan.priority[0]).toBe(N);
    expect(plan.chains).toHaveLength(1);
    expect(plan.chains[0]).toHaveLength(N);
    expect(plan.criticalPath.nodes).toHaveLength(N);
    expect(plan.criticalPath.cost).toBe(N);
    expect(plan.lastConsumer[N - 2]).toBe(N - 1);
    expect(plan.lastConsumer[N - 1]).toBe(RETAINED_OUTPUT);
    expect(plan.transitiveReduction).toHaveLength(N - 1);
  });

  it("satisfy the local conditions that characterise longest paths on a random DAG", () => {
    const g = random();
    const plan = planOf(g);
    const index = new Map(plan.nodes.map((name, i) => [name, i]));
    const position = new Int32Array(N);
    plan.order.forEach((v, k) => (position[v] = k));
    const preds: number[][] = plan.nodes.map(() => []);
    const succs: number[][] = plan.nodes.map(() => []);
    for (const e of g.edges) {
      const a = index.get(e.from) as number;
      const b = index.get(e.to) as number;
      expect(position[a]).toBeLessThan(position[b]);
      preds[b].push(a);
      succs[a].push(b);
    }
    for (let v = 0; v < N; v++) {
      // level: one more than the highest producer's, 0 for a source.
      const level = preds[v].length === 0 ? 0 : Math.max(...preds[v].map((p) => plan.level[p] + 1));
      expect(plan.level[v]).toBe(level);
      // priority: own cost plus the highest consumer's.
      const rest = succs[v].length === 0 ? 0 : Math.max(...succs[v].map((s) => plan.priority[s]));
      expect(plan.priority[v]).toBe(plan.cost[v] + rest);
    }
    expect(plan.criticalPath.cost).toBe(Math.max(...plan.priority));
    expect(parsePlan(serializePlan(plan))).toEqual(plan);
  });
});
