import type { GraphIndex } from "../graph/analysis.js";
import { NO_NODE, RETAINED_OUTPUT } from "./types.js";

/** When each node's result can be released. */
export interface Lifetimes {
  /**
   * The consumer latest in `order`; {@link NO_NODE} without consumers; {@link RETAINED_OUTPUT}
   * for the output node.
   */
  lastConsumer: Int32Array;
  /** The number of distinct consumers. */
  consumers: Int32Array;
}

/**
 * Result lifetimes. A run that completes nodes in `order` may drop a result once its
 * `lastConsumer` is done; a parallel run, where consumers can finish in any order, counts
 * `consumers` down instead. The output node's result is `run.output`, so it is never released.
 * O(V + E).
 */
export function lifetimesOf(idx: GraphIndex, order: readonly number[], output: number): Lifetimes {
  const n = order.length;
  const position = new Int32Array(n);
  for (let k = 0; k < n; k++) position[order[k]] = k;
  const lastConsumer = new Int32Array(n).fill(NO_NODE);
  const consumers = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    const succs = idx.succs[v];
    consumers[v] = succs.length;
    let last = NO_NODE;
    for (const s of succs) if (last === NO_NODE || position[s] > position[last]) last = s;
    lastConsumer[v] = last;
  }
  if (output !== NO_NODE) lastConsumer[output] = RETAINED_OUTPUT;
  return { lastConsumer, consumers };
}
