import type { GraphIndex } from "../graph/analysis.js";

/**
 * The level of each node: the number of edges on the longest path from a source to it. One pass
 * in topological order, O(V + E).
 */
export function levelsOf(idx: GraphIndex, order: readonly number[]): Int32Array {
  const level = new Int32Array(order.length);
  for (const v of order) {
    let l = 0;
    for (const p of idx.preds[v]) if (level[p] + 1 > l) l = level[p] + 1;
    level[v] = l;
  }
  return level;
}

/** The nodes of each level, each list in `order` order. */
export function groupByLevel(level: ArrayLike<number>, order: readonly number[]): number[][] {
  const levels: number[][] = [];
  for (const v of order) {
    const l = level[v];
    while (levels.length <= l) levels.push([]);
    levels[l].push(v);
  }
  return levels;
}
