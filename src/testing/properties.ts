/**
 * Property helpers: checks that hold for every run of every workflow, usable with any
 * fast-check arbitrary of workflows and inputs.
 */
import type { Graph } from "../graph/types.js";
import { INPUT } from "../graph/types.js";
import type { RunEvent } from "../run/types.js";
import type { RunOptions } from "../run/options.js";
import type { CheckpointStore } from "../run/store/types.js";
import { memoryStore } from "../run/store/memory.js";
import { isDeepStrictEqual } from "node:util";

/** Records the events of a run (pass `recorder.onEvent` as the run's `onEvent`). */
export function eventRecorder(): { events: RunEvent[]; onEvent: (e: RunEvent) => void } {
  const events: RunEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/**
 * Every node that started did so after all its upstream nodes had resolved (completed, failed
 * or been skipped). Returns the violations, empty when the property holds.
 */
export function dependencyOrderViolations(graph: Graph, events: RunEvent[]): string[] {
  const resolved = new Set<string>();
  const problems: string[] = [];
  const preds = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (e.from === INPUT) continue;
    const list = preds.get(e.to) ?? [];
    list.push(e.from);
    preds.set(e.to, list);
  }
  for (const e of events) {
    if (e.type === "node-start" && e.attempt === 1) {
      for (const p of preds.get(e.node) ?? []) {
        if (!resolved.has(p)) problems.push(`'${e.node}' started before '${p}' resolved`);
      }
    } else if (e.type === "node-complete" || e.type === "node-fail" || e.type === "node-skip") {
      resolved.add(e.node);
    }
  }
  return problems;
}

/** Tracks how many probed functions run at once; `max` is the peak. */
export function concurrencyProbe(): {
  onStart(): void;
  onEnd(): void;
  readonly max: number;
  readonly current: number;
} {
  let current = 0;
  let max = 0;
  return {
    onStart() {
      current++;
      if (current > max) max = current;
    },
    onEnd() {
      current--;
    },
    get max() {
      return max;
    },
    get current() {
      return current;
    },
  };
}

/** What the comparison helpers need of a workflow. */
interface Comparable {
  readonly graph: Graph;
  run(input: never, options?: RunOptions): Promise<RunView>;
  resume(runId: string, options: RunOptions & { checkpoint: CheckpointStore }): Promise<RunView>;
}

interface RunView {
  statusOf(node: string): string;
  get(ref: never): unknown;
}

/** Node by node, where two runs differ in status or result (empty when they agree). */
export function runDifferences(
  graph: Graph,
  a: RunView,
  b: RunView,
  labels = ["a", "b"],
): string[] {
  const out: string[] = [];
  for (const { name } of graph.nodes) {
    const sa = a.statusOf(name);
    const sb = b.statusOf(name);
    if (sa !== sb) out.push(`'${name}': ${labels[0]} ${sa}, ${labels[1]} ${sb}`);
    else if (sa === "completed" && !isDeepStrictEqual(a.get(name as never), b.get(name as never))) {
      out.push(`'${name}': results differ between ${labels[0]} and ${labels[1]}`);
    }
  }
  return out;
}

/**
 * "Sequential and parallel runs agree": runs the workflow both ways (parallel with the given
 * concurrency) and returns the differences, empty when the property holds.
 *
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(inputs, async (x) => {
 *   expect(await modeDifferences(wf, x, { concurrency: 4 })).toEqual([]);
 * }));
 * ```
 */
export async function modeDifferences(
  wf: Comparable,
  input: unknown,
  options: RunOptions = {},
): Promise<string[]> {
  const seq = await wf.run(input as never, { ...options, mode: "sequential" });
  const par = await wf.run(input as never, { ...options, mode: "parallel" });
  return runDifferences(wf.graph, seq, par, ["sequential", "parallel"]);
}

/**
 * "Resume after a crash equals an uninterrupted run": `make(crashAt)` builds the workflow with
 * node `crashAt` failing (as a crash would stop it there) and `make(undefined)` the healthy one.
 * Runs the healthy one straight through; runs the crashing one with a checkpoint store, resumes it
 * with the healthy one, and returns the differences between the resumed and the straight run.
 */
export async function resumeDifferences(
  make: (crashAt: string | undefined) => Comparable,
  input: unknown,
  crashAt: string,
  options: RunOptions = {},
): Promise<string[]> {
  const healthy = make(undefined);
  const straight = await healthy.run(input as never, options);
  const checkpoint = memoryStore();
  await make(crashAt).run(input as never, { ...options, checkpoint, runId: "crashed" });
  const resumed = await healthy.resume("crashed", { ...options, checkpoint });
  return runDifferences(healthy.graph, straight, resumed, ["straight", "resumed"]);
}
