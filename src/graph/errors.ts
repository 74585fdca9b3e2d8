/** One problem found in a graph. `nodes` names every node involved (a cycle lists the cycle). */
export interface GraphIssue {
  code:
    | "duplicate-node"
    | "dangling-ref"
    | "unknown-port"
    | "cycle"
    | "invalid-name"
    | "unreachable-state"
    | "no-stop"
    | "unknown-state"
    | "missing-output"
    | "reserved-name"
    | "stream-use"
    | "too-many-issues";
  severity: "error" | "warning";
  message: string;
  nodes: string[];
  /** The field of the graph the issue is at (`["edges", 3, "port"]`), where one fits. */
  field?: (string | number)[];
}

/** Thrown when a graph fails validation; `issues` holds every problem, not just the first. */
export class GraphValidationError extends Error {
  readonly issues: GraphIssue[];
  constructor(graphName: string, issues: GraphIssue[]) {
    super(
      `workflow '${graphName}' is invalid:\n` + issues.map((i) => `  - ${i.message}`).join("\n"),
    );
    this.name = "GraphValidationError";
    this.issues = issues;
  }
}
