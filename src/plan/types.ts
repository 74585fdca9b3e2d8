/**
 * The execution plan of a DAG: everything the scheduler needs to know about a graph's shape,
 * computed once (at build time by the compiler, or at the start of a run) and stored as plain,
 * JSON-able data. Node indices everywhere refer to the order of `graph.nodes`; `nodes` holds the
 * names so a plan file can be read by people.
 *
 * @example
 * ```ts
 * const plan = planOf(graph);
 * plan.order.map((i) => plan.nodes[i]); // node names in topological order
 * ```
 */

/** `lastConsumer` value of the output node: its result is `run.output` and is never released. */
export const RETAINED_OUTPUT = -2;

/** -1: no node (`lastConsumer`, `output`) or no chain (`chainOf`). */
export const NO_NODE = -1;

/** The format version written by {@link serializePlan} and accepted by {@link parsePlan}. */
export const PLAN_VERSION = 1;

/** The longest path by cost through the graph. */
export interface CriticalPath {
  /** Node names along the path, from a source to a sink. Empty for an empty graph. */
  nodes: string[];
  /** Sum of the costs of the nodes on the path. */
  cost: number;
}

/** A plan for one DAG. All arrays indexed by node are as long as `nodes`. */
export interface ExecutionPlan {
  /** Plan format version ({@link PLAN_VERSION}). */
  version: 1;
  /** The workflow's name. */
  workflow: string;
  /** `graphHash(graph)` of the graph the plan was computed for. */
  graphHash: string;
  /** Node names, in `graph.nodes` order: index `i` of every other array is node `nodes[i]`. */
  nodes: string[];
  /** Every node once, each after all of its upstream nodes. */
  order: number[];
  /** Per node: the number of edges on the longest path from a source to it (sources are 0). */
  level: number[];
  /** Per level: its nodes, in `order` order. */
  levels: number[][];
  /** Per node: the cost used for priorities (recorded timing, else `options.cost`, else 1). */
  cost: number[];
  /**
   * Per node: the largest total cost of a path from it to a sink, its own cost included. Among
   * ready nodes the scheduler starts the one with the highest priority first.
   */
  priority: number[];
  /**
   * Fused linear chains, each at least two nodes long, listed in path order. The scheduler can run
   * a chain as one step: each link `a -> b` has `a` feeding only `b` and `b` fed only by `a`.
   */
  chains: number[][];
  /** Per node: the index in `chains` of the chain it belongs to, or {@link NO_NODE}. */
  chainOf: number[];
  /**
   * Per node: the consumer latest in `order`, whose completion (or skip) releases the node's result
   * in a run that follows `order`; {@link NO_NODE} when nothing consumes it;
   * {@link RETAINED_OUTPUT} for the output node.
   */
  lastConsumer: number[];
  /**
   * Per node: how many distinct nodes consume its result. A parallel run counts this down as
   * consumers finish (or are skipped) and releases the result at zero, whatever order they end in.
   */
  consumers: number[];
  /** The output node (`graph.output`, else the last node); {@link NO_NODE} without nodes. */
  output: number;
  /** The longest path by cost. */
  criticalPath: CriticalPath;
  /**
   * The dependencies (as `[from, to]` node names) that remain once every edge implied by a longer
   * path is removed. Present only when asked for with `{ reduction: true }`: it costs O(V·E/32)
   * time and V²/8 bytes of memory, which the scheduler does not need to pay.
   */
  transitiveReduction?: [string, string][];
}

/** Options of {@link planOf}. */
export interface PlanOptions {
  /**
   * Recorded timings by node name (for example `run.metrics.nodeMs` of an earlier run). A timing
   * wins over the node's `options.cost`. Names of nodes not in the graph are ignored.
   */
  timings?: Record<string, number>;
  /** Also compute `transitiveReduction` (quadratic memory; off by default). */
  reduction?: boolean;
}
