/** Pieces shared by the diagram emitters: identifiers, labels, run overlay data. */
import type { Graph, GraphEdge, GraphNode } from "../graph/types.js";
import type { InFlightRunRecord, NodeStatus, RunRecord } from "../run/types.js";

/** Flow direction of a diagram. */
export type Direction = "TB" | "TD" | "BT" | "LR" | "RL";

/** Options shared by every emitter. */
export interface VizOptions {
  /** A run to overlay: status colours, time and a short result per node. */
  run?: RunRecord | InFlightRunRecord;
  /** Layout direction; top to bottom for DAGs and left to right for state machines by default. */
  direction?: Direction;
}

// Words the Mermaid and DOT grammars treat specially; never used bare as identifiers.
const RESERVED = new Set([
  "end",
  "graph",
  "subgraph",
  "flowchart",
  "digraph",
  "node",
  "edge",
  "strict",
  "style",
  "classdef",
  "class",
  "click",
  "linkstyle",
  "direction",
  "default",
  "state",
  "note",
  "as",
  "call",
  "href",
]);
const SAFE = /^[A-Za-z][A-Za-z0-9_]{0,40}$/;

/**
 * Hands out diagram identifiers: a node's own name when it is a plain word, else a sanitized
 * form, made unique with a numeric suffix. Deterministic: the same graph gives the same ids.
 */
export class IdAllocator {
  private readonly used = new Set<string>();
  private readonly next = new Map<string, number>();

  constructor(reserved: readonly string[] = []) {
    for (const r of reserved) this.used.add(r);
  }

  /** A fresh id for `name`, prefixed by `scope` (the id of an enclosing sub-workflow). */
  take(name: string, scope?: string): string {
    let base = SAFE.test(name) && !RESERVED.has(name.toLowerCase()) ? name : sanitize(name);
    if (scope) base = `${scope}__${base}`;
    let id = base;
    if (this.used.has(id)) {
      let k = this.next.get(base) ?? 2;
      while (this.used.has(`${base}_${k}`)) k++;
      id = `${base}_${k}`;
      this.next.set(base, k + 1);
    }
    this.used.add(id);
    return id;
  }
}

function sanitize(name: string): string {
  const word = name
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 24);
  return word ? `n_${word}` : "n";
}

/** The node's path as used by run records and the HTML page: `"nested.read"` inside `nested`. */
export function nodePath(scope: string | undefined, name: string): string {
  return scope ? `${scope}.${name}` : name;
}

/** Compact text of a value for a label, at most `max` characters. */
export function shortValue(value: unknown, max = 40): string {
  let text: string;
  try {
    text =
      typeof value === "string"
        ? JSON.stringify(value)
        : typeof value === "bigint"
          ? `${value}n`
          : value instanceof Map
            ? `Map(${value.size})`
            : value instanceof Set
              ? `Set(${value.size})`
              : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return truncate(text, max);
}

/** `text` cut to at most `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a run says about one node, for labels. */
export interface RunMark {
  status: NodeStatus;
  /** Extra label lines: time, visits, short result or error. */
  lines: string[];
}

/**
 * The overlay of a run: a lookup from node path to its mark. Visit counts (state machines) are
 * counted once here, so marking every node stays linear.
 */
export function runOverlay(
  run: RunRecord | InFlightRunRecord | undefined,
): (path: string) => RunMark | undefined {
  if (!run) return () => undefined;
  const visits = new Map<string, number>();
  for (const s of run.history ?? []) visits.set(s, (visits.get(s) ?? 0) + 1);
  return (path) => {
    const rec = Object.prototype.hasOwnProperty.call(run.nodes, path) ? run.nodes[path] : undefined;
    if (!rec) return undefined;
    const lines: string[] = [];
    const count = visits.get(path) ?? 0;
    const time = rec.ms !== undefined ? `${formatMs(rec.ms)} ms` : "";
    if (count > 1) lines.push(`${count} visits${time ? `, ${time}` : ""}`);
    else if (time) lines.push(time);
    if (rec.status === "failed" && rec.error) lines.push(`error: ${truncate(rec.error, 40)}`);
    else if (rec.result !== undefined) lines.push(`= ${shortValue(rec.result)}`);
    return { status: rec.status, lines };
  };
}

function formatMs(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : String(Math.round(ms * 10) / 10);
}

/** Fill, border and text colours per node status, shared by every emitter. */
export const STATUS_COLORS: Record<NodeStatus, { fill: string; stroke: string; text: string }> = {
  completed: { fill: "#dcfce7", stroke: "#16a34a", text: "#14532d" },
  failed: { fill: "#fee2e2", stroke: "#dc2626", text: "#7f1d1d" },
  skipped: { fill: "#f3f4f6", stroke: "#9ca3af", text: "#6b7280" },
  running: { fill: "#dbeafe", stroke: "#2563eb", text: "#1e3a8a" },
  pending: { fill: "#ffffff", stroke: "#d1d5db", text: "#6b7280" },
  waiting: { fill: "#fef3c7", stroke: "#d97706", text: "#78350f" },
};

/** Statuses in the order their styles are declared. */
export const STATUSES: readonly NodeStatus[] = [
  "completed",
  "failed",
  "skipped",
  "running",
  "pending",
  "waiting",
];

/** The label of a DAG edge: the branch or case it is taken on, for conditions and selects. */
export function dagEdgeLabel(edge: GraphEdge, source: GraphNode | undefined): string | undefined {
  if (!source || edge.port === undefined) return undefined;
  if (source.kind === "condition" || source.kind === "select") return edge.port.split(".")[0];
  return undefined;
}

/** The label of an FSM transition: `EVENT [guard] / action`, with `*` for wildcard sources. */
export function fsmEdgeLabel(edge: GraphEdge): string | undefined {
  const parts: string[] = [];
  if (edge.wildcard) parts.push("*");
  if (edge.event !== undefined) parts.push(edge.event);
  if (edge.guard) parts.push("[guard]");
  if (edge.action) parts.push("/ action");
  return parts.length ? parts.join(" ") : undefined;
}

/**
 * The edges worth drawing: one per distinct (from, to, label), so a node that reads two fields of
 * the same upstream node gets one arrow.
 */
export function distinctEdges<T extends { from: string; to: string; label?: string }>(
  edges: T[],
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const e of edges) {
    const key = `${e.from}\u0000${e.to}\u0000${e.label ?? ""}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(e);
    }
  }
  return out;
}

/** A kind's short description shown under the name of non-task nodes. */
export function kindNote(node: GraphNode): string | undefined {
  switch (node.kind) {
    case "any":
      return "any";
    case "map":
      return node.options?.concurrency ? `map ×${node.options.concurrency}` : "map";
    case "stream":
      return node.options?.buffer ? `stream, buffer ${node.options.buffer}` : "stream";
    case "wait":
      return node.wait?.for === "sleep"
        ? `sleep ${node.wait.ms} ms`
        : node.options?.timeoutMs !== undefined
          ? `wait ≤ ${node.options.timeoutMs} ms`
          : "wait";
    default:
      return undefined;
  }
}

/** The node a DAG's edges leave from, when the DAG is drawn inside a sub-workflow box. */
export function outputNode(graph: Graph): string | undefined {
  return graph.output ?? graph.nodes[graph.nodes.length - 1]?.name;
}
