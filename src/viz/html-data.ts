/** The data the HTML page's inspector and timeline show, computed from the graph and a run. */
import { INPUT, type Graph, type GraphNode } from "../graph/types.js";
import type { InFlightRunRecord, RunRecord } from "../run/types.js";
import { dagEdgeLabel, fsmEdgeLabel, nodePath } from "./common.js";

/** One line of a node's inputs or outputs. */
export interface EdgeInfo {
  /** The node at the other end (its path). */
  node: string;
  /** `load.rows -> rows: Row[]`-style text. */
  text: string;
}

/** What the inspector shows for one node. */
export interface NodeInfo {
  name: string;
  path: string;
  kind: string;
  type?: string;
  doc?: string;
  source?: string;
  fn?: string;
  options?: string;
  inputs: EdgeInfo[];
  outputs: EdgeInfo[];
  run?: {
    status: string;
    ms?: number;
    startMs?: number;
    endMs?: number;
    attempts?: number;
    result?: string;
    error?: string;
    skipReason?: string;
  };
}

/** One timeline bar. */
export interface TimelineBar {
  path: string;
  status: string;
  startMs: number;
  endMs: number;
}

/** Everything the page needs besides the SVG. */
export interface PageData {
  workflow: string;
  kind: string;
  nodes: Record<string, NodeInfo>;
  timeline: TimelineBar[];
  totalMs: number;
}

const MAX_PREVIEW = 4000;

/** Pretty JSON of a value for the inspector, with Map/Set/bigint/undefined shown readably. */
export function previewValue(value: unknown): string {
  let text: string;
  try {
    text =
      JSON.stringify(
        value,
        (_k, v: unknown) => {
          if (typeof v === "bigint") return `${v}n`;
          if (v === undefined) return "undefined";
          if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
          if (typeof v === "number" && !Number.isFinite(v)) return String(v);
          if (v instanceof Map) return { "[Map]": [...v] };
          if (v instanceof Set) return { "[Set]": [...v] };
          return v;
        },
        2,
      ) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > MAX_PREVIEW
    ? `${text.slice(0, MAX_PREVIEW)}\n… (${text.length} characters)`
    : text;
}

/** Builds the page data for a graph (and its sub-workflows) and an optional run. */
export function pageData(graph: Graph, run: RunRecord | InFlightRunRecord | undefined): PageData {
  const nodes: Record<string, NodeInfo> = {};
  collect(graph, undefined, run, nodes);
  const timeline: TimelineBar[] = [];
  if (run) {
    for (const [path, rec] of Object.entries(run.nodes)) {
      if (rec.startMs !== undefined && rec.endMs !== undefined) {
        timeline.push({ path, status: rec.status, startMs: rec.startMs, endMs: rec.endMs });
      } else if (rec.startMs !== undefined && rec.status === "running") {
        timeline.push({
          path,
          status: rec.status,
          startMs: rec.startMs,
          endMs: run.metrics.totalMs,
        });
      }
    }
    timeline.sort(
      (a, b) => a.startMs - b.startMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
    );
  }
  const ends = timeline.map((b) => b.endMs);
  const totalMs = Math.max(run?.metrics.totalMs ?? 0, ...ends, 0);
  return { workflow: graph.name, kind: graph.kind, nodes, timeline, totalMs };
}

function collect(
  graph: Graph,
  scope: string | undefined,
  run: RunRecord | InFlightRunRecord | undefined,
  out: Record<string, NodeInfo>,
): void {
  const fsm = graph.kind === "fsm";
  const byName = new Map<string, GraphNode>(graph.nodes.map((n) => [n.name, n]));
  const inputPath = scope ?? INPUT;
  const ref = (node: string, port?: string): string => {
    const base = node === INPUT ? (scope ? `${scope} input` : INPUT) : node;
    return port === undefined ? base : `${base}.${port}`;
  };
  const path = (name: string): string =>
    name === INPUT && !fsm ? inputPath : nodePath(scope, name);
  const inputs = new Map<string, EdgeInfo[]>();
  const outputs = new Map<string, EdgeInfo[]>();
  const push = (m: Map<string, EdgeInfo[]>, k: string, v: EdgeInfo): void => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const e of graph.edges) {
    if (fsm) {
      const label = fsmEdgeLabel(e);
      push(inputs, e.to, { node: path(e.from), text: `${e.from}${label ? ` (${label})` : ""}` });
      push(outputs, e.from, { node: path(e.to), text: `${e.to}${label ? ` (${label})` : ""}` });
      continue;
    }
    const branch = dagEdgeLabel(e, byName.get(e.from));
    const into = e.param === undefined ? "whole input" : e.param;
    const index = e.index !== undefined ? ` [any #${e.index}]` : "";
    const type = e.type ? `: ${e.type}` : "";
    push(inputs, e.to, {
      node: path(e.from),
      text: `${ref(e.from, e.port)} -> ${into}${type}${index}`,
    });
    push(outputs, e.from, {
      node: path(e.to),
      text: `${e.port !== undefined ? `.${e.port} ` : ""}-> ${e.to}.${into}${branch ? ` (on ${branch})` : ""}`,
    });
  }
  if (!fsm && !scope && (outputs.has(INPUT) || graph.input)) {
    out[INPUT] = {
      name: INPUT,
      path: INPUT,
      kind: "input",
      ...(graph.input?.type ? { type: graph.input.type } : {}),
      ...(graph.input?.schema !== undefined
        ? { options: previewValue({ schema: graph.input.schema }) }
        : {}),
      inputs: [],
      outputs: outputs.get(INPUT) ?? [],
    };
  }
  for (const node of graph.nodes) {
    const p = nodePath(scope, node.name);
    const info: NodeInfo = {
      name: node.name,
      path: p,
      kind: node.kind,
      inputs: inputs.get(node.name) ?? [],
      outputs: outputs.get(node.name) ?? [],
    };
    if (node.type) info.type = node.type;
    if (node.doc) info.doc = node.doc;
    if (node.source) info.source = `${node.source.file}:${node.source.line}:${node.source.column}`;
    if (node.fn && (node.fn.name || node.fn.module)) {
      const where = node.fn.module
        ? ` (${node.fn.module}${node.fn.export ? `#${node.fn.export}` : ""})`
        : "";
      info.fn = `${node.fn.name ?? node.fn.export ?? "anonymous"}${where}`;
    }
    const extra: Record<string, unknown> = { ...node.options };
    if (node.ports) extra.ports = node.ports;
    if (node.targets) extra.targets = node.targets;
    if (node.canStop !== undefined) extra.canStop = node.canStop;
    if (node.subgraph) extra.subgraph = node.subgraph.name;
    if (Object.keys(extra).length > 0) info.options = previewValue(extra);
    const rec = run?.nodes[p];
    if (rec) {
      info.run = { status: rec.status };
      if (rec.ms !== undefined) info.run.ms = rec.ms;
      if (rec.startMs !== undefined) info.run.startMs = rec.startMs;
      if (rec.endMs !== undefined) info.run.endMs = rec.endMs;
      if (rec.attempts !== undefined) info.run.attempts = rec.attempts;
      if (rec.result !== undefined) info.run.result = previewValue(rec.result);
      if (rec.error !== undefined) info.run.error = rec.error;
      if (rec.skipReason !== undefined) info.run.skipReason = rec.skipReason;
    }
    out[p] = info;
    if (node.subgraph) collect(node.subgraph, p, run, out);
  }
}
