/** Mermaid diagrams: `flowchart` for DAGs, `stateDiagram-v2` for state machines. */
import { INPUT, type Graph, type GraphNode } from "../graph/types.js";
import type { NodeStatus } from "../run/types.js";
import {
  dagEdgeLabel,
  distinctEdges,
  fsmEdgeLabel,
  IdAllocator,
  kindNote,
  nodePath,
  runOverlay,
  STATUS_COLORS,
  STATUSES,
  type VizOptions,
} from "./common.js";

/** Options of {@link toMermaid}. */
export type MermaidOptions = VizOptions;

/**
 * A Mermaid diagram of the workflow: a `flowchart` for a DAG (branch edges labelled with their
 * branch or case, `any` joins as funnels with dotted inputs, the run input as a stadium, nested
 * workflows as subgraphs, stream nodes as flags with thick edges to their readers) or a `stateDiagram-v2` for a state machine (`[*]` to the initial state,
 * terminal and stopping states to `[*]`, transitions labelled with their event and guard). With
 * `run`, nodes are coloured by status and show their time and a short result.
 *
 * @example
 * ```ts
 * import { toMermaid } from "weftjs";
 * const run = await etl.run(input);
 * console.log(toMermaid(etl.graph, { run: run.toJSON(), direction: "LR" }));
 * ```
 */
export function toMermaid(graph: Graph, options: MermaidOptions = {}): string {
  return graph.kind === "fsm" ? fsmMermaid(graph, options) : dagMermaid(graph, options);
}

/**
 * Text made safe inside a quoted Mermaid label: characters with meaning to Mermaid or HTML become
 * numeric entity codes (`#34;`), line breaks become spaces, other control characters go.
 */
export function escapeMermaid(text: string): string {
  return text.replace(/[#"<>&`\u0000-\u001f\u2028\u2029]/g, entity);
}

/** Like {@link escapeMermaid}, for unquoted text (state diagram transitions and notes). */
export function escapeMermaidText(text: string): string {
  return text.replace(/[#"<>&`:;\u0000-\u001f\u2028\u2029]/g, entity);
}

function entity(c: string): string {
  if (/[\n\r\t\u2028\u2029]/.test(c)) return " ";
  return c < " " ? "" : `#${c.charCodeAt(0)};`;
}

/** Collects node ids per run status, to emit `class` lines at the end. */
class StatusClasses {
  private readonly byStatus = new Map<NodeStatus, string[]>();
  add(status: NodeStatus, id: string): void {
    const list = this.byStatus.get(status);
    if (list) list.push(id);
    else this.byStatus.set(status, [id]);
  }
  emit(lines: string[]): void {
    for (const status of STATUSES) {
      const ids = this.byStatus.get(status);
      if (!ids) continue;
      const c = STATUS_COLORS[status];
      lines.push(`  classDef ${status} fill:${c.fill},stroke:${c.stroke},color:${c.text}`);
      lines.push(`  class ${ids.join(",")} ${status}`);
    }
  }
}

function label(parts: string[]): string {
  return `"${parts.map(escapeMermaid).join("<br/>")}"`;
}

function shape(node: GraphNode, text: string): string {
  switch (node.kind) {
    case "condition":
      return `{${text}}`;
    case "select":
      return `{{${text}}}`;
    case "any":
      return `[\\${text}/]`;
    case "map":
      return `[/${text}/]`;
    case "sub":
      return `[[${text}]]`;
    case "wait":
      return `([${text}])`;
    case "stream":
      return `>${text}]`;
    default:
      return `[${text}]`;
  }
}

function dagMermaid(graph: Graph, options: MermaidOptions): string {
  const dir = options.direction ?? "TD";
  const lines = [`flowchart ${dir}`];
  const ids = new IdAllocator([INPUT]);
  const classes = new StatusClasses();
  const overlay = runOverlay(options.run);
  // Returns the edge lines of `g`, its own first and then those inside its sub-workflows.
  const emit = (
    g: Graph,
    scope: string | undefined,
    scopeId: string | undefined,
    indent: string,
  ): string[] => {
    const edges: string[] = [];
    const inner: string[] = [];
    const idOf = new Map<string, string>();
    const byName = new Map<string, GraphNode>();
    const inputId = scopeId ? ids.take(INPUT, scopeId) : INPUT;
    if (g.edges.some((e) => e.from === INPUT)) lines.push(`${indent}${inputId}(["${INPUT}"])`);
    for (const node of g.nodes) {
      const id = ids.take(node.name, scopeId);
      idOf.set(node.name, id);
      byName.set(node.name, node);
      const path = nodePath(scope, node.name);
      const mark = overlay(path);
      if (mark) classes.add(mark.status, id);
      const note = kindNote(node);
      const parts = [node.name, ...(note ? [note] : []), ...(mark?.lines ?? [])];
      if (node.kind === "sub" && node.subgraph) {
        lines.push(`${indent}subgraph ${id}[${label(parts)}]`);
        lines.push(`${indent}  direction ${dir}`);
        inner.push(...emit(node.subgraph, path, id, `${indent}  `));
        lines.push(`${indent}end`);
      } else {
        lines.push(`${indent}${id}${shape(node, label(parts))}`);
      }
    }
    const drawn = distinctEdges(
      g.edges.map((e) => ({
        from: e.from === INPUT ? inputId : (idOf.get(e.from) ?? ids.take(e.from, scopeId)),
        to: idOf.get(e.to) ?? ids.take(e.to, scopeId),
        label: dagEdgeLabel(e, byName.get(e.from)),
        dotted: byName.get(e.to)?.kind === "any",
        // Items flow along a stream's edges while it runs: drawn thick.
        thick: byName.get(e.from)?.kind === "stream",
      })),
    );
    for (const e of drawn) {
      const arrow = e.thick ? "==>" : e.dotted ? "-.->" : "-->";
      edges.push(
        `  ${e.from} ${arrow}${e.label !== undefined ? `|${label([e.label])}|` : ""} ${e.to}`,
      );
    }
    return [...edges, ...inner];
  };

  lines.push(...emit(graph, undefined, undefined, "  "));
  classes.emit(lines);
  return `${lines.join("\n")}\n`;
}

function fsmMermaid(graph: Graph, options: MermaidOptions): string {
  const lines = ["stateDiagram-v2"];
  lines.push(`  direction ${options.direction ?? "LR"}`);
  const ids = new IdAllocator();
  const idOf = new Map<string, string>();
  const classes = new StatusClasses();
  const overlay = runOverlay(options.run);
  const notes: string[] = [];
  for (const node of graph.nodes) {
    const id = ids.take(node.name);
    idOf.set(node.name, id);
    if (id !== node.name) lines.push(`  state ${label([node.name])} as ${id}`);
    const mark = overlay(node.name);
    if (mark) {
      classes.add(mark.status, id);
      for (const line of mark.lines) notes.push(`  ${id} : ${escapeMermaidText(line)}`);
    }
  }
  const idFor = (name: string): string => idOf.get(name) ?? ids.take(name);
  const fsm = graph.fsm;
  if (fsm && idOf.has(fsm.initial)) lines.push(`  [*] --> ${idFor(fsm.initial)}`);
  const drawn = distinctEdges(
    graph.edges.map((e) => ({ from: idFor(e.from), to: idFor(e.to), label: fsmEdgeLabel(e) })),
  );
  for (const e of drawn) {
    lines.push(
      `  ${e.from} --> ${e.to}${e.label !== undefined ? ` : ${escapeMermaidText(e.label)}` : ""}`,
    );
  }
  const terminal = new Set(fsm?.terminal ?? []);
  for (const node of graph.nodes) {
    if (terminal.has(node.name)) lines.push(`  ${idFor(node.name)} --> [*]`);
    else if (node.canStop) lines.push(`  ${idFor(node.name)} --> [*] : stop`);
  }
  lines.push(...notes);
  classes.emit(lines);
  return `${lines.join("\n")}\n`;
}
