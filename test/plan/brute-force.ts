import type { Graph } from "../../src/graph/types.js";

/** Slow, obviously correct versions of the plan's analyses, for small graphs. */
export interface Oracle {
  n: number;
  index: Map<string, number>;
  /** Distinct successors / predecessors (input edges left out). */
  succs: Set<number>[];
  preds: Set<number>[];
  /** Every path of one or more nodes. */
  paths: number[][];
}

export function oracle(graph: Graph): Oracle {
  const n = graph.nodes.length;
  const index = new Map(graph.nodes.map((node, i) => [node.name, i]));
  const succs = graph.nodes.map(() => new Set<number>());
  const preds = graph.nodes.map(() => new Set<number>());
  for (const e of graph.edges) {
    if (e.from === "input") continue;
    const a = index.get(e.from) as number;
    const b = index.get(e.to) as number;
    succs[a].add(b);
    preds[b].add(a);
  }
  const paths: number[][] = [];
  const walk = (path: number[]): void => {
    paths.push(path);
    for (const s of succs[path[path.length - 1]]) walk([...path, s]);
  };
  for (let v = 0; v < n; v++) walk([v]);
  return { n, index, succs, preds, paths };
}

export function pathCost(path: number[], cost: number[]): number {
  return path.reduce((sum, v) => sum + cost[v], 0);
}

/** Longest path (in edges) ending at each node. */
export function bruteLevels(o: Oracle): number[] {
  const level = new Array<number>(o.n).fill(0);
  for (const p of o.paths) {
    const end = p[p.length - 1];
    level[end] = Math.max(level[end], p.length - 1);
  }
  return level;
}

/** Largest path cost starting at each node. */
export function brutePriorities(o: Oracle, cost: number[]): number[] {
  const priority = new Array<number>(o.n).fill(0);
  for (const p of o.paths) priority[p[0]] = Math.max(priority[p[0]], pathCost(p, cost));
  return priority;
}

/** Reachability (irreflexive) of an edge list over n nodes, as "a>b" keys. */
export function closure(n: number, edges: [number, number][]): Set<string> {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) adj[a].push(b);
  const reach = new Set<string>();
  for (let s = 0; s < n; s++) {
    const seen = new Set<number>();
    const todo = [...adj[s]];
    while (todo.length > 0) {
      const v = todo.pop() as number;
      if (seen.has(v)) continue;
      seen.add(v);
      reach.add(`${s}>${v}`);
      todo.push(...adj[v]);
    }
  }
  return reach;
}

export function distinctEdges(o: Oracle): [number, number][] {
  const edges: [number, number][] = [];
  o.succs.forEach((s, a) => s.forEach((b) => edges.push([a, b])));
  return edges;
}

export function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
