import type { GraphIndex } from "../graph/analysis.js";

/**
 * The priority of each node: the largest total cost of a path from it to a sink, its own cost
 * included (a sink's priority is its cost). One pass in reverse topological order, O(V + E).
 */
export function prioritiesOf(
  idx: GraphIndex,
  order: readonly number[],
  cost: ArrayLike<number>,
): Float64Array {
  const priority = new Float64Array(order.length);
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k];
    let best = 0;
    for (const s of idx.succs[v]) if (priority[s] > best) best = priority[s];
    priority[v] = cost[v] + best;
  }
  return priority;
}

/**
 * The critical path: from the node of highest priority (the first in `order` on ties, always a
 * source) follow, at each step, the successor of highest priority until a sink. Its total cost
 * is the priority of its first node. O(V + E).
 */
export function criticalPathOf(
  idx: GraphIndex,
  order: readonly number[],
  priority: ArrayLike<number>,
): number[] {
  if (order.length === 0) return [];
  let v = order[0];
  for (const u of order) if (priority[u] > priority[v]) v = u;
  const path = [v];
  while (idx.succs[v].length > 0) {
    let next = idx.succs[v][0];
    for (const s of idx.succs[v]) if (priority[s] > priority[next]) next = s;
    path.push(next);
    v = next;
  }
  return path;
}
