import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/graph/types.js";
import {
  NO_NODE,
  PlanFormatError,
  PlanMismatchError,
  RETAINED_OUTPUT,
  checkPlan,
  parsePlan,
  planOf,
  serializePlan,
  transitiveReduction,
} from "../../src/plan/index.js";
import {
  bruteLevels,
  brutePriorities,
  closure,
  distinctEdges,
  oracle,
  pathCost,
  sameSet,
} from "./brute-force.js";
import { randomDag } from "./random-dag.js";

const runs = { numRuns: 200 };

const fusible = (g: Graph, v: number): boolean => {
  const node = g.nodes[v];
  const runIf = node.options?.runIf;
  return node.kind === "task" && (runIf === undefined || runIf === "success");
};

const outputOf = (g: Graph): number =>
  g.output === undefined ? g.nodes.length - 1 : g.nodes.findIndex((n) => n.name === g.output);

describe("plan properties on random DAGs", () => {
  it("order is a permutation that puts every node after its producers", () => {
    fc.assert(
      fc.property(randomDag(), (g) => {
        const plan = planOf(g);
        const o = oracle(g);
        expect([...plan.order].sort((a, b) => a - b)).toEqual(g.nodes.map((_, i) => i));
        const position = new Map(plan.order.map((v, k) => [v, k]));
        for (const [a, b] of distinctEdges(o)) {
          expect(position.get(a)).toBeLessThan(position.get(b) as number);
        }
        expect(plan.nodes).toEqual(g.nodes.map((n) => n.name));
      }),
      runs,
    );
  });

  it("levels equal the longest path from a source, and each level lists its nodes", () => {
    fc.assert(
      fc.property(randomDag(), (g) => {
        const plan = planOf(g);
        const level = bruteLevels(oracle(g));
        expect(plan.level).toEqual(level);
        const depth = g.nodes.length === 0 ? 0 : Math.max(...level) + 1;
        expect(plan.levels.length).toBe(depth);
        plan.levels.forEach((list, l) => {
          for (const v of list) expect(level[v]).toBe(l);
        });
        expect(plan.levels.flat().sort((a, b) => a - b)).toEqual(g.nodes.map((_, i) => i));
      }),
      runs,
    );
  });

  it("priorities equal the largest path cost to a sink; timings win over options.cost", () => {
    const timings = fc.dictionary(
      fc.constantFrom("n0", "n1", "n2", "n3", "n4", "ghost"),
      fc.integer({ min: 0, max: 50 }),
    );
    fc.assert(
      fc.property(randomDag(), timings, (g, t) => {
        const plan = planOf(g, { timings: t });
        const cost = g.nodes.map((n) => t[n.name] ?? n.options?.cost ?? 1);
        expect(plan.cost).toEqual(cost);
        expect(plan.priority).toEqual(brutePriorities(oracle(g), cost));
      }),
      runs,
    );
  });

  it("the critical path is a real source-to-sink path of the largest cost", () => {
    fc.assert(
      fc.property(randomDag(), (g) => {
        const plan = planOf(g);
        const o = oracle(g);
        const path = plan.criticalPath.nodes.map((name) => o.index.get(name) as number);
        if (g.nodes.length === 0) {
          expect(plan.criticalPath).toEqual({ nodes: [], cost: 0 });
          return;
        }
        expect(o.preds[path[0]].size).toBe(0);
        expect(o.succs[path[path.length - 1]].size).toBe(0);
        for (let k = 1; k < path.length; k++) expect(o.succs[path[k - 1]].has(path[k])).toBe(true);
        const best = Math.max(...o.paths.map((p) => pathCost(p, plan.cost)));
        expect(plan.criticalPath.cost).toBe(best);
        expect(pathCost(path, plan.cost)).toBe(best);
      }),
      runs,
    );
  });

  it("chains are disjoint, maximal real paths of single-consumer/single-producer task links", () => {
    fc.assert(
      fc.property(randomDag(), (g) => {
        const plan = planOf(g);
        const o = oracle(g);
        const canLink = (a: number, b: number): boolean =>
          o.succs[a].size === 1 &&
          o.succs[a].has(b) &&
          o.preds[b].size === 1 &&
          fusible(g, a) &&
          fusible(g, b);
        const next = new Map<number, number>();
        const seen = new Set<number>();
        plan.chains.forEach((chain, c) => {
          expect(chain.length).toBeGreaterThanOrEqual(2);
          chain.forEach((v, k) => {
            expect(seen.has(v)).toBe(false);
            seen.add(v);
            expect(plan.chainOf[v]).toBe(c);
            if (k > 0) {
              expect(canLink(chain[k - 1], v)).toBe(true);
              next.set(chain[k - 1], v);
            }
          });
        });
        plan.chainOf.forEach((c, v) => {
          if (!seen.has(v)) expect(c).toBe(NO_NODE);
        });
        // Maximal: every link that could fuse did.
        for (const [a, b] of distinctEdges(o)) {
          if (canLink(a, b)) expect(next.get(a)).toBe(b);
        }
      }),
      runs,
    );
  });

  it("lastConsumer is the consumer latest in order; the output is retained", () => {
    fc.assert(
      fc.property(randomDag(), (g) => {
        const plan = planOf(g);
        const o = oracle(g);
        const position = new Map(plan.order.map((v, k) => [v, k]));
        const output = outputOf(g);
        expect(plan.output).toBe(g.nodes.length === 0 ? NO_NODE : output);
        plan.lastConsumer.forEach((last, v) => {
          expect(plan.consumers[v]).toBe(o.succs[v].size);
          if (v === output) {
            expect(last).toBe(RETAINED_OUTPUT);
          } else if (o.succs[v].size === 0) {
            expect(last).toBe(NO_NODE);
          } else {
            expect(o.succs[v].has(last)).toBe(true);
            for (const s of o.succs[v]) {
              expect(position.get(s)).toBeLessThanOrEqual(position.get(last) as number);
            }
          }
        });
      }),
      runs,
    );
  });

  it("transitive reduction keeps reachability and no kept edge can go", () => {
    fc.assert(
      fc.property(randomDag(), (g) => {
        const o = oracle(g);
        const plan = planOf(g, { reduction: true });
        expect(plan.transitiveReduction).toEqual(transitiveReduction(g));
        const kept = (plan.transitiveReduction ?? []).map(([a, b]): [number, number] => [
          o.index.get(a) as number,
          o.index.get(b) as number,
        ]);
        for (const [a, b] of kept) expect(o.succs[a].has(b)).toBe(true);
        expect(new Set(kept.map(([a, b]) => `${a}>${b}`)).size).toBe(kept.length);
        const full = closure(o.n, distinctEdges(o));
        expect(sameSet(closure(o.n, kept), full)).toBe(true);
        kept.forEach((_, k) => {
          const without = kept.filter((__, j) => j !== k);
          expect(sameSet(closure(o.n, without), full)).toBe(false);
        });
      }),
      runs,
    );
  });

  it("the reduction is absent unless asked for", () => {
    fc.assert(
      fc.property(randomDag(), (g) => {
        expect("transitiveReduction" in planOf(g)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it("serialize then parse is the identity", () => {
    fc.assert(
      fc.property(randomDag(), fc.boolean(), (g, reduction) => {
        const plan = planOf(g, { reduction });
        const text = serializePlan(plan);
        const back = parsePlan(text);
        expect(back).toEqual(plan);
        expect(serializePlan(back)).toBe(text);
      }),
      runs,
    );
  });

  it("parsePlan rejects a corrupted field with a PlanFormatError, never another error", () => {
    const fields = Object.keys(planOf(oneNode(), { reduction: true }));
    fc.assert(
      fc.property(randomDag(), fc.constantFrom(...fields), fc.jsonValue(), (g, field, value) => {
        const plan = planOf(g, { reduction: true }) as unknown as Record<string, unknown>;
        const bad = JSON.stringify({ ...plan, [field]: value });
        try {
          const back = parsePlan(bad);
          // Accepted only when the value happens to be valid for the field.
          expect(back).toEqual(JSON.parse(bad));
        } catch (e) {
          expect(e).toBeInstanceOf(PlanFormatError);
        }
      }),
      runs,
    );
  });

  it("checkPlan accepts the plan's own graph and refuses a mutated one", () => {
    const mutation = fc.constantFrom("rename", "add-node", "drop-edge", "add-edge", "workflow");
    fc.assert(
      fc.property(randomDag(), mutation, (g, how) => {
        const plan = planOf(g);
        expect(checkPlan(plan, structuredClone(g))).toBe(plan);
        const m = mutate(g, how);
        if (m === undefined) return;
        expect(() => checkPlan(plan, m)).toThrow(PlanMismatchError);
        expect(() => checkPlan(plan, m)).toThrow(plan.graphHash);
      }),
      runs,
    );
  });
});

function oneNode(): Graph {
  return { version: 1, kind: "dag", name: "one", nodes: [{ name: "a", kind: "task" }], edges: [] };
}

/** A structurally different copy of `g`, or undefined when the mutation does not apply. */
function mutate(g: Graph, how: string): Graph | undefined {
  const m = structuredClone(g);
  switch (how) {
    case "rename": {
      if (m.nodes.length === 0) return undefined;
      const old = m.nodes[0].name;
      m.nodes[0].name = "renamed";
      for (const e of m.edges) {
        if (e.from === old) e.from = "renamed";
        if (e.to === old) e.to = "renamed";
      }
      if (m.output === old) m.output = "renamed";
      return m;
    }
    case "add-node":
      m.nodes.push({ name: "extra", kind: "task" });
      return m;
    case "drop-edge":
      if (m.edges.length === 0) return undefined;
      m.edges.pop();
      return m;
    case "add-edge":
      if (m.nodes.length === 0) return undefined;
      m.edges.push({ from: "input", port: "y", to: m.nodes[0].name, param: "fresh" });
      return m;
    default:
      m.name = "other";
      return m;
  }
}
