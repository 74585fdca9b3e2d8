/**
 * Per-node overhead of weft on trivial nodes: a long chain and a wide fan-out/fan-in, sync and
 * async, each against a baseline that calls the same functions directly.
 */
import { planOf } from "../src/index.js";
import { fmt, ratio, verdict, type BenchContext, type Family, type Section } from "./lib/report.js";
import { timeTasks, type Task, type Timing } from "./lib/timing.js";
import { runPath, withPlan, type RunPath } from "./workloads/paths.js";
import { chain, fan, type LooseDag, type Workload } from "./workloads/trivial.js";

/** Target: sync overhead per node with `runSync`, in µs. */
export const SYNC_TARGET_US = 1;
/** Target: async `run()` time over a plain `await` loop. */
export const ASYNC_TARGET_RATIO = 2;

interface Variant {
  label: string;
  task: Task;
  /** Which target, if any, the row is held to; "timed" rows are reported beside the target. */
  target?: "sync" | "async" | "timed";
}

/** A path and its options: the defaults, or without per-node timings. */
const PATHS: { path: RunPath; untimed: boolean; target?: Variant["target"] }[] = [
  { path: "runSync", untimed: false, target: "sync" },
  { path: "runSync", untimed: true },
  { path: "parallel", untimed: false, target: "timed" },
  { path: "parallel", untimed: true, target: "async" },
  { path: "sequential", untimed: false },
];

/** The weft paths worth timing for a workload, each checked to give the expected output. */
export async function weftVariants(w: Workload, wf: LooseDag): Promise<Variant[]> {
  const out: Variant[] = [];
  for (const { path, untimed, target } of PATHS) {
    if (path === "runSync" && w.flavor === "async") continue;
    const options = untimed ? { timings: false } : {};
    const name = path === "runSync" ? "weft runSync" : `weft run (${path})`;
    const label = untimed ? `${name}, \`timings: false\`` : name;
    await expectOutput(w, label, () => runPath(wf, path, w.input, options));
    out.push({ label, task: () => runPath(wf, path, w.input, options), target });
  }
  const planned = withPlan(wf, planOf(wf.graph));
  if (planned) {
    const path: RunPath = w.flavor === "sync" ? "runSync" : "parallel";
    const label = `weft ${path === "runSync" ? "runSync" : "run (parallel)"} + withPlan`;
    await expectOutput(w, label, () => runPath(planned, path, w.input));
    out.push({ label, task: () => runPath(planned, path, w.input) });
  }
  return out;
}

/** Fails loudly when a path computes something else than the baseline: its timing would mislead. */
export async function expectOutput(w: Workload, label: string, fn: () => unknown): Promise<void> {
  const got = await fn();
  if (got !== w.expected) {
    throw new Error(
      `${w.name} (${w.flavor}), ${label}: output ${String(got)}, expected ${w.expected}`,
    );
  }
}

export async function runOverhead(ctx: BenchContext): Promise<Section> {
  const n = ctx.quick ? 1_000 : 10_000;
  const width = ctx.quick ? 100 : 1_000;
  const workloads = [chain(n, "sync"), fan(width, "sync"), chain(n, "async"), fan(width, "async")];
  const rows: string[][] = [];
  const summary: string[][] = [];
  const clockUs = clockReadUs();
  for (const w of workloads) {
    ctx.log(`overhead: ${w.name} (${w.flavor})`);
    const wf = w.build();
    const baseLabel = w.flavor === "sync" ? "baseline: direct calls" : "baseline: await loop";
    await expectOutput(w, baseLabel, () => w.baseline(w.input));
    const variants = await weftVariants(w, wf);
    const timings = await timeTasks(
      [
        [baseLabel, () => w.baseline(w.input)],
        ...variants.map((v): [string, Task] => [v.label, v.task]),
      ],
      // Long enough, in enough turns, that collector pauses and the host's noise fall on every
      // path alike.
      { timeMs: ctx.quick ? 150 : 1500, rounds: ctx.quick ? 3 : 5 },
    );
    const base = timings.get(baseLabel) as Timing;
    rows.push(row(w, baseLabel, base, base, undefined, clockUs));
    for (const v of variants) {
      const cells = row(w, v.label, timings.get(v.label) as Timing, base, v.target, clockUs);
      rows.push(cells);
      if (v.target === "sync") {
        summary.push([
          `sync overhead per node, \`runSync\`, ${w.name}`,
          `${cells[5]} µs`,
          cells[7],
        ]);
      } else if (v.target === "async" && w.flavor === "async") {
        summary.push([
          `async \`run()\` ÷ \`await\` loop, ${w.name}, \`timings: false\``,
          cells[6],
          cells[7],
        ]);
      } else if (v.target === "timed" && w.flavor === "async") {
        summary.push([
          `async \`run()\` ÷ \`await\` loop, ${w.name}, per-node timings (default)`,
          cells[6],
          cells[7],
        ]);
      }
    }
  }
  return {
    id: "overhead",
    title: "Per-node overhead on trivial nodes",
    columns: [
      "workload",
      "functions",
      "path",
      "ms / run",
      "µs / node",
      "overhead µs / node",
      "÷ baseline",
      "target",
    ],
    rows,
    notes: [
      `Chain: ${n.toLocaleString("en-US")} nodes, each adding one to the previous result. Fan: one source, ${width.toLocaleString("en-US")} middle nodes, one join summing them (${(width + 2).toLocaleString("en-US")} nodes). Built with \`looseDag\` in a loop.`,
      "Baselines call the very same node functions: a plain loop (sync) or a plain `await` loop (async), building the same argument objects.",
      "Overhead per node = (weft − baseline) ÷ nodes. Each figure is the median of all timed runs; the baseline and the weft paths take turns in five rounds in this process.",
      `Targets: sync overhead at most ${SYNC_TARGET_US} µs per node with \`runSync\`; async \`run()\` within ${ASYNC_TARGET_RATIO}x of the \`await\` loop.`,
      "Per-node timings (the default) read the clock once per node in a chain and twice per node elsewhere; `timings: false` leaves them out when nothing observes the run (no listener, trace or checkpoint store).",
    ],
    summary,
  };
}

function row(
  w: Workload,
  label: string,
  t: Timing,
  base: Timing,
  target: Variant["target"],
  clockUs: number,
): string[] {
  const head = [w.name, w.flavor, label];
  if (!t.ok) return [...head, "error", t.error, "", "", ""];
  if (!base.ok) return [...head, fmt(t.medianMs), fmt((t.medianMs * 1000) / w.nodes), "", "", ""];
  const perNode = (t.medianMs * 1000) / w.nodes;
  const over = ((t.medianMs - base.medianMs) * 1000) / w.nodes;
  const r = t.medianMs / base.medianMs;
  let tgt = "";
  if (target === "sync") tgt = `≤ ${SYNC_TARGET_US} µs: ${verdict(over <= SYNC_TARGET_US)}`;
  if (target === "async" && w.flavor === "async") {
    tgt = `≤ ${ASYNC_TARGET_RATIO}x: ${verdict(r <= ASYNC_TARGET_RATIO)}`;
  }
  if (target === "timed" && w.flavor === "async") {
    tgt = `a clock read per node (${fmt(clockUs)} µs here)`;
  }
  const isBase = t === base;
  return [
    ...head,
    fmt(t.medianMs),
    fmt(perNode),
    isBase ? "" : fmt(over),
    isBase ? "1x" : ratio(r),
    tgt,
  ];
}

/** What one `performance.now()` costs here, in µs: the price of per-node timings. */
export function clockReadUs(): number {
  const reads = 200_000;
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let k = 0; k < reads; k++) sink += performance.now();
    best = Math.min(best, (performance.now() - t) / reads);
  }
  return sink > 0 ? best * 1000 : 0;
}

export const overhead: Family = {
  id: "overhead",
  title: "Per-node overhead",
  run: runOverhead,
};
