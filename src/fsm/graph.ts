/** A function-return machine as graph IR: states as nodes, known transitions as edges. */
import type { Graph, GraphEdge, GraphNode } from "../graph/types.js";
import { policiesData } from "./policies.js";

/** What the graph needs to know about one state. */
export interface StateFacts {
  handler: (...args: never[]) => unknown;
  to?: readonly string[];
  doc?: string;
  policies: { retry?: unknown; timeoutMs?: unknown; hooks?: unknown };
}

/** What the graph needs to know about the machine. */
export interface MachineFacts {
  name: string;
  states: readonly string[];
  initial: string;
  terminal: string[];
  maxCycles: number;
  defaults?: { retry?: unknown; timeoutMs?: unknown; hooks?: unknown };
}

/** The graph of a function-return machine (`fsm.style: "function"`). */
export function fsmGraph(m: MachineFacts, facts: ReadonlyMap<string, StateFacts>): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const s of m.states) {
    const d = facts.get(s) as StateFacts;
    const node: GraphNode = { name: s, kind: "state" };
    const scanned = scanHandler(d.handler, m.states);
    const targets = d.to ? [...new Set(d.to)] : scanned.targets;
    if (targets) node.targets = targets;
    if (scanned.canStop !== undefined) node.canStop = scanned.canStop;
    if (d.handler.name && d.handler.name !== s) node.fn = { name: d.handler.name };
    const options = policiesData(d.policies);
    if (options) node.options = options;
    if (d.doc) node.doc = d.doc;
    nodes.push(node);
    for (const to of targets ?? []) edges.push({ from: s, to });
  }
  const graph: Graph = {
    version: 1,
    kind: "fsm",
    name: m.name,
    nodes,
    edges,
    fsm: { initial: m.initial, terminal: m.terminal, maxCycles: m.maxCycles, style: "function" },
  };
  const defaults = policiesData(m.defaults);
  if (defaults) graph.defaults = defaults;
  return graph;
}

/**
 * Reads a handler's transitions from its source text: the targets of `next("...")` calls and
 * whether it calls `stop(`. Best effort, for graphs and diagrams of machines built at run time
 * (the compiler reads them from the TypeScript source instead): targets are `undefined` unless
 * every `next(` call names a declared state literally, and `canStop` is `undefined` when nothing
 * is known.
 *
 * @example
 * ```ts
 * scanHandler(() => (Math.random() > 0.5 ? next("a") : stop()), ["a", "b"]); // { targets: ["a"], canStop: true }
 * ```
 */
export function scanHandler(
  handler: (...args: never[]) => unknown,
  states: readonly string[],
): { targets?: string[]; canStop?: boolean } {
  const src = Function.prototype.toString.call(handler);
  // `next(`, and `(0, mod.next)(` as CommonJS transpilers write an imported call.
  const calls = [...src.matchAll(/\bnext\)?\s*\(\s*(?:(["'`])([^"'`]*)\1)?/g)];
  const canStop = /\bstop\)?\s*\(/.test(src);
  if (calls.length === 0) return canStop ? { targets: [], canStop } : {};
  const declared = new Set(states);
  const targets: string[] = [];
  for (const m of calls) {
    const to = m[2];
    if (to === undefined || !declared.has(to)) return canStop ? { canStop } : {};
    if (!targets.includes(to)) targets.push(to);
  }
  return { targets, canStop };
}
