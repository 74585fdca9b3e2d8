/**
 * Makespan of critical-path-first scheduling (weft's plan priorities, event-driven) against a
 * level-by-level schedule and plain FIFO, on random DAGs with random costs and a concurrency limit:
 * simulated without timer noise, then checked with the real scheduler on nodes that sleep.
 */
import { planOf } from "../src/index.js";
import { fmt, type BenchContext, type Family, type Section } from "./lib/report.js";
import { lowerBound, simulate } from "./workloads/makespan-sim.js";
import {
  expectedValues,
  graphOf,
  randomDag,
  rng,
  sleepingDag,
  type RandomDagShape,
} from "./workloads/random-dags.js";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function runScheduling(ctx: BenchContext): Promise<Section> {
  const count = ctx.quick ? 40 : 200;
  const shape: RandomDagShape = { nodes: 60, maxPreds: 3, maxCost: 100 };
  const rows: string[][] = [];
  const means: string[] = [];
  for (const slots of [2, 4, 8]) {
    const next = rng(1_000 + slots);
    const lv: number[] = [];
    const ff: number[] = [];
    const lb: number[] = [];
    let wins = 0;
    for (let k = 0; k < count; k++) {
      const d = randomDag(next, shape);
      const plan = planOf(graphOf(d));
      const pri = simulate(plan, d, slots, "priority").makespan;
      const lev = simulate(plan, d, slots, "levels").makespan;
      const fifo = simulate(plan, d, slots, "fifo").makespan;
      lv.push(lev / pri);
      ff.push(fifo / pri);
      lb.push(pri / lowerBound(plan, d.cost, slots));
      if (pri <= lev) wins++;
    }
    means.push(fmt(mean(lv)));
    rows.push([
      `simulated, ${count} DAGs`,
      String(slots),
      fmt(mean(lv)),
      fmt(Math.max(...lv)),
      fmt(mean(ff)),
      fmt(mean(lb)),
      `${wins} / ${count}`,
    ]);
  }
  rows.push(await realRuns(ctx));
  return {
    id: "scheduling",
    title: "Makespan: critical-path-first vs level-by-level",
    columns: [
      "DAGs",
      "concurrency",
      "levels ÷ critical-path-first (mean)",
      "(worst)",
      "FIFO ÷ critical-path-first (mean)",
      "critical-path-first ÷ lower bound",
      "critical-path-first no worse than levels",
    ],
    rows,
    notes: [
      `Random DAGs of ${shape.nodes} nodes (0–${shape.maxPreds} predecessors each among earlier nodes) with costs 1–${shape.maxCost}, skewed toward cheap nodes with a few heavy ones; seeded, so every run draws the same DAGs.`,
      "Critical-path-first: event-driven, the ready node with the highest `planOf` priority (longest remaining path by cost) starts first, as weft's scheduler does. Levels: a level starts when the previous one has finished. FIFO: event-driven, ready nodes in the order they became ready.",
      "Lower bound: the larger of the critical path's cost and the total cost ÷ concurrency; no schedule beats it.",
      "The last row runs weft's real scheduler (`run()` with `concurrency`) on nodes that sleep their cost in ms, against the simulated schedules of the same DAGs.",
    ],
    summary: [
      [
        "makespan, level-by-level ÷ critical-path-first (concurrency 2 / 4 / 8)",
        means.join(" / "),
        `mean over ${count} random DAGs; above 1: critical-path-first is shorter`,
      ],
    ],
  };
}

/** The real scheduler on a few DAGs of sleeping nodes, against the simulations of the same DAGs. */
async function realRuns(ctx: BenchContext): Promise<string[]> {
  const count = ctx.quick ? 2 : 6;
  const slots = 2;
  const shape: RandomDagShape = { nodes: 30, maxPreds: 3, maxCost: 20 };
  const next = rng(77);
  const vsPri: number[] = [];
  const levOverReal: number[] = [];
  const fifoOverReal: number[] = [];
  for (let k = 0; k < count; k++) {
    ctx.log(`scheduling: real run ${k + 1} of ${count}`);
    const d = randomDag(next, shape);
    const plan = planOf(graphOf(d));
    const wf = sleepingDag(d, 1);
    const expected = expectedValues(d);
    const run = await wf.run(undefined, { concurrency: slots });
    d.names.forEach((name, i) => {
      if (run.get(name) !== expected[i])
        throw new Error(`random DAG ${k}: node ${name} gave ${String(run.get(name))}`);
    });
    const real = run.metrics.totalMs;
    vsPri.push(real / simulate(plan, d, slots, "priority").makespan);
    levOverReal.push(simulate(plan, d, slots, "levels").makespan / real);
    fifoOverReal.push(simulate(plan, d, slots, "fifo").makespan / real);
  }
  return [
    `real weft run(), ${count} DAGs of ${shape.nodes} sleeping nodes`,
    String(slots),
    fmt(mean(levOverReal)),
    "",
    fmt(mean(fifoOverReal)),
    `${fmt(mean(vsPri))} (real ÷ simulated)`,
    "",
  ];
}

export const scheduling: Family = {
  id: "scheduling",
  title: "Scheduling makespan",
  run: runScheduling,
};
