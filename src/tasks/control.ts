/**
 * Acting on a task run from another process through its checkpoint store: the running process
 * records its pid and polls a cancel request; `weft run --cancel` writes that request (and, when
 * the recorded process is gone, marks the run cancelled itself). Polling the store rather than
 * signalling the pid keeps working when pids are reused and never signals an unrelated process.
 */
import os from "node:os";
import { auditAppender } from "../audit/record.js";
import type { CheckpointStore, SnapshotStore } from "../run/store/types.js";

/** What a running task workflow records about itself. */
export interface RunControl {
  pid: number;
  host: string;
  startedAt: number;
  /** Set by {@link requestCancel}. */
  cancel?: { at: number; by: number };
}

/** How often a running workflow looks for a cancel request, in ms. */
export const CANCEL_POLL_MS = 250;

/** The snapshot key of a run's control record. */
export function controlKey(runId: string): string {
  return `weft.tasks.control/${runId}`;
}

/** The store as a snapshot store, when it is one (memory and SQLite stores are). */
export function snapshots(
  store: CheckpointStore | undefined,
): (CheckpointStore & SnapshotStore) | undefined {
  const s = store as (CheckpointStore & Partial<SnapshotStore>) | undefined;
  return s && typeof s.saveSnapshot === "function" && typeof s.loadSnapshot === "function"
    ? (s as CheckpointStore & SnapshotStore)
    : undefined;
}

/** Reads a run's control record. */
export async function readControl(
  store: CheckpointStore,
  runId: string,
): Promise<RunControl | undefined> {
  const s = snapshots(store);
  const snap = s ? await s.loadSnapshot(controlKey(runId)) : undefined;
  return snap?.value as RunControl | undefined;
}

/** True when `pid` is a live process on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What {@link requestCancel} did. */
export type CancelOutcome =
  | { kind: "requested"; pid: number }
  | { kind: "marked-cancelled"; reason: string }
  | { kind: "already-finished"; status: string }
  | { kind: "unknown-run" };

/**
 * Asks a running task workflow to stop. The running process sees the request within
 * {@link CANCEL_POLL_MS}, kills its process trees and finishes the run as `"cancelled"`. When the
 * recorded process is not alive on this host (it crashed), the run is marked cancelled here.
 *
 * @example
 * ```ts
 * const store = sqliteStore("runs.db");
 * await requestCancel(store, "etl-m1k2-ab12", { actor: "ana" }); // { kind: "requested", pid: 4242 }
 * ```
 */
export async function requestCancel(
  store: CheckpointStore,
  runId: string,
  options: { actor?: string } = {},
): Promise<CancelOutcome> {
  const run = await store.loadRun(runId);
  if (!run) return { kind: "unknown-run" };
  if (run.status !== "running") return { kind: "already-finished", status: String(run.status) };
  await auditAppender(
    store,
    options.actor,
  )?.({
    action: "run.cancel",
    runId,
    workflow: run.workflow,
    graphHash: run.graphHash,
  });
  const s = snapshots(store);
  const control = await readControl(store, runId);
  if (!s || !control || (control.host === os.hostname() && !processAlive(control.pid))) {
    await store.finishRun(runId, "cancelled");
    return {
      kind: "marked-cancelled",
      reason: control ? `process ${control.pid} is not running` : "no running process recorded",
    };
  }
  await s.saveSnapshot(controlKey(runId), {
    ...control,
    cancel: { at: Date.now(), by: process.pid },
  });
  return { kind: "requested", pid: control.pid };
}
