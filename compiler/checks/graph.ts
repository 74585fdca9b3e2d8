/**
 * Diagnostics for a graph's validity (from `validateGraph`), with fix hints: shared by checks of
 * extracted workflows and of graph files, and free of ts-morph so graph files are read without it.
 */
import type { GraphIssue } from "../../src/graph/errors.js";
import type { Graph, SourceLocation } from "../../src/graph/types.js";
import { validateGraph } from "../../src/graph/validate.js";
import { diagnostic, type Diagnostic, type DiagnosticCode } from "../diagnostics.js";
import { nearestName } from "../nearest-name.js";

const ISSUE_CODES: Record<GraphIssue["code"], DiagnosticCode> = {
  "dangling-ref": "WEFT001",
  "unknown-port": "WEFT002",
  cycle: "WEFT003",
  "duplicate-node": "WEFT004",
  "invalid-name": "WEFT005",
  "missing-output": "WEFT006",
  "unreachable-state": "WEFT010",
  "no-stop": "WEFT011",
  "unknown-state": "WEFT012",
  "reserved-name": "WEFT005",
  "stream-use": "WEFT013",
  "too-many-issues": "WEFT008",
};

/** Fix hints appended to graph errors. */
const HINTS: Partial<Record<GraphIssue["code"], string>> = {
  cycle: "a node can depend only on nodes added before it",
  "duplicate-node": "node names must be unique within a workflow",
  "missing-output": "name a node of the workflow in .returns()",
  "unreachable-state": "add a transition into it or remove it",
  "no-stop": "make a path from it reach a terminal state or a stop(...)",
  "stream-use": "see docs/streams.md",
};

/**
 * Diagnostics from `validateGraph` for a graph and its sub-workflows; `locate` places each issue
 * (a hand-edited graph file has no source, so its caller locates issues in the file instead).
 */
export function graphDiagnostics(
  graph: Graph,
  locate: (issue: GraphIssue, graph: Graph, at: GraphPath) => SourceLocation | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A "did you mean" costs a comparison with every node name; a few are enough to help.
  let hints = 10;
  const visit = (g: Graph, prefix: string, at: GraphPath): void => {
    for (const issue of validateGraph(g)) {
      const hint =
        issue.code === "dangling-ref"
          ? hints-- > 0
            ? danglingHint(g, issue)
            : undefined
          : HINTS[issue.code];
      const message = `${prefix}${issue.message}${hint ? `; ${hint}` : ""}`;
      out.push(diagnostic(ISSUE_CODES[issue.code], message, locate(issue, g, at), graph.name));
    }
    g.nodes.forEach((n, i) => {
      if (n.subgraph) {
        visit(n.subgraph, `${prefix}in sub-workflow '${n.subgraph.name}' of node '${n.name}': `, [
          ...at,
          "nodes",
          i,
          "subgraph",
        ]);
      }
    });
  };
  visit(graph, `workflow '${graph.name}': `, []);
  return out;
}

/** Where a (sub-)graph sits inside the root graph: `["nodes", 3, "subgraph"]`, `[]` for the root. */
export type GraphPath = readonly (string | number)[];

function danglingHint(g: Graph, issue: GraphIssue): string | undefined {
  const missing = issue.nodes[1];
  const known = g.nodes.map((n) => n.name);
  const near = nearestName(missing, known);
  return near ? `did you mean '${near}'?` : undefined;
}
