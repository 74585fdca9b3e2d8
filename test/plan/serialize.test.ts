import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/graph/types.js";
import { PlanFormatError, parsePlan, planOf, serializePlan } from "../../src/plan/index.js";

const graph: Graph = {
  version: 1,
  kind: "dag",
  name: "trio",
  nodes: [
    { name: "a", kind: "task" },
    { name: "b", kind: "task", options: { cost: 2.5 } },
    { name: "c", kind: "task" },
  ],
  edges: [
    { from: "a", to: "b" },
    { from: "b", to: "c" },
    { from: "a", to: "c" },
  ],
};

const plan = planOf(graph, { reduction: true });

/** The plan as JSON with one field replaced (or removed, for `undefined`). */
function withField(field: string, value: unknown): string {
  return JSON.stringify({ ...plan, [field]: value });
}

function parseError(text: string): string {
  try {
    parsePlan(text);
  } catch (e) {
    expect(e).toBeInstanceOf(PlanFormatError);
    return (e as Error).message;
  }
  throw new Error("parsePlan accepted the text");
}

describe("serializePlan", () => {
  it("writes one field per line, in a fixed order", () => {
    expect(serializePlan(plan)).toBe(
      [
        "{",
        '  "version": 1,',
        '  "workflow": "trio",',
        `  "graphHash": "${plan.graphHash}",`,
        '  "nodes": ["a","b","c"],',
        '  "order": [0,1,2],',
        '  "level": [0,1,2],',
        '  "levels": [[0],[1],[2]],',
        '  "cost": [1,2.5,1],',
        '  "priority": [4.5,3.5,1],',
        '  "chains": [],',
        '  "chainOf": [-1,-1,-1],',
        '  "lastConsumer": [2,2,-2],',
        '  "consumers": [2,1,0],',
        '  "output": 2,',
        '  "criticalPath": {"nodes":["a","b","c"],"cost":4.5},',
        '  "transitiveReduction": [["a","b"],["b","c"]]',
        "}",
        "",
      ].join("\n"),
    );
  });

  it("leaves out a reduction that was not computed, and reads the plan back", () => {
    const plain = planOf(graph);
    const text = serializePlan(plain);
    expect(text).not.toContain("transitiveReduction");
    expect(parsePlan(text)).toEqual(plain);
  });
});

describe("parsePlan", () => {
  it("round-trips a plan", () => {
    expect(parsePlan(serializePlan(plan))).toEqual(plan);
  });

  it("reports text that is not JSON", () => {
    expect(parseError("{ nope")).toMatch(/^plan is not valid JSON: /);
  });

  it("reports a value that is not an object", () => {
    expect(parseError("[1, 2]")).toBe("invalid plan: a plan is a JSON object, got [1,2]");
  });

  it("reports missing, unknown and unsupported fields, naming the workflow", () => {
    expect(parseError(withField("order", undefined))).toBe(
      "invalid plan of workflow 'trio': missing field 'order'",
    );
    expect(parseError(withField("extra", 1))).toBe(
      "invalid plan of workflow 'trio': unknown field 'extra'",
    );
    expect(parseError(withField("version", 2))).toBe(
      "invalid plan of workflow 'trio': plan format version 2 is not supported (expected 1)",
    );
  });

  it("reports per-node arrays of the wrong length or with bad items", () => {
    expect(parseError(withField("priority", [1, 2]))).toBe(
      "invalid plan of workflow 'trio': field 'priority' has 2 items, expected one per node (3)",
    );
    expect(parseError(withField("order", [0, 1, 7]))).toBe(
      "invalid plan of workflow 'trio': order[2] must be a node index (the plan has 3 nodes), got 7",
    );
    expect(parseError(withField("order", [0, 1, 1]))).toBe(
      "invalid plan of workflow 'trio': field 'order' lists node 1 ('b') twice (item 2)",
    );
    expect(parseError(withField("cost", [1, -1, 1]))).toBe(
      "invalid plan of workflow 'trio': cost[1] is -1; costs are zero or more",
    );
    expect(parseError(withField("priority", [1, "2", 1]))).toBe(
      "invalid plan of workflow 'trio': priority[1] must be a finite number, got \"2\"",
    );
    expect(parseError(withField("lastConsumer", [2, 2, -3]))).toBe(
      "invalid plan of workflow 'trio': lastConsumer[2] must be an integer from -2 to 2, got -3",
    );
  });

  it("reports inconsistent levels and chains", () => {
    expect(parseError(withField("levels", [[0], [2], [1]]))).toBe(
      "invalid plan of workflow 'trio': levels[1][0] is node 2 ('c'), whose level is 2",
    );
    expect(parseError(withField("levels", [[0], [1]]))).toBe(
      "invalid plan of workflow 'trio': field 'levels' lists 2 nodes, expected 3",
    );
    expect(parseError(withField("chains", [[0]]))).toBe(
      "invalid plan of workflow 'trio': chains[0] has 1 node(s); chains have two or more",
    );
    expect(parseError(withField("chains", [[0, 1]]))).toBe(
      "invalid plan of workflow 'trio': chains[0][0] is node 0 ('a'), but chainOf[0] is -1",
    );
    expect(parseError(withField("chainOf", [0, -1, -1]))).toBe(
      "invalid plan of workflow 'trio': chainOf[0] must be -1 (no chain) or the index of one of the 0 chains, got 0",
    );
  });

  it("reports unknown node names and duplicate names", () => {
    expect(parseError(withField("criticalPath", { nodes: ["a", "zz"], cost: 1 }))).toBe(
      "invalid plan of workflow 'trio': criticalPath.nodes[1] is 'zz', which is not one of the plan's nodes",
    );
    expect(parseError(withField("transitiveReduction", [["a"]]))).toBe(
      "invalid plan of workflow 'trio': transitiveReduction[0] must be a [from, to] pair of node names",
    );
    expect(parseError(withField("nodes", ["a", "b", "a"]))).toBe(
      "invalid plan of workflow 'trio': field 'nodes' lists 'a' twice (items 0 and 2)",
    );
  });
});
