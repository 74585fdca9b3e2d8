/**
 * A discrete-event simulation of a DAG scheduled on `slots` workers, to compare makespans without
 * timer noise. Three policies:
 *
 * - `priority`: event-driven, the ready node with the highest plan priority (longest remaining
 *   path by cost) starts first: what weft's scheduler does;
 * - `fifo`: event-driven, ready nodes in the order they became ready;
 * - `levels`: level by level: a level starts only when the previous one is done.
 */
import type { ExecutionPlan } from "../../src/index.js";
import type { RandomDag } from "./random-dags.js";

export type Policy = "priority" | "fifo" | "levels";

/** One node's simulated placement. */
export interface Slot {
  start: number;
  end: number;
}

export interface Schedule {
  makespan: number;
  /** Per node (plan index order). */
  slots: Slot[];
}

/**
 * Simulates `dag` (whose plan is `plan`: node indices agree) with each node taking its cost, at
 * most `slots` nodes at once.
 */
export function simulate(
  plan: ExecutionPlan,
  dag: RandomDag,
  slots: number,
  policy: Policy,
): Schedule {
  return policy === "levels"
    ? byLevels(plan, dag.cost, slots)
    : eventDriven(plan, dag, slots, policy);
}

function eventDriven(
  plan: ExecutionPlan,
  dag: RandomDag,
  slots: number,
  policy: "priority" | "fifo",
): Schedule {
  const { cost } = dag;
  const n = dag.names.length;
  const succs: number[][] = Array.from({ length: n }, () => []);
  const remaining = new Int32Array(n);
  const rank = new Int32Array(n);
  plan.order.forEach((v, k) => (rank[v] = k));
  dag.preds.forEach((ps, w) => {
    for (const v of ps) succs[v].push(w);
    remaining[w] = ps.length;
  });
  const out: Slot[] = Array.from({ length: n }, () => ({ start: 0, end: 0 }));
  const ready: number[] = [];
  for (const v of plan.order) if (remaining[v] === 0) ready.push(v);
  const running: number[] = [];
  let time = 0;
  let done = 0;
  // Highest priority first; ties in declaration order, as the scheduler's ready queue breaks them.
  const byPriority = (a: number, b: number): number => plan.priority[b] - plan.priority[a] || a - b;
  while (done < n) {
    if (policy === "priority") ready.sort(byPriority);
    while (running.length < slots && ready.length > 0) {
      const v = ready.shift() as number;
      out[v] = { start: time, end: time + cost[v] };
      running.push(v);
    }
    let t = Infinity;
    for (const v of running) t = Math.min(t, out[v].end);
    time = t;
    const still: number[] = [];
    const freed: number[] = [];
    for (const v of running) (out[v].end === time ? freed : still).push(v);
    running.length = 0;
    running.push(...still);
    freed.sort((a, b) => rank[a] - rank[b]);
    for (const v of freed) {
      done++;
      for (const w of succs[v]) if (--remaining[w] === 0) ready.push(w);
    }
  }
  return { makespan: time, slots: out };
}

function byLevels(plan: ExecutionPlan, cost: readonly number[], slots: number): Schedule {
  const out: Slot[] = Array.from({ length: plan.nodes.length }, () => ({ start: 0, end: 0 }));
  let time = 0;
  for (const level of plan.levels) {
    // Within a level: greedy list scheduling in plan order onto the earliest free worker.
    const free = new Array<number>(Math.min(slots, level.length)).fill(time);
    let end = time;
    for (const v of level) {
      let w = 0;
      for (let k = 1; k < free.length; k++) if (free[k] < free[w]) w = k;
      out[v] = { start: free[w], end: free[w] + cost[v] };
      free[w] = out[v].end;
      end = Math.max(end, out[v].end);
    }
    time = end;
  }
  return { makespan: time, slots: out };
}

/** A lower bound on any schedule: the critical path, and the total work spread over the slots. */
export function lowerBound(plan: ExecutionPlan, cost: readonly number[], slots: number): number {
  const total = cost.reduce((a, b) => a + b, 0);
  return Math.max(plan.criticalPath.cost, total / slots);
}
