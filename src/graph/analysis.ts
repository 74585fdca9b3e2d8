import { INPUT, type Graph } from "./types.js";

/** Adjacency of a DAG by node index, built once and shared by analyses and the scheduler. */
export interface GraphIndex {
  names: string[];
  index: Map<string, number>;
  /** Distinct upstream node indices of each node (the input pseudo-node excluded). */
  preds: number[][];
  /** Distinct downstream node indices of each node. */
  succs: number[][];
}

/** Builds a {@link GraphIndex}. Edges from the input pseudo-node are left out. */
export function indexGraph(graph: Graph): GraphIndex {
  const names = graph.nodes.map((n) => n.name);
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  const preds: number[][] = names.map(() => []);
  const succs: number[][] = names.map(() => []);
  const n = names.length;
  const seen = new Set<number>();
  for (const e of graph.edges) {
    if (e.from === INPUT && graph.kind === "dag") continue;
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined) continue;
    const key = a * n + b;
    if (!seen.has(key)) {
      seen.add(key);
      preds[b].push(a);
      succs[a].push(b);
    }
  }
  return { names, index, preds, succs };
}

/**
 * Topological order by Kahn's algorithm; ties keep declaration order. Returns `undefined` when
 * the graph has a cycle.
 */
export function topologicalOrder(idx: GraphIndex): number[] | undefined {
  const n = idx.names.length;
  const indeg = idx.preds.map((p) => p.length);
  const order: number[] = [];
  // A min-heap would keep declaration order exactly; a FIFO of ready nodes seeded in declaration
  // order is close enough and linear.
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h];
    order.push(v);
    for (const w of idx.succs[v]) if (--indeg[w] === 0) queue.push(w);
  }
  return order.length === n ? order : undefined;
}
