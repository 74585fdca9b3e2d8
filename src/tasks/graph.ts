/** The graph IR of a task workflow: tasks become nodes, `depends_on` becomes edges. */
import type { Graph, GraphEdge, GraphNode, NodeOptionsData } from "../graph/types.js";
import type { MatrixValue, TaskNode, TaskSpec, TaskWorkflow } from "./types.js";

/**
 * Builds the graph: a node per task, named as the task. A task with a matrix becomes one node
 * per combination (`name[0]`, `name[1]`, … in matrix order) plus a join node named as the task,
 * so `depends_on: [name]` and `{{ name.failed }}` see the whole matrix. Each dependency is an
 * edge into argument `dep` of the dependent. Retries, timeouts and `run_always`/`condition`
 * (as `runIf: "always"`) are recorded as node options so plans and diagrams show them.
 */
export function buildTaskGraph(
  wf: Omit<TaskWorkflow, "graph" | "nodes">,
  file: string | undefined,
): { graph: Graph; nodes: Map<string, TaskNode> } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const map = new Map<string, TaskNode>();
  for (const t of wf.tasks) {
    const options = optionsOf(t);
    const doc = t.description ?? commandText(t);
    const depEdges = (to: string): void => {
      for (const d of t.dependsOn) edges.push({ from: d, to, param: d });
    };
    if (!t.matrix) {
      nodes.push({ name: t.name, kind: "task", options, doc, source: t.source });
      depEdges(t.name);
      map.set(t.name, { kind: "task", task: t });
      continue;
    }
    const combos = matrixCombinations(t.matrix);
    const instances = combos.map((_, i) => `${t.name}[${i}]`);
    combos.forEach((m, i) => {
      const name = instances[i];
      const values = Object.entries(m)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(", ");
      nodes.push({ name, kind: "task", options, doc: `${doc} (${values})`, source: t.source });
      depEdges(name);
      map.set(name, { kind: "instance", task: t, index: i, matrix: m });
    });
    nodes.push({
      name: t.name,
      kind: "task",
      options: { runIf: "always" },
      doc: `matrix of ${combos.length}: ${Object.keys(t.matrix).join(" × ")}`,
      source: t.source,
    });
    for (const inst of instances) edges.push({ from: inst, to: t.name, param: inst });
    map.set(t.name, { kind: "join", task: t, instances });
  }
  const graph: Graph = {
    version: 1,
    kind: "dag",
    name: wf.name,
    nodes,
    edges,
    source: { file: file ?? "workflow.yaml", line: 1, column: 1 },
    ...(wf.description ? { doc: wf.description } : {}),
  };
  return { graph, nodes: map };
}

function optionsOf(t: TaskSpec): NodeOptionsData | undefined {
  const o: NodeOptionsData = {};
  if (t.retries > 0) {
    o.retry = {
      attempts: t.retries + 1,
      delayMs: t.retryDelayMs,
      ...(t.retryBackoff === "exponential" ? { backoff: 2 } : {}),
    };
  }
  if (t.timeoutMs !== undefined) o.timeoutMs = t.timeoutMs;
  if (t.runAlways || t.condition) o.runIf = "always";
  return Object.keys(o).length > 0 ? o : undefined;
}

/** What a task runs, as text (for diagrams and the dry run). */
export function commandText(t: TaskSpec): string {
  return t.run ? t.run.source : `script ${t.scriptText ?? ""}`;
}

/**
 * Every combination of a matrix, the first axis varying slowest.
 *
 * @example
 * ```ts
 * matrixCombinations({ os: ["a", "b"], n: [1, 2] });
 * // [{ os: "a", n: 1 }, { os: "a", n: 2 }, { os: "b", n: 1 }, { os: "b", n: 2 }]
 * ```
 */
export function matrixCombinations(
  matrix: Record<string, MatrixValue[]>,
): Record<string, MatrixValue>[] {
  let out: Record<string, MatrixValue>[] = [{}];
  for (const [axis, values] of Object.entries(matrix)) {
    const next: Record<string, MatrixValue>[] = [];
    for (const base of out) for (const v of values) next.push({ ...base, [axis]: v });
    out = next;
  }
  return out;
}
