/** Graphs to and from JSON and YAML text. */
import { issueField } from "../graph/issue-field.js";
import type { GraphIssue } from "../graph/errors.js";
import type { Graph } from "../graph/types.js";
import { validateGraph } from "../graph/validate.js";
import { ParseError, SerializeError, type ParseIssue } from "./errors.js";
import { checkGraph } from "./graph-shape.js";
import { formatPath, type FieldPath } from "./path.js";
import { readDocument, type ReadDocument, type ReadOptions } from "./read-document.js";
import { ShapeContext, type ShapeIssue } from "./shape.js";
import { yamlLib } from "./yaml-lib.js";

/** Options of {@link parseGraph}. */
export type ParseGraphOptions = ReadOptions;

/** The graph as a clean copy in canonical key order; throws if it cannot be written faithfully. */
export function canonicalGraph(graph: Graph): Graph {
  const ctx = new ShapeContext(1);
  const copy = checkGraph(ctx, graph);
  if (!copy) {
    const issue = ctx.issues[0];
    throw new SerializeError(
      formatPath(issue.path),
      issue.message,
      `cannot serialize graph '${graph?.name}'`,
    );
  }
  return copy;
}

/**
 * The graph as JSON: two-space indentation, keys in a fixed order, a final newline. The same
 * graph always gives the same bytes.
 *
 * @example
 * ```ts
 * import { graphToJson } from "weftjs";
 * await fs.writeFile("etl.graph.json", graphToJson(etl.graph));
 * ```
 */
export function graphToJson(graph: Graph): string {
  return `${JSON.stringify(canonicalGraph(graph), null, 2)}\n`;
}

/**
 * The graph as YAML 1.2 with the same fixed key order as {@link graphToJson}; deterministic.
 *
 * @example
 * ```ts
 * import { graphToYaml } from "weftjs";
 * await fs.writeFile("etl.graph.yaml", graphToYaml(etl.graph));
 * ```
 */
export function graphToYaml(graph: Graph): string {
  return yamlLib().stringify(canonicalGraph(graph), {
    version: "1.2",
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}

/**
 * Reads a graph from JSON or YAML text and checks it strictly: the structure of every field
 * (unknown fields, wrong types and missing fields are errors), then the workflow itself (duplicate
 * names, dangling references, cycles, unknown ports, FSM reachability; sub-workflows included).
 * Documents over 10 MB, YAML alias bombs, duplicate keys and custom tags are refused.
 *
 * Throws a {@link ParseError} listing every problem with its file, line:col and field path.
 *
 * @example
 * ```ts
 * import { parseGraph } from "weftjs";
 * const graph = parseGraph(await fs.readFile("etl.graph.yaml", "utf8"), { file: "etl.graph.yaml" });
 * ```
 */
export function parseGraph(text: string, options: ParseGraphOptions = {}): Graph {
  const what = "invalid workflow graph";
  const doc = readDocument(text, options, what);
  const ctx = new ShapeContext();
  const graph = checkGraph(ctx, doc.value);
  if (!graph)
    throw new ParseError(
      what,
      ctx.issues.map((i) => locateIssue(doc, i, options.file)),
      options.file,
    );
  const issues: ShapeIssue[] = [];
  collectGraphIssues(graph, [], issues);
  if (issues.length > 0) {
    throw new ParseError(
      what,
      issues.map((i) => locateIssue(doc, i, options.file)),
      options.file,
    );
  }
  return graph;
}

/** Turns a checker issue into a located {@link ParseIssue}. */
export function locateIssue(
  doc: ReadDocument,
  issue: ShapeIssue,
  file: string | undefined,
): ParseIssue {
  const pos = doc.locate(issue.path, issue.anchor);
  return {
    path: formatPath(issue.path),
    message: issue.message,
    ...(file ? { file } : {}),
    ...pos,
  };
}

/** Runs `validateGraph` on a graph and its sub-workflows, with each issue placed at a field path. */
function collectGraphIssues(graph: Graph, at: FieldPath, out: ShapeIssue[]): void {
  for (const issue of validateGraph(graph)) {
    if (issue.severity !== "error") continue;
    const where = at.length ? ` (in sub-workflow '${graph.name}')` : "";
    out.push({
      path: [...at, ...issueField(graph, issue)],
      message: issue.message + where,
      anchor: "value",
    });
  }
  graph.nodes.forEach((n, i) => {
    if (n.subgraph) collectGraphIssues(n.subgraph, [...at, "nodes", i, "subgraph"], out);
  });
}
