import { indexGraph, topologicalOrder, type GraphIndex } from "../graph/analysis.js";
import { GraphValidationError, type GraphIssue } from "../graph/errors.js";
import { graphHash } from "../graph/hash.js";
import { INPUT, type Graph } from "../graph/types.js";
import { findCycles } from "../graph/validate.js";
import { chainsOf } from "./chains.js";
import { costsOf } from "./costs.js";
import { PlanError, PlanMismatchError } from "./errors.js";
import { groupByLevel, levelsOf } from "./levels.js";
import { lifetimesOf } from "./lifetimes.js";
import { criticalPathOf, prioritiesOf } from "./priorities.js";
import { reductionOf } from "./reduction.js";
import { NO_NODE, PLAN_VERSION, type ExecutionPlan, type PlanOptions } from "./types.js";

/** A DAG indexed and ordered, after the checks a plan depends on. */
interface Prepared {
  idx: GraphIndex;
  order: number[];
  output: number;
}

/**
 * Indexes and orders a DAG, refusing what would make a plan wrong: a state machine, duplicate
 * names, edges to or from unknown nodes, an unknown output node, cycles. Linear, apart from the
 * cycle search, which runs only when there is a cycle.
 */
function prepare(graph: Graph): Prepared {
  if (graph.kind !== "dag") {
    throw new PlanError(
      `cannot plan '${graph.name}': it is a state machine, and execution plans are for DAGs`,
    );
  }
  const idx = indexGraph(graph);
  const issues: GraphIssue[] = [];
  if (idx.index.size !== idx.names.length) {
    const seen = new Set<string>();
    for (const name of idx.names) {
      if (seen.has(name)) {
        issues.push({
          code: "duplicate-node",
          severity: "error",
          message: `duplicate node name '${name}'`,
          nodes: [name],
        });
      }
      seen.add(name);
    }
  }
  for (const e of graph.edges) {
    if (e.from !== INPUT && !idx.index.has(e.from)) {
      issues.push({
        code: "dangling-ref",
        severity: "error",
        message: `dependency of '${e.to}' refers to unknown node '${e.from}'`,
        nodes: [e.to, e.from],
      });
    }
    if (!idx.index.has(e.to)) {
      issues.push({
        code: "dangling-ref",
        severity: "error",
        message: `dependency from '${e.from}' goes to unknown node '${e.to}'`,
        nodes: [e.from, e.to],
      });
    }
  }
  let output = idx.names.length - 1;
  if (graph.output !== undefined) {
    const found = idx.index.get(graph.output);
    if (found === undefined) {
      issues.push({
        code: "missing-output",
        severity: "error",
        message: `output node '${graph.output}' does not exist`,
        nodes: [graph.output],
      });
    } else output = found;
  }
  if (issues.length > 0) throw new GraphValidationError(graph.name, issues);
  const order = topologicalOrder(idx);
  if (order === undefined) {
    const cycles = findCycles(graph).map((cycle): GraphIssue => ({
      code: "cycle",
      severity: "error",
      message: `cycle: ${[...cycle, cycle[0]].join(" -> ")}`,
      nodes: cycle,
    }));
    throw new GraphValidationError(graph.name, cycles);
  }
  return { idx, order, output };
}

/**
 * Computes the execution plan of a DAG: topological order, levels, priorities, fused chains,
 * result lifetimes and the critical path, all in O(V + E); with `{ reduction: true }` also the
 * transitive reduction (O(V·E/32) time, V²/8 bytes).
 *
 * Throws a `GraphValidationError` for cycles, duplicate names, dangling edges or an unknown
 * output node, and a {@link PlanError} for state machines and costs that are not finite numbers
 * of zero or more.
 *
 * @example
 * ```ts
 * const plan = planOf(graph, { timings: lastRun.metrics.nodeMs });
 * plan.priority[plan.nodes.indexOf("load")]; // longest remaining cost from "load"
 * plan.criticalPath; // { nodes: ["load", "clean", "save"], cost: 42 }
 * ```
 */
export function planOf(graph: Graph, options: PlanOptions = {}): ExecutionPlan {
  const { idx, order, output } = prepare(graph);
  const cost = costsOf(graph, options.timings);
  const level = levelsOf(idx, order);
  const priority = prioritiesOf(idx, order, cost);
  const { chains, chainOf } = chainsOf(graph, idx, order);
  const { lastConsumer, consumers } = lifetimesOf(idx, order, output);
  const critical = criticalPathOf(idx, order, priority);
  const plan: ExecutionPlan = {
    version: PLAN_VERSION,
    workflow: graph.name,
    graphHash: graphHash(graph),
    nodes: idx.names,
    order,
    level: Array.from(level),
    levels: groupByLevel(level, order),
    cost: Array.from(cost),
    priority: Array.from(priority),
    chains,
    chainOf: Array.from(chainOf),
    lastConsumer: Array.from(lastConsumer),
    consumers: Array.from(consumers),
    output: idx.names.length === 0 ? NO_NODE : output,
    criticalPath: {
      nodes: critical.map((v) => idx.names[v]),
      cost: critical.length === 0 ? 0 : priority[critical[0]],
    },
  };
  if (options.reduction === true) {
    plan.transitiveReduction = reductionOf(idx, order).map(([u, v]) => [
      idx.names[u],
      idx.names[v],
    ]);
  }
  return plan;
}

/**
 * The transitive reduction of a DAG on its own: the dependencies, as `[from, to]` node names,
 * that remain once every edge implied by a longer path is removed (edges from the run input are
 * not part of it). O(V·E/32) time and V²/8 bytes of memory.
 *
 * @example
 * ```ts
 * // a -> b -> c plus the shortcut a -> c
 * transitiveReduction(graph); // [["a", "b"], ["b", "c"]]
 * ```
 */
export function transitiveReduction(graph: Graph): [string, string][] {
  const { idx, order } = prepare(graph);
  return reductionOf(idx, order).map(([u, v]) => [idx.names[u], idx.names[v]]);
}

/**
 * Checks that a plan was computed for this graph, by graph hash, and returns it. Throws a
 * {@link PlanMismatchError} naming the workflow and both hashes when it was not. The hash
 * covers the graph's shape (names, kinds, ports, edges, output), not costs or other options, so
 * a plan stays usable after a cost edit; recompute it to refresh its priorities.
 *
 * @example
 * ```ts
 * const plan = checkPlan(parsePlan(readFileSync("etl.plan.json", "utf8")), graph);
 * ```
 */
export function checkPlan(plan: ExecutionPlan, graph: Graph): ExecutionPlan {
  const hash = graphHash(graph);
  if (plan.graphHash !== hash) {
    throw new PlanMismatchError(graph.name, plan.workflow, plan.graphHash, hash);
  }
  return plan;
}
