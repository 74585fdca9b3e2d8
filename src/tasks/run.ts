/** Running a task workflow on weft's scheduler, with checkpoints, resume, cancellation and notifications. */
import os from "node:os";
import type { CheckpointStore } from "../run/store/types.js";
import type { RunEvent, RunRecord } from "../run/types.js";
import { fromGraph } from "../serialize/from-graph.js";
import { CANCEL_POLL_MS, controlKey, readControl, snapshots, type RunControl } from "./control.js";
import {
  makeScratch,
  removeScratch,
  skippedResult,
  taskRegistry,
  templateScope,
  type TaskRunContext,
} from "./nodes.js";
import { sendNotifications, type NotificationOutcome } from "./notify.js";
import { Semaphore } from "./semaphore.js";
import type { TaskResult, TaskWorkflow } from "./types.js";

/** Options of {@link runTaskWorkflow}. */
export interface TaskRunOptions {
  /** Most tasks running at once (default: unlimited; `cpu_cores` still applies). */
  parallelism?: number;
  /** Whole-run time limit in ms; running tasks are killed when it passes. */
  timeoutMs?: number;
  /** Cancels the run (running process trees are killed). */
  signal?: AbortSignal;
  /** Journal each task so a crashed or failed run can be resumed; enables `--status`/`--cancel`. */
  checkpoint?: CheckpointStore;
  runId?: string;
  /** Finish this checkpointed run: tasks that completed are not run again. */
  resume?: string;
  /** Who runs it, for the checkpoint store's audit trail. */
  actor?: string;
  /** Cores `cpu_cores` is counted against (default `os.availableParallelism()`). */
  cores?: number;
  /** The environment tasks inherit and `{{ env.X }}` reads (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Scheduler events (node start, complete, retry, skip, fail). */
  onEvent?: (event: RunEvent) => void;
  /** Each line a task prints, as it prints it. */
  onOutput?: (node: string, stream: "stdout" | "stderr", line: string) => void;
  /** Each task result as it settles (a retried task reports every attempt). */
  onResult?: (result: TaskResult) => void;
  /** Send the file's notifications (default `true`). */
  notify?: boolean;
}

/** The outcome of a task workflow run. */
export interface TaskRunResult {
  runId: string;
  workflow: string;
  /** `"succeeded"` when no task failed, `"failed"`, or `"cancelled"`. */
  status: "succeeded" | "failed" | "cancelled";
  /** Every graph node's result (tasks, matrix instances and joins), in graph order. */
  tasks: Record<string, TaskResult>;
  failedTasks: string[];
  durationMs: number;
  /** The scheduler's run record (for diagrams with a run overlay). */
  record: RunRecord;
  notifications: NotificationOutcome[];
}

/** A new run id: the workflow's name, the time and a random suffix. */
export function newRunId(name: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40) || "run";
  return `${slug}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Runs a task workflow: each task's process starts when its dependencies are done (event-driven,
 * no level barriers), failures leave independent branches running, and the file's webhooks are
 * posted at the end. Resolves (never rejects for a failed task) with every task's result.
 *
 * @example
 * ```ts
 * import { parseTaskWorkflow, runTaskWorkflow } from "weftjs/tasks";
 * const wf = parseTaskWorkflow(readFileSync("etl.yaml", "utf8"), { file: "etl.yaml" });
 * const r = await runTaskWorkflow(wf, { parallelism: 4, checkpoint: sqliteStore("runs.db") });
 * r.status;                  // "succeeded"
 * r.tasks.extract.outputs;   // what extract wrote to $WEFT_OUTPUT
 * ```
 */
export async function runTaskWorkflow(
  wf: TaskWorkflow,
  options: TaskRunOptions = {},
): Promise<TaskRunResult> {
  const started = performance.now();
  const store = options.checkpoint;
  if (options.resume !== undefined && !store)
    throw new Error("resume needs the checkpoint store the run was journaled to");
  const runId = options.resume ?? options.runId ?? newRunId(wf.name);
  const env = options.env ?? process.env;
  const results = new Map<string, TaskResult>();
  if (options.resume !== undefined && store) {
    const stored = await store.loadRun(options.resume);
    if (!stored) throw new Error(`no run '${options.resume}' in the checkpoint store`);
    for (const e of stored.entries) {
      if (e.status === "completed" && isResult(e.value)) results.set(e.node, e.value);
    }
  }
  const scratch = makeScratch();
  const rc: TaskRunContext = {
    workflow: wf,
    runId,
    results,
    env,
    cores: new Semaphore(Math.max(1, options.cores ?? os.availableParallelism())),
    scratch,
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
  };
  const dag = fromGraph<{ file: string }>(wf.graph, taskRegistry(rc));
  const controller = new AbortController();
  const onOuterAbort = (): void =>
    controller.abort(options.signal?.reason ?? new Error("run cancelled"));
  if (options.signal?.aborted) onOuterAbort();
  else options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const snap = snapshots(store);
  let poll: NodeJS.Timeout | undefined;
  if (snap) {
    const control: RunControl = { pid: process.pid, host: os.hostname(), startedAt: Date.now() };
    await snap.saveSnapshot(controlKey(runId), control);
    poll = setInterval(() => {
      void Promise.resolve(readControl(snap, runId)).then((c) => {
        if (c?.cancel && c.pid === process.pid)
          controller.abort(new Error(`cancelled by process ${c.cancel.by}`));
      });
    }, CANCEL_POLL_MS);
    poll.unref();
  }
  const runOptions = {
    mode: "parallel" as const,
    signal: controller.signal,
    onError: "continue" as const,
    runId,
    ...(options.parallelism !== undefined ? { concurrency: options.parallelism } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(store ? { checkpoint: store } : {}),
    ...(options.actor !== undefined ? { actor: options.actor } : {}),
  };
  let record: RunRecord;
  try {
    const run =
      options.resume !== undefined && store
        ? await dag.resume(options.resume, { ...runOptions, checkpoint: store })
        : await dag.run({ file: wf.file }, runOptions);
    record = run.toJSON();
  } finally {
    if (poll) clearInterval(poll);
    options.signal?.removeEventListener("abort", onOuterAbort);
    removeScratch(scratch);
  }
  const tasks: Record<string, TaskResult> = {};
  for (const node of wf.graph.nodes) {
    const rec = record.nodes[node.name];
    tasks[node.name] =
      results.get(node.name) ??
      (rec?.status === "failed"
        ? {
            ...skippedResult(node.name, rec.error ?? "failed"),
            status: "failed",
            skipped: false,
            failed: true,
          }
        : skippedResult(
            node.name,
            rec?.skipReason ?? (record.status === "cancelled" ? "run cancelled" : "did not run"),
          ));
  }
  const failedTasks = wf.tasks.map((t) => t.name).filter((n) => tasks[n]?.failed);
  const status =
    record.status === "cancelled" ? "cancelled" : failedTasks.length > 0 ? "failed" : "succeeded";
  const notifications: NotificationOutcome[] = [];
  if (options.notify !== false && status !== "cancelled") {
    const scope = templateScope(rc, {
      pipeline: {
        name: wf.name,
        version: wf.version,
        run_id: runId,
        status,
        failed_tasks: failedTasks,
      },
    });
    const body = {
      pipeline: wf.name,
      ...(wf.version !== undefined ? { version: wf.version } : {}),
      run_id: runId,
      status,
      failed_tasks: failedTasks,
      tasks: Object.fromEntries(
        wf.tasks.map((t) => [
          t.name,
          {
            status: tasks[t.name].status,
            exit_code: tasks[t.name].exit_code,
            duration: tasks[t.name].duration,
          },
        ]),
      ),
    };
    const events = [status === "succeeded" ? "on_success" : "on_failure", "on_complete"] as const;
    for (const event of events) {
      const specs = wf.notifications[event];
      if (specs && specs.length > 0)
        notifications.push(...(await sendNotifications(event, specs, scope, body)));
    }
  }
  return {
    runId,
    workflow: wf.name,
    status,
    tasks,
    failedTasks,
    durationMs: Math.round(performance.now() - started),
    record,
    notifications,
  };
}

function isResult(v: unknown): v is TaskResult {
  return typeof v === "object" && v !== null && "status" in v && "exit_code" in v;
}
