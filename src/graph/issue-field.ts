import type { GraphIssue } from "./errors.js";
import type { Graph } from "./types.js";

/**
 * The field of a graph document an issue is best shown at, relative to its graph:
 * `["edges", 3]`, `["nodes", 1, "name"]`, `["fsm", "initial"]`; `[]` when nothing fits. Readers
 * of JSON/YAML graphs turn it into a line and column.
 */
export function issueField(graph: Graph, issue: GraphIssue): (string | number)[] {
  // Issues from validateGraph know their field; the searches below serve issues made elsewhere.
  if (issue.field) return issue.field;
  const [a, b] = issue.nodes;
  switch (issue.code) {
    case "dangling-ref":
    case "unknown-port": {
      const i = graph.edges.findIndex(
        (e) => (e.from === a && e.to === b) || (e.to === a && e.from === b),
      );
      return i >= 0 ? ["edges", i] : [];
    }
    case "missing-output":
      return ["output"];
    case "unknown-state": {
      if (graph.fsm?.initial === a) return ["fsm", "initial"];
      const j = graph.fsm?.terminal.indexOf(a) ?? -1;
      return j >= 0 ? ["fsm", "terminal", j] : ["fsm"];
    }
    case "duplicate-node": {
      const i = graph.nodes.map((n) => n.name).lastIndexOf(a);
      return i >= 0 ? ["nodes", i, "name"] : [];
    }
    default: {
      const i = graph.nodes.findIndex((n) => n.name === a);
      return i >= 0 ? ["nodes", i, "name"] : [];
    }
  }
}
