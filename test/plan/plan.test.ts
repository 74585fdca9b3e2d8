import { describe, expect, it } from "vitest";
import { graphHash } from "../../src/index.js";
import { GraphValidationError } from "../../src/graph/errors.js";
import type { Graph, GraphNode } from "../../src/graph/types.js";
import {
  NO_NODE,
  PlanError,
  PlanMismatchError,
  RETAINED_OUTPUT,
  checkPlan,
  planOf,
  transitiveReduction,
} from "../../src/plan/index.js";

/**
 * load -> clean -> enrich -> save -> notify, with load -> stats -> save beside it and a shortcut
 * load -> save. Indices: load 0, clean 1, enrich 2, stats 3, save 4, notify 5.
 */
function etl(): Graph {
  const task = (name: string, cost: number, extra: Partial<GraphNode> = {}): GraphNode => ({
    name,
    kind: "task",
    ...extra,
    options: { cost, ...extra.options },
  });
  return {
    version: 1,
    kind: "dag",
    name: "etl",
    nodes: [
      task("load", 2),
      task("clean", 4),
      task("enrich", 1),
      task("stats", 3),
      task("save", 2),
      task("notify", 1, { options: { runIf: "always" } }),
    ],
    edges: [
      { from: "input", port: "path", to: "load", param: "path" },
      { from: "load", to: "clean", param: "rows" },
      { from: "clean", to: "enrich", param: "rows" },
      { from: "load", to: "stats", param: "rows" },
      { from: "enrich", to: "save", param: "rows" },
      { from: "stats", to: "save", param: "stats" },
      { from: "load", to: "save", param: "raw" },
      { from: "save", to: "notify", param: "done" },
    ],
  };
}

function linear(names: string[], extra: Partial<Graph> = {}): Graph {
  return {
    version: 1,
    kind: "dag",
    name: "line",
    nodes: names.map((name) => ({ name, kind: "task" })),
    edges: names.slice(1).map((name, i) => ({ from: names[i], to: name })),
    ...extra,
  };
}

describe("planOf", () => {
  it("computes every part of the plan of a small ETL", () => {
    const plan = planOf(etl());
    expect(plan.version).toBe(1);
    expect(plan.workflow).toBe("etl");
    expect(plan.graphHash).toMatch(/^[0-9a-f]{16}$/);
    expect(plan.nodes).toEqual(["load", "clean", "enrich", "stats", "save", "notify"]);
    expect(plan.order).toEqual([0, 1, 3, 2, 4, 5]);
    expect(plan.level).toEqual([0, 1, 2, 1, 3, 4]);
    expect(plan.levels).toEqual([[0], [1, 3], [2], [4], [5]]);
    expect(plan.cost).toEqual([2, 4, 1, 3, 2, 1]);
    expect(plan.priority).toEqual([10, 8, 4, 6, 3, 1]);
    expect(plan.chains).toEqual([[1, 2]]);
    expect(plan.chainOf).toEqual([-1, 0, 0, -1, -1, -1]);
    expect(plan.lastConsumer).toEqual([4, 2, 4, 4, 5, RETAINED_OUTPUT]);
    expect(plan.consumers).toEqual([3, 1, 1, 1, 1, 0]);
    expect(plan.output).toBe(5);
    expect(plan.criticalPath).toEqual({
      nodes: ["load", "clean", "enrich", "save", "notify"],
      cost: 10,
    });
    expect(plan.transitiveReduction).toBeUndefined();
  });

  it("lets recorded timings win over options.cost and ignores unknown names", () => {
    const plan = planOf(etl(), { timings: { clean: 0.5, ghost: 100 } });
    expect(plan.cost).toEqual([2, 0.5, 1, 3, 2, 1]);
    expect(plan.priority).toEqual([8, 4.5, 4, 6, 3, 1]);
    expect(plan.criticalPath).toEqual({ nodes: ["load", "stats", "save", "notify"], cost: 8 });
  });

  it("uses cost 1 for nodes without options", () => {
    const plan = planOf(linear(["a", "b", "c"]));
    expect(plan.cost).toEqual([1, 1, 1]);
    expect(plan.priority).toEqual([3, 2, 1]);
  });

  it("computes the transitive reduction on request", () => {
    const plan = planOf(etl(), { reduction: true });
    const expected = [
      ["load", "clean"],
      ["load", "stats"],
      ["clean", "enrich"],
      ["stats", "save"],
      ["enrich", "save"],
      ["save", "notify"],
    ];
    expect(plan.transitiveReduction).toEqual(expected);
    expect(transitiveReduction(etl())).toEqual(expected);
  });

  it("retains the declared output node and releases the last node normally", () => {
    const plan = planOf(linear(["a", "b", "c"], { output: "b" }));
    expect(plan.output).toBe(1);
    expect(plan.lastConsumer).toEqual([1, RETAINED_OUTPUT, NO_NODE]);
  });

  it("plans an empty graph", () => {
    const plan = planOf(linear([]));
    expect(plan).toMatchObject({
      nodes: [],
      order: [],
      levels: [],
      chains: [],
      output: NO_NODE,
      criticalPath: { nodes: [], cost: 0 },
    });
  });
});

describe("fused chains", () => {
  it("fuses a whole linear pipeline into one chain", () => {
    const plan = planOf(linear(["a", "b", "c", "d"]));
    expect(plan.chains).toEqual([[0, 1, 2, 3]]);
    expect(plan.chainOf).toEqual([0, 0, 0, 0]);
  });

  it("does not count the run input as a producer, nor repeated edges as extra consumers", () => {
    const g = linear(["a", "b"]);
    g.edges.push({ from: "input", port: "x", to: "b", param: "x" });
    g.edges.push({ from: "a", port: "count", to: "b", param: "n" });
    expect(planOf(g).chains).toEqual([[0, 1]]);
  });

  it("breaks chains at fan-out, fan-in, non-task kinds and runIf other than success", () => {
    const g = linear(["a", "b", "c", "d", "e", "f"]);
    g.nodes[2].kind = "condition"; // a -> b | c | d -> e -> f
    g.edges = g.edges.map((e) => (e.from === "c" ? { ...e, port: "true" } : e));
    g.nodes[5].options = { runIf: "always" };
    expect(planOf(g).chains).toEqual([
      [0, 1],
      [3, 4],
    ]);
    g.nodes[4].options = { runIf: "success" };
    expect(planOf(g).chains).toEqual([
      [0, 1],
      [3, 4],
    ]);
    g.edges.push({ from: "a", to: "e" }); // a now has two consumers, e two producers
    expect(planOf(g).chains).toEqual([]);
  });
});

describe("planOf refuses what it cannot plan", () => {
  it("names every cycle", () => {
    const g = linear(["a", "b", "c"]);
    g.edges.push({ from: "c", to: "a" });
    expect(() => planOf(g)).toThrow(GraphValidationError);
    expect(() => planOf(g)).toThrow("cycle: a -> b -> c -> a");
  });

  it("rejects state machines", () => {
    const g: Graph = { ...linear(["a"]), kind: "fsm" };
    expect(() => planOf(g)).toThrow(PlanError);
    expect(() => planOf(g)).toThrow("cannot plan 'line': it is a state machine");
  });

  it("rejects dangling edges, duplicate names and an unknown output, all at once", () => {
    const g = linear(["a", "b", "b"], { output: "z" });
    g.edges.push({ from: "ghost", to: "a" }, { from: "a", to: "nowhere" });
    let error: unknown;
    try {
      planOf(g);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GraphValidationError);
    expect((error as GraphValidationError).issues.map((i) => i.message)).toEqual([
      "duplicate node name 'b'",
      "dependency of 'a' refers to unknown node 'ghost'",
      "dependency from 'a' goes to unknown node 'nowhere'",
      "output node 'z' does not exist",
    ]);
  });

  it("rejects negative or non-finite costs, naming the node and where the cost came from", () => {
    const g = linear(["a", "b"]);
    g.nodes[1].options = { cost: -3 };
    expect(() => planOf(g)).toThrow(
      "workflow 'line': options.cost of node 'b' is -3; costs must be finite numbers, zero or more",
    );
    g.nodes[1].options = { cost: 3 };
    expect(() => planOf(g, { timings: { a: Number.NaN } })).toThrow(
      "recorded timing of node 'a' is NaN",
    );
  });

  it("does not read timings from Object.prototype", () => {
    const plan = planOf(linear(["constructor", "toString"]), { timings: {} });
    expect(plan.cost).toEqual([1, 1]);
  });
});

describe("checkPlan", () => {
  it("returns a plan that matches, also after a cost edit", () => {
    const plan = planOf(etl());
    const edited = etl();
    edited.nodes[0].options = { cost: 100 };
    expect(checkPlan(plan, edited)).toBe(plan);
  });

  it("refuses a plan for a changed graph, naming the workflow and both hashes", () => {
    const plan = planOf(etl());
    const changed = etl();
    changed.edges.pop();
    const hash = planOf(changed).graphHash;
    expect(() => checkPlan(plan, changed)).toThrow(PlanMismatchError);
    expect(() => checkPlan(plan, changed)).toThrow(
      `plan does not match workflow 'etl': the plan was computed for graph ${plan.graphHash}, ` +
        `but the graph now hashes to ${hash}; recompute the plan`,
    );
    try {
      checkPlan(plan, changed);
    } catch (e) {
      expect(e).toMatchObject({ workflow: "etl", planHash: plan.graphHash, graphHash: hash });
    }
  });

  it("says so when the plan belongs to another workflow", () => {
    const plan = planOf(linear(["a"]));
    expect(() => checkPlan(plan, etl())).toThrow(
      "plan does not match workflow 'etl': the plan (a plan of workflow 'line') was computed",
    );
  });
});

describe("graphHash", () => {
  it("tells apart names that split the same characters differently between fields", () => {
    const graphs = [
      linear(["ab", "c"]),
      linear(["a", "bc"]),
      linear(["a:1", "b"]),
      linear(["a", "1:b"]),
      linear(["1:a", "b"]),
      linear(["a;", "b"]),
      linear(["a", ";b"]),
      linear(["ab"], { name: "l" }),
      linear(["b"], { name: "la" }),
      linear(["ab", "c"], { output: "ab" }),
      linear(["ab", "c"], { output: "c" }),
      { ...linear(["a", "b"]), edges: [{ from: "a", to: "b", port: "x" }] },
      { ...linear(["a", "b"]), edges: [{ from: "a", to: "b", param: "x" }] },
      {
        ...linear(["a", "b"]),
        nodes: [
          { name: "a", kind: "task", ports: ["x", "y"] },
          { name: "b", kind: "task" },
        ],
      },
      {
        ...linear(["a", "b"]),
        nodes: [
          { name: "a", kind: "task", ports: ["xy"] },
          { name: "b", kind: "task" },
        ],
      },
    ] as Graph[];
    const hashes = graphs.map(graphHash);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(graphHash(linear(["ab", "c"]))).toBe(hashes[0]);
  });

  it("is stable across the chunk boundary of a large graph", () => {
    const names = Array.from({ length: 5000 }, (_, i) => `node-${i}`);
    const a = linear(names);
    const b = linear(names);
    expect(graphHash(a)).toBe(graphHash(b));
    const c = linear(names.map((n, i) => (i === 4999 ? "node-x" : n)));
    expect(graphHash(c)).not.toBe(graphHash(a));
    expect(planOf(a).graphHash).toBe(graphHash(a));
  });

  it("tells apart names that differ only in an unpaired surrogate", () => {
    // Names may hold any character but '.'; UTF-8 encoding turns every lone surrogate into
    // U+FFFD, so the hashed text must not depend on that encoding alone.
    const hashes = [
      linear(["a\uD800", "b"]),
      linear(["a\uDC00", "b"]),
      linear(["a\uFFFD", "b"]),
    ].map(graphHash);
    expect(new Set(hashes).size).toBe(3);
  });
});
