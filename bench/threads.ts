/**
 * Worker-thread speedup for CPU-bound nodes: eight busy nodes run with `mode: "threads"` against
 * the default mode, where they take turns on the main thread. Feature-detected by behaviour: each
 * node reports the thread it ran on, so where this version of weft has no thread mode (an unknown
 * mode runs like the default one) or a threads run fails, the row says "not available".
 */
import { availableParallelism } from "node:os";
import type { RunOptions } from "../src/index.js";
import { fmt, ratio, type BenchContext, type Family, type Section } from "./lib/report.js";
import { errorText } from "./lib/errors.js";
import { timeTasks, type Timing } from "./lib/timing.js";
import { CPU_WIDTH, cpuBaseline, cpuWide, type CpuOutput } from "./workloads/cpu.js";

/** Options of a threads run, typed loosely so this file compiles whether or not the mode exists. */
function threadOptions(maxThreads: number): RunOptions {
  return { mode: "threads", threads: { maxThreads } } as unknown as RunOptions;
}

export async function runThreads(ctx: BenchContext): Promise<Section> {
  const cores = availableParallelism();
  // Tens of ms of work per node: enough to dwarf the cost of handing a task to a thread.
  const iterations = ctx.quick ? 1_000_000 : 4_000_000;
  const input = { iterations };
  const expected = cpuBaseline(iterations);
  const columns = [
    "nodes",
    "work per node",
    "parallel (main thread) ms",
    "threads ms",
    "speedup",
    "per core",
    "ran off main thread",
  ];
  const notes = [
    `${CPU_WIDTH} independent CPU-bound nodes (integer hashing) and a join kept on the main thread; \`mode: "threads"\` with \`maxThreads\` = ${cores} (the cores here) against the default parallel mode, where sync nodes take turns on the main thread.`,
    "Speedup = parallel ÷ threads; per core = speedup ÷ cores. The pool is warmed up before timing, so worker start-up is not counted.",
  ];
  const unavailable = (why: string): Section => ({
    id: "threads",
    title: "Worker-thread speedup, CPU-bound nodes",
    columns,
    rows: [[String(CPU_WIDTH), "", "", "", why, "", ""]],
    notes,
    summary: [["worker-thread speedup, CPU-bound nodes", why, `${cores} cores`]],
  });
  const opts = threadOptions(cores);
  let probe: CpuOutput;
  try {
    const r = await cpuWide.run(input, opts);
    if (r.status !== "completed") throw r.errors[0] ?? new Error(`run ${r.status}`);
    probe = r.output as CpuOutput;
  } catch (e) {
    return unavailable(`not available: ${errorText(e)}`);
  }
  if (probe.total !== expected)
    throw new Error(`threads run gave ${probe.total}, expected ${expected}`);
  if (probe.offMain === 0)
    return unavailable('not available: `mode: "threads"` ran every node on the main thread');
  ctx.log(`threads: ${CPU_WIDTH} nodes, ${iterations.toLocaleString("en-US")} iterations each`);
  const t = await timeTasks(
    [
      ["parallel", () => cpuWide.run(input)],
      ["threads", () => cpuWide.run(input, opts)],
    ],
    { timeMs: ctx.quick ? 200 : 2_000, minIterations: 2 },
  );
  const par = ms(t.get("parallel"));
  const thr = ms(t.get("threads"));
  const speedup = par / thr;
  return {
    id: "threads",
    title: "Worker-thread speedup, CPU-bound nodes",
    columns,
    rows: [
      [
        String(CPU_WIDTH),
        `${fmt(par / CPU_WIDTH)} ms`,
        fmt(par),
        fmt(thr),
        ratio(speedup),
        fmt(speedup / cores),
        `${probe.offMain} of ${CPU_WIDTH}`,
      ],
    ],
    notes,
    summary: [
      [
        "worker-thread speedup, CPU-bound nodes",
        ratio(speedup),
        `${cores} cores: at most ${cores}x`,
      ],
    ],
  };
}

function ms(t: Timing | undefined): number {
  if (!t?.ok) throw new Error(t ? t.error : "not measured");
  return t.medianMs;
}

export const threads: Family = { id: "threads", title: "Worker threads", run: runThreads };
