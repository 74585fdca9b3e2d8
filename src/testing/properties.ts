/**
 * Property helpers: checks that hold for every run of every workflow, usable with any
 * fast-check arbitrary of workflows and inputs.
 */
import type { Graph } from "../graph/types.js";
import { INPUT } from "../graph/types.js";
import type { RunEvent } from "../run/types.js";

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
