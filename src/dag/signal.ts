/**
 * `wf.signal`: continues a waiting run in any process. The signal journals the wait node's
 * result (the payload) and resumes the run, so completed nodes come from the journal and only
 * what follows the wait runs.
 */
import type { Prepared } from "../run/prepare.js";
import type { RunState } from "../run/scheduler.js";
import { COMPLETED, FAILED, PENDING, SKIPPED, WAITING } from "../run/status.js";
import type { StoredRun } from "../run/store/types.js";
import { NodeError, type RunStatus, type WaitingNode } from "../run/types.js";
import { loadWaits, saveWaits, SignalError } from "../run/waits.js";
import type { DagRun } from "./dag-types.js";
import { DagRunResult } from "./run-result.js";
import type { SignalOptions } from "./wait.js";
import { auditAppender } from "../audit/record.js";
import { graphHash } from "../graph/hash.js";

/** What `signalRun` needs of a workflow. */
export interface Signalable {
  readonly name: string;
  prep(): Prepared;
  resume(
    runId: string,
    options: Omit<SignalOptions, "idempotencyKey"> & { runId?: string },
  ): Promise<DagRun<unknown, unknown>>;
}

export async function signalRun(
  wf: Signalable,
  runId: string,
  name: string,
  payload: unknown,
  options: SignalOptions,
): Promise<DagRun<unknown, unknown>> {
  const { idempotencyKey, ...runOptions } = options ?? ({} as SignalOptions);
  const store = runOptions.checkpoint;
  const what = `signal '${name}' to run '${runId}' of workflow '${wf.name}'`;
  if (!store) throw new SignalError("no-store", `${what}: needs the run's 'checkpoint' store`);
  const p = wf.prep();
  const i = p.index.get(name);
  if (i === undefined || p.graph.nodes[i].wait?.for !== "signal") {
    const waits = p.graph.nodes.filter((n) => n.wait?.for === "signal").map((n) => n.name);
    throw new SignalError(
      "unknown-wait",
      `${what}: the workflow has no signal wait '${name}' (its waits: ${waits.join(", ") || "none"})`,
    );
  }
  const stored = await store.loadRun(runId);
  if (!stored) throw new SignalError("unknown-run", `${what}: the store has no such run`);
  if (stored.workflow !== wf.name) {
    throw new SignalError(
      "unknown-run",
      `${what}: the run belongs to workflow '${stored.workflow}'`,
    );
  }
  const rec = await loadWaits(store, runId, wf.name);
  if (idempotencyKey !== undefined && rec.applied[idempotencyKey] !== undefined) {
    // Applied before: the run as it is now, nothing applied again.
    return storedResult(p, stored, wf.name, rec.waiting);
  }
  const wait = stored.status === "waiting" ? rec.waiting.find((w) => w.node === name) : undefined;
  if (!wait) {
    const now =
      stored.status === "waiting"
        ? `it waits for ${rec.waiting.map((w) => `'${w.node}'`).join(", ") || "nothing"}`
        : `its status is '${stored.status}'`;
    throw new SignalError("not-waiting", `${what}: the run is not waiting for it (${now})`);
  }
  if (wait.deadline !== undefined && Date.now() >= wait.deadline) {
    // The deadline came first: the timeout fires now, and the late signal is refused.
    await wf.resume(runId, runOptions);
    throw new SignalError(
      "timed-out",
      `${what}: the wait timed out at ${new Date(wait.deadline).toISOString()}, before the signal came`,
    );
  }
  await store.record(runId, {
    node: name,
    status: "completed",
    value: payload,
    ms: 0,
    at: Date.now(),
  });
  if (idempotencyKey !== undefined) {
    await saveWaits(store, runId, { ...rec, applied: { ...rec.applied, [idempotencyKey]: name } });
  }
  await auditAppender(
    store,
    runOptions.actor,
  )?.({
    action: "run.signal",
    runId,
    workflow: wf.name,
    graphHash: graphHash(p.graph),
    detail: name,
  });
  runOptions.onEvent?.({ type: "run-signalled", runId, node: name, at: performance.now() });
  return wf.resume(runId, runOptions);
}

/** A read-only result of a stored run: what its journal says, nothing run. */
function storedResult(
  p: Prepared,
  stored: StoredRun,
  workflow: string,
  waiting: WaitingNode[],
): DagRun<unknown, unknown> {
  const statuses = new Uint8Array(p.n).fill(PENDING);
  const values = new Array<unknown>(p.n);
  const errors: NodeError[] = [];
  const skipReasons: (string | undefined)[] = [];
  for (const e of stored.entries) {
    const i = p.index.get(e.node);
    if (i === undefined) continue;
    statuses[i] = e.status === "completed" ? COMPLETED : e.status === "skipped" ? SKIPPED : FAILED;
    values[i] = e.value;
    if (e.status === "skipped") skipReasons[i] = "skipped in the stored run";
    if (e.status === "failed") errors.push(new NodeError(e.node, new Error(e.error ?? "failed")));
  }
  const state: RunState = {
    runId: stored.runId,
    status: stored.status as RunStatus,
    statuses,
    values,
    errors,
    skipReasons,
    startMs: new Float64Array(0),
    endMs: new Float64Array(0),
    attempts: new Uint16Array(p.n),
    cached: undefined,
    order: new Int32Array(0),
    totalMs: 0,
    compensations: [],
  };
  if (stored.status === "waiting") {
    state.waiting = waiting;
    for (const w of waiting) {
      const i = p.index.get(w.node);
      if (i !== undefined && statuses[i] === PENDING) statuses[i] = WAITING;
    }
  }
  return new DagRunResult(p, state, workflow, stored.input);
}
