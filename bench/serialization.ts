/**
 * Per-node cost of the graph tooling at 1,000 and 10,000 nodes: JSON and YAML out and back in,
 * validation, Mermaid; and loading a precompiled plan against analysing the graph at start.
 */
import {
  checkPlan,
  graphHash,
  graphToJson,
  graphToYaml,
  parseGraph,
  parsePlan,
  planOf,
  serializePlan,
  toMermaid,
  validateGraph,
  type Graph,
} from "../src/index.js";
import { fmt, ratio, type BenchContext, type Family, type Section } from "./lib/report.js";
import { timeTasks, type Task, type Timing } from "./lib/timing.js";
import { pipelineGraph } from "./workloads/graphs.js";

function tasksFor(g: Graph): [string, Task][] {
  const json = graphToJson(g);
  const yaml = graphToYaml(g);
  return [
    ["graphToJson", () => graphToJson(g)],
    ["parseGraph (JSON)", () => parseGraph(json)],
    ["graphToYaml", () => graphToYaml(g)],
    ["parseGraph (YAML)", () => parseGraph(yaml)],
    ["validateGraph", () => validateGraph(g)],
    ["toMermaid", () => toMermaid(g)],
  ];
}

export async function runSerialization(ctx: BenchContext): Promise<Section> {
  const sizes = ctx.quick ? [100, 1_000] : [1_000, 10_000];
  // YAML of 10,000 nodes takes seconds per call: one warm-up and one timed call at least, the
  // time budget adds more for the fast operations.
  const budget = {
    timeMs: ctx.quick ? 100 : 500,
    minIterations: 1,
    warmupIterations: 1,
    rounds: 1,
  };
  const rows: string[][] = [];
  const perSize = new Map<number, Map<string, Timing>>();
  for (const n of sizes) {
    ctx.log(`serialization: ${n} nodes`);
    const g = pipelineGraph(n);
    if (validateGraph(g).some((i) => i.severity === "error"))
      throw new Error("pipeline graph invalid");
    if (graphToJson(parseGraph(graphToJson(g))) !== graphToJson(g))
      throw new Error("JSON round trip differs");
    perSize.set(n, await timeTasks(tasksFor(g), budget));
  }
  for (const [name] of tasksFor(pipelineGraph(2))) {
    rows.push([
      name,
      ...sizes.map((n) => perNode(perSize.get(n)?.get(name), n)),
      ...sizes.map((n) => ms(perSize.get(n)?.get(name))),
    ]);
  }
  const big = sizes[sizes.length - 1];
  ctx.log(`serialization: plan loading at ${big} nodes`);
  const g = pipelineGraph(big);
  const text = serializePlan(planOf(g));
  const load = () => checkPlan(parsePlan(text), g);
  if (JSON.stringify(load()) !== JSON.stringify(planOf(g))) throw new Error("loaded plan differs");
  const t = await timeTasks(
    [
      ["planOf", () => planOf(g)],
      ["parsePlan + checkPlan", load],
      ["parsePlan", () => parsePlan(text)],
      ["graphHash", () => graphHash(g)],
    ],
    // A ratio: the tasks take turns, as everywhere else.
    { ...budget, rounds: 3 },
  );
  const analyse = t.get("planOf");
  const loaded = t.get("parsePlan + checkPlan");
  const speed = analyse?.ok && loaded?.ok ? analyse.medianMs / loaded.medianMs : NaN;
  const planRows = [
    [`planOf (analyse at start)`, analyse],
    [`parsePlan(serializePlan(…)) + checkPlan (load)`, loaded],
    [`  of which parsePlan`, t.get("parsePlan")],
    [`  of which graphHash (inside checkPlan)`, t.get("graphHash")],
  ] as const;
  for (const [label, timing] of planRows) {
    rows.push([
      label,
      ...sizes.map((n) => (n === big ? perNode(timing, n) : "")),
      ...sizes.map((n) => (n === big ? ms(timing) : "")),
    ]);
  }
  return {
    id: "serialization",
    title: "Serialization, validation, diagrams and plan loading",
    columns: [
      "operation",
      ...sizes.map((n) => `µs / node at ${n.toLocaleString("en-US")}`),
      ...sizes.map((n) => `ms at ${n.toLocaleString("en-US")}`),
    ],
    rows,
    notes: [
      "The graph is a long pipeline with skip links: node i reads a port of node i−1, the whole result of node i−7 and a field of the input (three edges per node).",
      `Plan loading at ${big.toLocaleString("en-US")} nodes: loading the precompiled plan (parse its text, check its shape and the graph hash) is ${Number.isFinite(speed) ? ratio(speed) : "n/a"} ${speed >= 1 ? "faster than" : "the speed of"} analysing the graph with \`planOf\`${speed >= 1 ? "" : " — loading is not faster here"}.`,
    ],
    summary: [
      [
        `plan loading at ${big.toLocaleString("en-US")} nodes: \`planOf\` ÷ (\`parsePlan\` + \`checkPlan\`)`,
        Number.isFinite(speed) ? ratio(speed) : "n/a",
        "above 1: loading a precompiled plan is faster than analysing",
      ],
      [
        `serialization at ${big.toLocaleString("en-US")} nodes, µs per node`,
        `JSON out ${perNode(perSize.get(big)?.get("graphToJson"), big)}, in ${perNode(perSize.get(big)?.get("parseGraph (JSON)"), big)}; YAML out ${perNode(perSize.get(big)?.get("graphToYaml"), big)}; validate ${perNode(perSize.get(big)?.get("validateGraph"), big)}; Mermaid ${perNode(perSize.get(big)?.get("toMermaid"), big)}`,
        "",
      ],
    ],
  };
}

function perNode(t: Timing | undefined, n: number): string {
  if (!t) return "";
  return t.ok ? fmt((t.medianMs * 1000) / n) : `error: ${t.error}`;
}

function ms(t: Timing | undefined): string {
  if (!t) return "";
  return t.ok ? fmt(t.medianMs) : "";
}

export const serialization: Family = {
  id: "serialization",
  title: "Serialization and plans",
  run: runSerialization,
};
