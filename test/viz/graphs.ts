/** Small graphs for the diagram tests. */
import type { Graph, RunRecord } from "../../src/index.js";

export const small: Graph = {
  version: 1,
  kind: "dag",
  name: "small",
  nodes: [
    { name: "load", kind: "task", type: "Row[]" },
    { name: "big", kind: "condition", ports: ["true", "false"] },
    { name: "batch", kind: "task" },
    { name: "inline", kind: "task" },
    { name: "loaded", kind: "any" },
  ],
  edges: [
    { from: "input", port: "path", to: "load", param: "path" },
    { from: "load", to: "big", param: "rows" },
    { from: "load", to: "big", param: "again" },
    { from: "big", port: "true", to: "batch", param: "rows" },
    { from: "big", port: "false", to: "inline", param: "rows" },
    { from: "batch", to: "loaded", param: "r", index: 0 },
    { from: "inline", to: "loaded", param: "r", index: 1 },
  ],
};

export const smallRun: RunRecord = {
  runId: "r1",
  workflow: "small",
  status: "failed",
  nodes: {
    load: { status: "completed", startMs: 0, endMs: 1234.5, ms: 1234.5, result: "x".repeat(100) },
    big: { status: "failed", startMs: 1234.5, endMs: 1240, ms: 5.5, error: 'boom "quoted" <b>' },
    batch: { status: "skipped", skipReason: "upstream failed" },
    inline: { status: "running", startMs: 1240 },
  },
  metrics: {
    totalMs: 1300,
    nodeMs: { load: 1234.5, big: 5.5 },
    executed: 2,
    skipped: 1,
    failed: 1,
    order: ["load", "big"],
  },
  errors: [{ node: "big", message: 'boom "quoted" <b>' }],
};

/** Names that need escaping or sanitizing in every output format. */
export const oddNames = [
  'say "hi"',
  "end",
  "a#b<c>&d",
  "two\nlines",
  "é",
  "n_",
  "n",
  "1st",
  "A|B",
  "`tick`",
  "</script>",
  "subgraph",
];

export const odd: Graph = {
  version: 1,
  kind: "dag",
  name: 'odd "graph" </script>',
  nodes: oddNames.map((name) => ({ name, kind: "task", type: `T<${name}>` })),
  edges: oddNames.slice(1).map((name, i) => ({ from: oddNames[i], to: name })),
};

/** A layered DAG of `n` nodes: each node reads the two before it. */
export function wide(n: number): Graph {
  const nodes: Graph["nodes"] = [];
  const edges: Graph["edges"] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      name: `n${i}`,
      kind: i % 10 === 5 ? "condition" : "task",
      ...(i % 10 === 5 ? { ports: ["true", "false"] } : {}),
    });
    if (i === 0) edges.push({ from: "input", to: "n0" });
    if (i >= 1)
      edges.push({
        from: `n${i - 1}`,
        to: `n${i}`,
        param: "a",
        ...(i % 10 === 6 ? { port: "true" } : {}),
      });
    if (i >= 2 && i % 10 !== 6)
      edges.push({
        from: `n${i - 2}`,
        to: `n${i}`,
        param: "b",
        ...((i - 2) % 10 === 5 ? { port: "false" } : {}),
      });
  }
  return { version: 1, kind: "dag", name: `wide${n}`, nodes, edges };
}
