/**
 * Durable waits: what a wait node does when the scheduler reaches it, and where a parked run
 * keeps its waits between processes.
 *
 * A wait node never holds a process. Reached without a signal, it parks: the scheduler leaves
 * it unsettled, and the run ends with status `"waiting"` once nothing else can run. The waits
 * (node, since, deadline) are saved as a snapshot next to the run's journal, so any process can
 * continue the run later: a signal journals the wait node's result and resumes the run; a
 * deadline that has passed fails the node with a {@link WaitTimeoutError} (a sleep completes).
 */
import type { ExecEnv } from "./execute.js";
import type { NodeOptions } from "./options.js";
import { withPolicies } from "./policies.js";
import type { CheckpointStore, SnapshotStore } from "./store/types.js";
import type { WaitingNode } from "./types.js";

/** What a wait node's execution returns when it parks instead of settling. */
export class Parked {
  constructor(readonly wait: WaitingNode) {}
}

/**
 * A wait node whose deadline passed before a signal came. It fails the node, so the node's
 * `fallback`, the run's `onError` strategy and dependents' `runIf` apply as for any failure.
 *
 * @example
 * ```ts
 * .wait("approve", { d: "draft" }, signal<Approval>(), { timeoutMs: DAY, fallback: { ok: false, by: "timeout" } })
 * ```
 */
export class WaitTimeoutError extends Error {
  readonly node: string;
  readonly deadline: number;
  constructor(node: string, since: number, deadline: number) {
    super(
      `wait '${node}' timed out: no signal between ${new Date(since).toISOString()} and its deadline ${new Date(deadline).toISOString()}`,
    );
    this.name = "WaitTimeoutError";
    this.node = node;
    this.deadline = deadline;
  }
}

/** A signal that cannot be applied: unknown run or wait, a run not waiting for it, a late one. */
export class SignalError extends Error {
  readonly code: "unknown-run" | "unknown-wait" | "not-waiting" | "timed-out" | "no-store";
  constructor(code: SignalError["code"], message: string) {
    super(message);
    this.name = "SignalError";
    this.code = code;
  }
}

/** The waits of a parked run, and the idempotency keys of the signals applied to it. */
export interface WaitRecord {
  workflow: string;
  waiting: WaitingNode[];
  /** Idempotency keys of applied signals, each with the node it was applied to. */
  applied: Record<string, string>;
  /** State machines: signal payloads not yet taken by a journaled visit, by wait name. */
  received?: Record<string, unknown>;
}

/** The snapshot key under which a run's waits are kept. */
export function waitKey(runId: string): string {
  return `weft:waits:${runId}`;
}

/** The store's snapshot half, or a clear error when the store keeps no snapshots. */
export function snapshotsOf(store: CheckpointStore, what: string): SnapshotStore {
  const s = store as Partial<SnapshotStore>;
  if (typeof s.saveSnapshot !== "function" || typeof s.loadSnapshot !== "function") {
    throw new SignalError(
      "no-store",
      `${what}: the checkpoint store keeps no snapshots, which waits need (use sqliteStore or memoryStore)`,
    );
  }
  return store as CheckpointStore & SnapshotStore;
}

type Awaitable<T> = T | Promise<T>;

/** The stored waits of a run (an empty record when it has none). */
export function loadWaits(
  store: CheckpointStore,
  runId: string,
  workflow: string,
): Awaitable<WaitRecord> {
  const got = snapshotsOf(store, `run '${runId}'`).loadSnapshot(waitKey(runId));
  const read = (s: { value: unknown } | undefined): WaitRecord =>
    (s?.value as WaitRecord | undefined) ?? { workflow, waiting: [], applied: {} };
  return got instanceof Promise ? got.then(read) : read(got);
}

export function saveWaits(store: CheckpointStore, runId: string, rec: WaitRecord): Awaitable<void> {
  return snapshotsOf(store, `run '${runId}'`).saveSnapshot(waitKey(runId), rec);
}

/**
 * Runs wait node `i`: parks it (keeping the `since` of an earlier park of the same run), or,
 * once its deadline has passed, completes a sleep with its input or fails a signal wait with a
 * {@link WaitTimeoutError} under the node's policies.
 */
export function runWait(
  env: ExecEnv,
  i: number,
  args: unknown,
  earlier: Map<number, WaitingNode> | undefined,
): unknown {
  const node = env.p.names[i];
  const data = env.p.graph.nodes[i].wait;
  const opts = env.p.options[i];
  const prior = earlier?.get(i);
  const since = prior?.since ?? Date.now();
  const span = data?.for === "sleep" ? data.ms : opts?.timeoutMs;
  const deadline = prior ? prior.deadline : span === undefined ? undefined : since + span;
  env.state.attempts[i] = 1;
  if (deadline === undefined || Date.now() < deadline) {
    const wait: WaitingNode = { node, since };
    if (deadline !== undefined) wait.deadline = deadline;
    return new Parked(wait);
  }
  if (data?.for === "sleep") {
    env.emit?.({ type: "node-start", runId: env.runId, node, attempt: 1, at: performance.now() });
    return args;
  }
  const fail = (): never => {
    throw new WaitTimeoutError(node, since, deadline);
  };
  // The wait's own timeout is spent and retrying a deadline is pointless; its other policies
  // (fallback, hooks) apply to the failure.
  const rest: NodeOptions<never, unknown> = { ...opts };
  delete rest.timeoutMs;
  delete rest.retry;
  return withPolicies(env, i, rest, fail, args);
}
