/**
 * What a checkpoint store holds and the contract every store keeps.
 *
 * A run journals one entry per node as the node settles; after a crash, `resume(runId)` reads the
 * journal back and re-runs only what has no completed entry. Stores may be synchronous (the
 * built-in memory and SQLite stores are, so a fully synchronous run never waits on a promise) or
 * asynchronous (a Redis store); callers handle both.
 */

import type { FsmStatus, RunStatus } from "../types.js";
import type { AuditEntry, AuditFilter, AuditRecord } from "../../audit/types.js";

/** A value now, or later (asynchronous stores). */
type Awaitable<T> = T | Promise<T>;

/** Status of a stored run: `"running"` until `finishRun`, then the run's final status. */
export type StoredRunStatus = "running" | RunStatus | FsmStatus | (string & {});

/** Status of one journal entry. */
export type JournalStatus = "completed" | "skipped" | "failed";

/**
 * What a store knows about a run before any node settles.
 *
 * @example
 * ```ts
 * const header: RunHeader = {
 *   runId: "r1", workflow: "customer_etl", graphHash: "9f2c…", input: { path: "a.csv" },
 *   startedAt: Date.now(), status: "running",
 * };
 * ```
 */
export interface RunHeader {
  runId: string;
  workflow: string;
  /** Hash of the workflow's graph; resuming under a different graph is refused. */
  graphHash: string;
  /** The run input (stored through the codec, so Map, Date and the like survive). */
  input: unknown;
  /** When the run first started, ms since the epoch (`Date.now()`). */
  startedAt: number;
  status: StoredRunStatus;
}

/**
 * One settled node of a run. FSM runs journal each state visit as its own entry, with
 * `node` = `state#visit` (see {@link fsmJournalNode}).
 *
 * @example
 * ```ts
 * const entry: JournalEntry = { node: "load", status: "completed", value: rows, ms: 12, at: Date.now() };
 * ```
 */
export interface JournalEntry {
  node: string;
  status: JournalStatus;
  /**
   * The node's result. Present on a loaded entry exactly when it was present (even as
   * `undefined`) on the recorded one; completed entries carry it, skipped and failed ones may.
   */
  value?: unknown;
  /** Error message of a failed node. */
  error?: string;
  /** How long the node ran, in ms (all attempts). */
  ms?: number;
  /** When the node settled, ms (weft records `Date.now()`). */
  at: number;
}

/** A run as loaded from a store: its header (with the current status) and its journal. */
export interface StoredRun extends RunHeader {
  /** When `finishRun` was called, ms since the epoch; absent while the run is unfinished. */
  finishedAt?: number;
  /**
   * One entry per node, in the order they were recorded. Recording a node again replaces its
   * entry and moves it to the end (a node that failed, then completed on resume).
   */
  entries: JournalEntry[];
}

/** A run as listed by {@link CheckpointStore.listRuns}: the header without the input. */
export interface RunSummary {
  runId: string;
  workflow: string;
  graphHash: string;
  startedAt: number;
  status: StoredRunStatus;
  finishedAt?: number;
  /** Number of journal entries. */
  entries: number;
}

/** Narrows {@link CheckpointStore.listRuns}; every given field must match. */
export interface RunFilter {
  workflow?: string;
  status?: StoredRunStatus;
}

/**
 * A journal of runs. Every method may return its result directly or as a promise.
 *
 * The runtime calls `beginRun` when a run starts (and again on resume), `record` when a node
 * settles and before any node that depends on it starts, and `finishRun` at the end.
 *
 * @example
 * ```ts
 * const store: CheckpointStore = sqliteStore("runs.sqlite");
 * store.beginRun({ runId: "r1", workflow: "etl", graphHash: h, input, startedAt: Date.now(), status: "running" });
 * store.record("r1", { node: "load", status: "completed", value: rows, ms: 12, at: Date.now() });
 * store.finishRun("r1", "completed");
 * const run = await store.loadRun("r1"); // { ...header, status: "completed", entries: [...] }
 * ```
 */
export interface CheckpointStore {
  /**
   * Starts a run, or reopens it for resume: an existing run keeps its input, start time and
   * journal, takes the header's status and loses its `finishedAt`. Throws a
   * {@link CheckpointError} when the existing run belongs to another workflow or graph hash.
   */
  beginRun(header: RunHeader): Awaitable<void>;
  /**
   * Journals a settled node. Throws an `UnstorableValueError` (nothing written) when the value
   * cannot be stored, and a {@link CheckpointError} when the run was never begun.
   */
  record(runId: string, entry: JournalEntry): Awaitable<void>;
  /** Sets the final status and `finishedAt`. Throws a {@link CheckpointError} for an unknown run. */
  finishRun(runId: string, status: StoredRunStatus): Awaitable<void>;
  /** The run with its decoded journal, or `undefined` when the store has no such run. */
  loadRun(runId: string): Awaitable<StoredRun | undefined>;
  /** Stored runs, oldest first. */
  listRuns?(filter?: RunFilter): Awaitable<RunSummary[]>;
  /** Removes a run and its journal; `false` when there was no such run. */
  deleteRun?(runId: string): Awaitable<boolean>;
  /**
   * Takes the lease on a run for `owner` until `ttlMs` from now, or renews `owner`'s own lease.
   * Returns `undefined` when `owner` holds it now, or the {@link RunLease} of another owner whose
   * lease has not expired (nothing changes then). Atomic across every process sharing the store.
   * Optional: a store without leases lets any number of runners resume a run at once.
   */
  acquireLease?(runId: string, owner: string, ttlMs: number): Awaitable<RunLease | undefined>;
  /** Gives up `owner`'s lease on a run (nothing when another owner holds it). */
  releaseLease?(runId: string, owner: string): Awaitable<void>;
  /**
   * Appends to the store's audit trail: seals `record` onto its one hash chain (see
   * `sealAudit`) atomically across every process sharing the store. Optional: a store without
   * it keeps no audit trail, and runs on it record none.
   */
  appendAudit?(record: AuditRecord): Awaitable<AuditEntry>;
  /** The audit trail in chain order, filtered (`verifyAudit` needs it unfiltered). */
  readAudit?(filter?: AuditFilter): Awaitable<AuditEntry[]>;
  close?(): Awaitable<void>;
}

/**
 * Who holds the lease on a run: the runner executing it. A runner renews its lease while the run
 * lasts; a lease left by a killed runner expires after its TTL, and the run can then be resumed.
 *
 * @example
 * ```ts
 * store.acquireLease?.("r1", "host-a:4242:1f3c", 30_000); // undefined: taken
 * store.acquireLease?.("r1", "host-b:77:9e0a", 30_000); // { owner: "host-a:4242:1f3c", expiresAt: 1718000030000 }
 * ```
 */
export interface RunLease {
  owner: string;
  /** When the lease lapses unless renewed, ms since the epoch. */
  expiresAt: number;
}

/**
 * Named values kept across processes, for event-driven state machines that persist a snapshot
 * to resume from. Values go through the same codec as journal entries.
 *
 * @example
 * ```ts
 * store.saveSnapshot("deploy:42", { state: "approved", history: ["draft", "review"] });
 * store.loadSnapshot("deploy:42"); // { value: { state: "approved", ... }, savedAt: 1718000000000 }
 * ```
 */
export interface SnapshotStore {
  saveSnapshot(key: string, value: unknown): Awaitable<void>;
  /** The snapshot, or `undefined` when none is saved under `key`. */
  loadSnapshot(key: string): Awaitable<{ value: unknown; savedAt: number } | undefined>;
  /** `false` when there was no such snapshot. */
  deleteSnapshot(key: string): Awaitable<boolean>;
}

/**
 * A store whose every method returns directly: what {@link memoryStore} and {@link sqliteStore}
 * give, so a synchronous run needs no promise.
 */
export interface SyncCheckpointStore extends CheckpointStore, SnapshotStore {
  acquireLease(runId: string, owner: string, ttlMs: number): RunLease | undefined;
  releaseLease(runId: string, owner: string): void;
  appendAudit(record: AuditRecord): AuditEntry;
  readAudit(filter?: AuditFilter): AuditEntry[];
  beginRun(header: RunHeader): void;
  record(runId: string, entry: JournalEntry): void;
  finishRun(runId: string, status: StoredRunStatus): void;
  loadRun(runId: string): StoredRun | undefined;
  listRuns(filter?: RunFilter): RunSummary[];
  deleteRun(runId: string): boolean;
  close(): void;
  saveSnapshot(key: string, value: unknown): void;
  loadSnapshot(key: string): { value: unknown; savedAt: number } | undefined;
  deleteSnapshot(key: string): boolean;
}

/**
 * A checkpoint store was used in a way it cannot honour: an unknown run, a resume under a
 * different workflow, an unreadable file, a malformed entry.
 */
export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CheckpointError";
  }
}

/**
 * The journal `node` of an FSM state visit: `state#visit` (visit 0-based, as in `r.get(state, n)`).
 *
 * @example
 * ```ts
 * fsmJournalNode("yellow", 2); // "yellow#2"
 * ```
 */
export function fsmJournalNode(state: string, visit: number): string {
  return `${state}#${visit}`;
}

/**
 * Splits a journal `node` written by {@link fsmJournalNode}; `undefined` for a plain node name.
 *
 * @example
 * ```ts
 * parseFsmJournalNode("yellow#2"); // { state: "yellow", visit: 2 }
 * ```
 */
export function parseFsmJournalNode(node: string): { state: string; visit: number } | undefined {
  const match = /^(.*)#(0|[1-9]\d*)$/.exec(node);
  return match ? { state: match[1], visit: Number(match[2]) } : undefined;
}
