/** Graphs to and from JSON and YAML text. */
import { issueField } from "../graph/issue-field.js";
import type { GraphIssue } from "../graph/errors.js";
import type { Graph } from "../graph/types.js";
import { MAX_GRAPH_ISSUES, validateGraph } from "../graph/validate.js";
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
 * Documents over 10 MB, YAML alias bombs, nesting deeper than 256 levels, duplicate keys, custom
 * tags, reserved names (`__proto__`, `constructor`, ... as node names or ports) and bytes that are
 * not UTF-8 (when `text` is given as bytes: pass the file's bytes to have them checked) are refused.
 * At most 100 problems are listed, then a count of the rest.
 *
 * Throws a {@link ParseError} listing every problem with its file, line:col and field path.
 *
 * @example
 * ```ts
 * import { parseGraph } from "weftjs";
 * const graph = parseGraph(await fs.readFile("etl.graph.yaml", "utf8"), { file: "etl.graph.yaml" });
 * ```
 */
export function parseGraph(text: string | Uint8Array, options: ParseGraphOptions = {}): Graph {
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

/**
 * Runs `validateGraph` on a graph and its sub-workflows, with each issue placed at a field path.
 * Lists at most {@link MAX_GRAPH_ISSUES} errors in all, then one line counting the rest.
 */
function collectGraphIssues(graph: Graph, at: FieldPath, out: ShapeIssue[]): void {
  let omitted = 0;
  const visit = (g: Graph, path: FieldPath): void => {
    for (const issue of validateGraph(g)) {
      if (issue.severity !== "error") continue;
      if (issue.code === "too-many-issues") {
        omitted += Number(/\d+/.exec(issue.message)?.[0] ?? 0);
        continue;
      }
      if (out.length >= MAX_GRAPH_ISSUES) {
        omitted++;
        continue;
      }
      const where = path.length ? ` (in sub-workflow '${g.name}')` : "";
      out.push({
        path: [...path, ...issueField(g, issue)],
        message: issue.message + where,
        anchor: "value",
      });
    }
    g.nodes.forEach((n, i) => {
      if (n.subgraph) visit(n.subgraph, [...path, "nodes", i, "subgraph"]);
    });
  };
  visit(graph, at);
  if (omitted > 0) {
    out.push({
      path: at,
      message: `and ${omitted} more problem${omitted === 1 ? "" : "s"} not listed`,
      anchor: "value",
    });
  }
}
