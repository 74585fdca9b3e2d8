/**
 * Fires due deadlines of waiting runs: a process users run on a schedule (or `weft timers`), so
 * a wait times out, and a sleep ends, even when no process of the run is alive.
 */
import type { CheckpointStore } from "./store/types.js";
import { loadWaits } from "./waits.js";

/** A workflow `timers` can continue: a DAG or a state machine. */
export interface Resumable {
  readonly name: string;
  resume(runId: string, options: { checkpoint: CheckpointStore }): Promise<{ status: string }>;
}

/** What one pass of {@link timers} did. */
export interface TimersReport {
  /** Runs continued because a deadline passed: the due waits and the run's status after. */
  fired: { runId: string; workflow: string; nodes: string[]; status: string }[];
  /** Runs with due deadlines whose workflow was not given (left waiting). */
  unknown: { runId: string; workflow: string }[];
  /** Runs that failed to continue, with the error (the others still ran). */
  errors: { runId: string; workflow: string; error: Error }[];
  /** The earliest deadline still ahead, ms since the epoch (when to run the next pass). */
  next?: number;
}

/**
 * Continues every waiting run in `store` whose earliest deadline has passed: timed-out waits fail
 * with a `WaitTimeoutError` (so fallbacks and `runIf` apply), finished sleeps complete, and the
 * rest of the run goes on. Runs of workflows not in `workflows` are reported and left alone.
 *
 * @example
 * ```ts
 * const report = await timers(sqliteStore("runs.db"), [approval]);
 * report.fired; // [{ runId: "doc-42", workflow: "approval", nodes: ["approve"], status: "completed" }]
 * ```
 */
export async function timers(
  store: CheckpointStore,
  workflows: readonly Resumable[],
): Promise<TimersReport> {
  if (typeof store.listRuns !== "function") {
    throw new TypeError("timers: the checkpoint store cannot list its runs");
  }
  const byName = new Map<string, Resumable>();
  for (const wf of workflows) byName.set(wf.name, wf);
  const now = Date.now();
  const report: TimersReport = { fired: [], unknown: [], errors: [] };
  for (const run of await store.listRuns({ status: "waiting" })) {
    const rec = await loadWaits(store, run.runId, run.workflow);
    const due: string[] = [];
    for (const w of rec.waiting) {
      if (w.deadline === undefined) continue;
      if (w.deadline <= now) due.push(w.node);
      else if (report.next === undefined || w.deadline < report.next) report.next = w.deadline;
    }
    if (due.length === 0) continue;
    const wf = byName.get(run.workflow);
    if (!wf) {
      report.unknown.push({ runId: run.runId, workflow: run.workflow });
      continue;
    }
    try {
      const r = await wf.resume(run.runId, { checkpoint: store });
      report.fired.push({ runId: run.runId, workflow: run.workflow, nodes: due, status: r.status });
    } catch (e) {
      report.errors.push({
        runId: run.runId,
        workflow: run.workflow,
        error: e instanceof Error ? e : new Error(String(e)),
      });
    }
  }
  return report;
}
