import type { GraphIndex } from "../graph/analysis.js";
import type { Graph } from "../graph/types.js";
import { NO_NODE } from "./types.js";

/**
 * Whether a node may take part in a fused chain: an ordinary task that runs only when its inputs
 * succeeded. Conditions, selects, joins, maps and sub-workflows have their own scheduling rules,
 * and an `"always"` or `"any-failed"` node must wait for the fate of its upstream, so neither is
 * fused.
 */
export function isFusible(graph: Graph, i: number): boolean {
  const node = graph.nodes[i];
  const runIf = node.options?.runIf;
  return node.kind === "task" && (runIf === undefined || runIf === "success");
}

/** Fused linear chains and, per node, the chain it belongs to. */
export interface Chains {
  chains: number[][];
  chainOf: Int32Array;
}

/**
 * Maximal fused chains. A link `a -> b` fuses when both nodes are fusible ({@link isFusible}),
 * `b` is the only consumer of `a`, and `a` is the only producer of `b` (the run input does not
 * count as a producer). Each node then has at most one link in and one out, so the links form
 * disjoint paths; every path of two or more nodes is a chain. Chains are listed in the order of
 * their first node in `order`. O(V + E).
 */
export function chainsOf(graph: Graph, idx: GraphIndex, order: readonly number[]): Chains {
  const n = order.length;
  // linkTo[a] = b when a -> b fuses, else NO_NODE.
  const linkTo = new Int32Array(n).fill(NO_NODE);
  const linked = new Uint8Array(n); // 1 when some link ends at the node
  for (let a = 0; a < n; a++) {
    if (idx.succs[a].length !== 1 || !isFusible(graph, a)) continue;
    const b = idx.succs[a][0];
    if (idx.preds[b].length === 1 && isFusible(graph, b)) {
      linkTo[a] = b;
      linked[b] = 1;
    }
  }
  const chains: number[][] = [];
  const chainOf = new Int32Array(n).fill(NO_NODE);
  for (const head of order) {
    if (linked[head] === 1 || linkTo[head] === NO_NODE) continue;
    const chain = [head];
    for (let v = linkTo[head]; v !== NO_NODE; v = linkTo[v]) chain.push(v);
    for (const v of chain) chainOf[v] = chains.length;
    chains.push(chain);
  }
  return { chains, chainOf };
}
