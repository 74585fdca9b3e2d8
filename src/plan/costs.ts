import type { Graph } from "../graph/types.js";
import { PlanError } from "./errors.js";

/**
 * The cost of each node, by index: its recorded timing when there is one, else `options.cost`,
 * else 1. A cost must be a finite number, zero or more.
 */
export function costsOf(graph: Graph, timings?: Record<string, number>): Float64Array {
  const cost = new Float64Array(graph.nodes.length);
  for (let i = 0; i < graph.nodes.length; i++) {
    const node = graph.nodes[i];
    // hasOwn, so a node named "constructor" does not pick up Object.prototype members.
    const timed = timings !== undefined && Object.hasOwn(timings, node.name);
    const value = timed ? timings[node.name] : (node.options?.cost ?? 1);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      const where = timed ? "recorded timing" : "options.cost";
      throw new PlanError(
        `workflow '${graph.name}': ${where} of node '${node.name}' is ${String(value)}; ` +
          `costs must be finite numbers, zero or more`,
      );
    }
    cost[i] = value + 0; // -0 would not survive JSON
  }
  return cost;
}
