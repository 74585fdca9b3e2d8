/**
 * The emitters of `weft compile`, in one place: every output file of a workflow is made here from
 * its graph with the library's own serializers and diagram writers.
 */
import type { Graph } from "../src/graph/types.js";
import { planOf, serializePlan } from "../src/plan/index.js";
import { graphToJson, graphToYaml } from "../src/serialize/index.js";
import { toDot, toMermaid, toSvg } from "../src/viz/index.js";
import type { JsonSchema } from "./schema/types.js";

/** Kinds of output file, with the suffix each gets after the workflow's name. */
export const OUTPUT_SUFFIXES = {
  graphJson: ".graph.json",
  graphYaml: ".graph.yaml",
  plan: ".plan.json",
  mermaid: ".mmd",
  dot: ".dot",
  svg: ".svg",
  inputSchema: ".input.schema.json",
} as const;

/** One output kind. */
export type OutputKind = keyof typeof OUTPUT_SUFFIXES;

/**
 * The output files of one workflow, by kind, as text. State machines get no plan (plans order
 * DAG nodes; a machine's order is decided as it runs).
 *
 * @example
 * ```ts
 * const files = await emitWorkflow(graph, schema);
 * files.mermaid; // "flowchart TB\n..."
 * ```
 */
export async function emitWorkflow(
  graph: Graph,
  inputSchema: JsonSchema,
): Promise<Partial<Record<OutputKind, string>>> {
  const out: Partial<Record<OutputKind, string>> = {
    graphJson: graphToJson(graph),
    graphYaml: graphToYaml(graph),
    mermaid: toMermaid(graph),
    dot: toDot(graph),
    svg: await toSvg(graph),
    inputSchema: `${JSON.stringify(inputSchema, null, 2)}\n`,
  };
  if (graph.kind === "dag") out.plan = serializePlan(planOf(graph));
  return out;
}
