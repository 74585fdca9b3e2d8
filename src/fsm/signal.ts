/** `machine.signal`: continues a function-return machine parked by a handler's `wait(...)`. */
import { auditAppender } from "../audit/record.js";
import type { CheckpointStore, SnapshotStore } from "../run/store/types.js";
import { loadWaits, saveWaits, SignalError, type WaitRecord } from "../run/waits.js";
import type { FsmResumeOptions, FsmRun } from "./run.js";

/** Options of `machine.signal`. */
export interface FsmSignalOptions extends FsmResumeOptions {
  /** A repeat of the same key is not applied again (the run is resumed as it is). */
  idempotencyKey?: string;
}

/** The wait record of a run, when the store keeps snapshots and the run has one. */
export async function storedWaits(
  store: CheckpointStore,
  runId: string,
  machine: string,
): Promise<WaitRecord | undefined> {
  if (typeof (store as Partial<SnapshotStore>).loadSnapshot !== "function") return undefined;
  const rec = await loadWaits(store, runId, machine);
  return rec.waiting.length > 0 || rec.received ? rec : undefined;
}

export async function signalMachine<S extends string, R>(
  m: { name: string; resume(runId: string, o: FsmResumeOptions): Promise<FsmRun<S, R>> },
  runId: string,
  name: string,
  payload: unknown,
  options: FsmSignalOptions,
): Promise<FsmRun<S, R>> {
  const { idempotencyKey, ...resumeOptions } = options ?? ({} as FsmSignalOptions);
  const store = resumeOptions.checkpoint;
  const what = `signal '${name}' to run '${runId}' of machine '${m.name}'`;
  if (!store) throw new SignalError("no-store", `${what}: needs the run's 'checkpoint' store`);
  const stored = await store.loadRun(runId);
  if (!stored || stored.workflow !== m.name) {
    throw new SignalError("unknown-run", `${what}: the store has no such run`);
  }
  const rec = await loadWaits(store, runId, m.name);
  if (idempotencyKey !== undefined && rec.applied[idempotencyKey] !== undefined) {
    return m.resume(runId, resumeOptions);
  }
  const w = stored.status === "waiting" ? rec.waiting.find((x) => x.node === name) : undefined;
  if (!w) {
    const now =
      stored.status === "waiting"
        ? `it waits for ${rec.waiting.map((x) => `'${x.node}'`).join(", ") || "nothing"}`
        : `its status is '${stored.status}'`;
    throw new SignalError("not-waiting", `${what}: the run is not waiting for it (${now})`);
  }
  if (w.deadline !== undefined && Date.now() >= w.deadline) {
    await m.resume(runId, resumeOptions);
    throw new SignalError(
      "timed-out",
      `${what}: the wait timed out at ${new Date(w.deadline).toISOString()}, before the signal came`,
    );
  }
  const applied =
    idempotencyKey === undefined ? rec.applied : { ...rec.applied, [idempotencyKey]: name };
  await saveWaits(store, runId, {
    ...rec,
    applied,
    received: { ...rec.received, [name]: payload },
  });
  await auditAppender(
    store,
    resumeOptions.actor,
  )?.({
    action: "run.signal",
    runId,
    workflow: m.name,
    graphHash: stored.graphHash,
    detail: name,
  });
  resumeOptions.onEvent?.({ type: "run-signalled", runId, node: name, at: Date.now() });
  return m.resume(runId, resumeOptions);
}
