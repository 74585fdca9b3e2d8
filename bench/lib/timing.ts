/**
 * Timing through tinybench: every task of one call runs in this process, and the tasks take
 * turns in several short rounds rather than one long stretch each, so a change in the machine's
 * load while they run weighs on all of them alike and the ratios between them stay fair.
 */
import { Bench } from "tinybench";
import { errorText } from "./errors.js";

/** What one task measured; `error` instead of figures when it threw. */
export type Timing =
  { ok: true; medianMs: number; meanMs: number; samples: number } | { ok: false; error: string };

/** How long to spend on each task. */
export interface Budget {
  /** Measuring time per task, in ms, over all rounds. */
  timeMs: number;
  /** Fewest measured iterations per task and round, whatever the time (default 5). */
  minIterations?: number;
  /** Fewest warm-up iterations per task, in the first round only (default 2). */
  warmupIterations?: number;
  /** Rounds the tasks take turns in (default 3). */
  rounds?: number;
}

export type Task = () => unknown;

/**
 * Times each task (sync or async) and returns its figures by name: the median of all samples
 * from all rounds. A task that throws is reported, not fatal, so one broken peer does not stop
 * the others.
 */
export async function timeTasks(
  tasks: [name: string, fn: Task][],
  budget: Budget,
): Promise<Map<string, Timing>> {
  const rounds = Math.max(1, budget.rounds ?? 3);
  const samples = new Map<string, number[]>(tasks.map(([name]) => [name, []]));
  const errors = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: budget.timeMs / rounds,
      iterations: budget.minIterations ?? 5,
      warmup: round === 0,
      warmupTime: Math.min(250, budget.timeMs / 2),
      warmupIterations: budget.warmupIterations ?? 2,
      retainSamples: true,
      throws: false,
    });
    for (const [name, fn] of tasks) if (!errors.has(name)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state === "completed" || r.state === "aborted-with-statistics") {
        samples.get(task.name)?.push(...(r.latency.samples ?? [r.latency.p50]));
      } else {
        errors.set(task.name, r.state === "errored" ? errorText(r.error) : `task ${r.state}`);
      }
    }
  }
  const out = new Map<string, Timing>();
  for (const [name] of tasks) {
    const error = errors.get(name);
    const xs = samples.get(name) ?? [];
    if (error !== undefined || xs.length === 0) {
      out.set(name, { ok: false, error: error ?? "no samples" });
    } else {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      out.set(name, { ok: true, medianMs: median(xs), meanMs: mean, samples: xs.length });
    }
  }
  return out;
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
