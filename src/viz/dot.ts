/** Graphviz DOT for DAGs and state machines. */
import { INPUT, type Graph, type GraphNode } from "../graph/types.js";
import {
  dagEdgeLabel,
  distinctEdges,
  fsmEdgeLabel,
  IdAllocator,
  kindNote,
  nodePath,
  outputNode,
  runOverlay,
  STATUS_COLORS,
  type VizOptions,
} from "./common.js";

/** Options of {@link toDot}. */
export type DotOptions = VizOptions;

/** DOT text plus which SVG element id stands for which node path (used to tag the SVG). */
export interface DotDiagram {
  dot: string;
  /** SVG element id (`weft_<id>`) to node path (`"nested.read"`), clusters included. */
  elements: Map<string, string>;
}

const FONT = "Helvetica,Arial,sans-serif";

/**
 * The workflow as Graphviz DOT, with the same features as {@link toMermaid}: shapes per node kind,
 * labelled branch edges, dashed inputs of `any` joins, nested workflows as clusters, FSM start
 * and end markers, and an optional run overlay. Deterministic: the same input gives the same text.
 * Each node carries an `id` (`weft_<id>`) that survives into SVG.
 *
 * @example
 * ```ts
 * import { toDot } from "weftjs";
 * await fs.writeFile("etl.dot", toDot(etl.graph));   // dot -Tpng etl.dot > etl.png
 * ```
 */
export function toDot(graph: Graph, options: DotOptions = {}): string {
  return buildDot(graph, options).dot;
}

/** Quotes text as a DOT string; line breaks become centred `\n` breaks. */
export function quoteDot(text: string): string {
  const body = text
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n|\u2028|\u2029/g, "\\n")
    .replace(/[\u0000-\u001f]/g, " ");
  return `"${body}"`;
}

function attrs(list: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(list)) if (v !== undefined) parts.push(`${k}=${quoteDot(v)}`);
  return parts.length ? ` [${parts.join(", ")}]` : "";
}

function kindAttrs(node: GraphNode): Record<string, string> {
  switch (node.kind) {
    case "condition":
      return { shape: "diamond", style: "filled" };
    case "select":
      return { shape: "hexagon", style: "filled" };
    case "any":
      return { shape: "invtrapezium", style: "filled" };
    case "map":
      return { shape: "box3d", style: "filled" };
    case "sub":
      return { shape: "component", style: "filled" };
    case "state":
      return { shape: "box", style: "rounded,filled" };
    case "wait":
      return { shape: "box", style: "rounded,filled,dashed" };
    case "stream":
      return { shape: "cds", style: "filled" };
    default:
      return { shape: "box", style: "rounded,filled" };
  }
}

/** {@link toDot} plus the element map used by the SVG and HTML emitters. */
export function buildDot(graph: Graph, options: DotOptions = {}): DotDiagram {
  const fsm = graph.kind === "fsm";
  const rankdir = options.direction === "TD" ? "TB" : (options.direction ?? (fsm ? "LR" : "TB"));
  const lines = [
    `digraph ${quoteDot(graph.name)} {`,
    `  graph${attrs({ rankdir, compound: "true", fontname: FONT, fontsize: "12", nodesep: "0.3", ranksep: "0.4" })};`,
    `  node${attrs({ fontname: FONT, fontsize: "11", shape: "box", style: "rounded,filled", fillcolor: "#ffffff", color: "#4b5563", margin: "0.12,0.06" })};`,
    `  edge${attrs({ fontname: FONT, fontsize: "10", color: "#6b7280", fontcolor: "#374151" })};`,
  ];
  const elements = new Map<string, string>();
  const ids = new IdAllocator(fsm ? ["start", "stop"] : [INPUT]);
  const overlay = runOverlay(options.run);

  const nodeLine = (
    indent: string,
    id: string,
    path: string,
    node: GraphNode,
    extra: Record<string, string> = {},
  ): string => {
    const mark = overlay(path);
    const note = kindNote(node);
    const text = [node.name, ...(note ? [note] : []), ...(mark?.lines ?? [])].join("\n");
    const colours = mark
      ? {
          fillcolor: STATUS_COLORS[mark.status].fill,
          color: STATUS_COLORS[mark.status].stroke,
          fontcolor: STATUS_COLORS[mark.status].text,
        }
      : {};
    elements.set(`weft_${id}`, path);
    const cls = `weft-node kind-${node.kind}${mark ? ` status-${mark.status}` : ""}`;
    return `${indent}${quoteDot(id)}${attrs({ id: `weft_${id}`, class: cls, label: text, ...kindAttrs(node), ...colours, ...extra })};`;
  };

  if (fsm) {
    emitFsm(graph, ids, lines, nodeLine);
  } else {
    lines.push(
      ...emitDag(graph, undefined, undefined, "  ", { ids, lines, elements, nodeLine }).edges,
    );
  }
  lines.push("}");
  return { dot: `${lines.join("\n")}\n`, elements };
}

type NodeLine = (
  indent: string,
  id: string,
  path: string,
  node: GraphNode,
  extra?: Record<string, string>,
) => string;

interface DagState {
  ids: IdAllocator;
  lines: string[];
  elements: Map<string, string>;
  nodeLine: NodeLine;
}

/**
 * Emits one DAG level. `entry` is the id that stands for this level's `input` (the sub node, when
 * nested). Node lines go straight to `st.lines`; returns this level's edge lines (its own, then
 * those inside its sub-workflows) and the id of the node edges leaving this level start from.
 */
function emitDag(
  g: Graph,
  scope: string | undefined,
  entry: string | undefined,
  indent: string,
  st: DagState,
): { exit: string | undefined; edges: string[] } {
  const edges: string[] = [];
  const inner: string[] = [];
  const idOf = new Map<string, string>();
  const exitOf = new Map<string, { id: string; cluster: string }>();
  const byName = new Map<string, GraphNode>();
  const inputId = entry ?? INPUT;
  if (!entry && g.edges.some((e) => e.from === INPUT)) {
    st.elements.set(`weft_${INPUT}`, INPUT);
    st.lines.push(
      `${indent}${quoteDot(INPUT)}${attrs({ id: `weft_${INPUT}`, class: "weft-input", label: INPUT, shape: "oval", style: "dashed", color: "#6b7280" })};`,
    );
  }
  for (const node of g.nodes) {
    byName.set(node.name, node);
    const id = st.ids.take(node.name, entry);
    idOf.set(node.name, id);
    const path = nodePath(scope, node.name);
    if (node.kind === "sub" && node.subgraph) {
      const cluster = `cluster_${id}`;
      st.elements.set(`weft_${cluster}`, path);
      st.lines.push(`${indent}subgraph ${quoteDot(cluster)} {`);
      st.lines.push(
        `${indent}  graph${attrs({ id: `weft_${cluster}`, class: "weft-cluster", label: node.name, style: "rounded,dashed", color: "#9ca3af" })};`,
      );
      st.lines.push(st.nodeLine(`${indent}  `, id, path, node));
      const sub = emitDag(node.subgraph, path, id, `${indent}  `, st);
      st.lines.push(`${indent}}`);
      inner.push(...sub.edges);
      if (sub.exit) exitOf.set(node.name, { id: sub.exit, cluster });
    } else {
      st.lines.push(st.nodeLine(indent, id, path, node));
    }
  }
  const drawn = distinctEdges(
    g.edges.map((e) => {
      const exit = exitOf.get(e.from);
      return {
        from:
          e.from === INPUT ? inputId : (exit?.id ?? idOf.get(e.from) ?? st.ids.take(e.from, entry)),
        to: idOf.get(e.to) ?? st.ids.take(e.to, entry),
        label: dagEdgeLabel(e, byName.get(e.from)),
        ltail: exit?.cluster,
        dashed: byName.get(e.to)?.kind === "any",
        // Items flow along a stream's edges while it runs: drawn bold.
        bold: byName.get(e.from)?.kind === "stream",
      };
    }),
  );
  for (const e of drawn) {
    edges.push(
      `  ${quoteDot(e.from)} -> ${quoteDot(e.to)}${attrs({ label: e.label, ltail: e.ltail, style: e.bold ? "bold" : e.dashed ? "dashed" : undefined, penwidth: e.bold ? "2" : undefined })};`,
    );
  }
  edges.push(...inner);
  const out = outputNode(g);
  const exit = out === undefined ? entry : (exitOf.get(out)?.id ?? idOf.get(out));
  return { exit, edges };
}

function emitFsm(graph: Graph, ids: IdAllocator, lines: string[], nodeLine: NodeLine): void {
  const idOf = new Map<string, string>();
  const terminal = new Set(graph.fsm?.terminal ?? []);
  for (const node of graph.nodes) {
    const id = ids.take(node.name);
    idOf.set(node.name, id);
    lines.push(
      nodeLine("  ", id, node.name, node, terminal.has(node.name) ? { peripheries: "2" } : {}),
    );
  }
  const idFor = (name: string): string => idOf.get(name) ?? ids.take(name);
  const initial = graph.fsm?.initial;
  if (initial !== undefined && idOf.has(initial)) {
    lines.push(
      `  "start"${attrs({ id: "weft_start", label: "", shape: "point", width: "0.18", color: "#111827" })};`,
    );
    lines.push(`  "start" -> ${quoteDot(idFor(initial))};`);
  }
  const stoppers = graph.nodes.filter((n) => terminal.has(n.name) || n.canStop);
  if (stoppers.length > 0) {
    lines.push(
      `  "stop"${attrs({ id: "weft_stop", label: "", shape: "doublecircle", width: "0.12", style: "filled", fillcolor: "#111827", color: "#111827" })};`,
    );
  }
  for (const e of distinctEdges(
    graph.edges.map((e) => ({
      from: idFor(e.from),
      to: idFor(e.to),
      label: fsmEdgeLabel(e),
      guard: e.guard,
    })),
  )) {
    lines.push(
      `  ${quoteDot(e.from)} -> ${quoteDot(e.to)}${attrs({ label: e.label, style: e.guard ? "dashed" : undefined })};`,
    );
  }
  for (const n of stoppers) {
    lines.push(
      `  ${quoteDot(idFor(n.name))} -> "stop"${attrs({ label: terminal.has(n.name) ? undefined : "stop" })};`,
    );
  }
}
