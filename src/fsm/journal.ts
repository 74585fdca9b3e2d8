/**
 * Checkpointing of function-return machine runs: each state visit is journaled (as entry
 * `state#visit`) with the transition it took, before the machine moves on; `resume` reads the
 * journal back and replays those visits instead of running their handlers again.
 */
import { nodeCrypto } from "../peers/builtins.js";
import { auditAppender } from "../audit/record.js";
import { inputHash } from "../audit/chain.js";
import { graphHash } from "../graph/hash.js";
import type { Graph } from "../graph/types.js";
import { InputError } from "../run/types.js";
import type { FsmStatus } from "../run/types.js";
import {
  CheckpointError,
  fsmJournalNode,
  parseFsmJournalNode,
  type CheckpointStore,
} from "../run/store/types.js";
import type { Transition } from "./transition.js";

type Awaitable<T> = T | Promise<T>;

/**
 * The `value` of a completed journal entry of a state visit: the transition the visit took and,
 * unless the run was started with `journalMetadata: false`, a copy of `ctx.metadata` after it.
 *
 * @example
 * ```ts
 * const entry = (await store.loadRun("order-42"))?.entries[0];
 * // entry.node === "validate#0"
 * // entry.value: { kind: "next", to: "reserve", value: 2500, metadata: {} }
 * ```
 */
export interface FsmVisitRecord {
  kind: "next" | "stop";
  /** The state the visit went to (`next` only). */
  to?: string;
  /** The visit's result: the value given to `next`/`stop`. */
  value: unknown;
  metadata?: Record<string, unknown>;
}

/** A journaled visit read back for replay. */
export interface ReplayedVisit {
  state: string;
  record: FsmVisitRecord;
  ms: number | undefined;
}

/** What the stepper calls to journal a run. */
export interface FsmJournal {
  /** Opens the run in the store (again, when resuming). */
  begin(): Awaitable<void>;
  /** Journals a visit that took transition `t`. */
  visit(
    state: string,
    visit: number,
    t: Transition,
    metadata: Record<string, unknown>,
    ms: number,
  ): Awaitable<void>;
  /** Journals a visit that failed (resume runs it again). */
  failed(state: string, visit: number, message: string, ms: number): Awaitable<void>;
  finish(status: FsmStatus): Awaitable<void>;
}

/** The header facts of a journaled run. */
export interface JournalTarget {
  store: CheckpointStore;
  runId: string;
  machine: string;
  graphHash: string;
  input: unknown;
  journalMetadata: boolean;
  /** Who acts, for the store's audit trail. */
  actor?: string;
  /** Whether this is a resume (audited as `run.resume`). */
  resuming?: boolean;
}

/** A journal writing to `target.store`. */
export function fsmJournal(target: JournalTarget): FsmJournal {
  const { store, runId } = target;
  const audit = auditAppender(store, target.actor);
  const about = { runId, workflow: target.machine, graphHash: target.graphHash };
  return {
    begin: async () => {
      await store.beginRun({
        runId,
        workflow: target.machine,
        graphHash: target.graphHash,
        input: target.input,
        startedAt: Date.now(),
        status: "running",
      });
      await audit?.({
        action: target.resuming ? "run.resume" : "run.start",
        ...about,
        inputHash: inputHash(target.input),
      });
    },
    visit(state, visit, t, metadata, ms) {
      const record: FsmVisitRecord =
        t.kind === "next"
          ? { kind: "next", to: t.to, value: t.value }
          : { kind: "stop", value: t.value };
      if (target.journalMetadata) record.metadata = metadata;
      const node = fsmJournalNode(state, visit);
      return store.record(runId, { node, status: "completed", value: record, ms, at: Date.now() });
    },
    failed(state, visit, message, ms) {
      const node = fsmJournalNode(state, visit);
      return store.record(runId, { node, status: "failed", error: message, ms, at: Date.now() });
    },
    finish: async (status) => {
      await store.finishRun(runId, status);
      await audit?.({ action: "run.end", ...about, status });
    },
  };
}

/**
 * The hash journaled runs are checked against: the graph's structure (states and transitions)
 * plus the initial and terminal states, which decide how a journal replays.
 */
export function machineHash(graph: Graph): string {
  const fsm = graph.fsm;
  return nodeCrypto()
    .createHash("sha256")
    .update(JSON.stringify([graphHash(graph), fsm?.initial ?? "", fsm?.terminal ?? []]))
    .digest("hex")
    .slice(0, 16);
}

/** What a machine must be for a journal to be replayed on it. */
export interface ReplayTarget {
  machine: string;
  graphHash: string;
  initial: string;
  states: ReadonlySet<string>;
}

/**
 * Loads run `runId` and checks it belongs to this machine; gives its input and its completed
 * visits in order. Throws an `InputError` when there is no such run or it was journaled by
 * another version of the machine, and a `CheckpointError` when the journal does not read as a
 * run of it (entries out of order, a visit that does not follow from the one before).
 */
export async function loadReplay(
  store: CheckpointStore,
  runId: string,
  target: ReplayTarget,
): Promise<{ input: unknown; visits: ReplayedVisit[] }> {
  const stored = await store.loadRun(runId);
  if (!stored) {
    throw new InputError(
      `machine '${target.machine}' has no checkpointed run '${runId}' to resume`,
    );
  }
  if (stored.workflow !== target.machine || stored.graphHash !== target.graphHash) {
    throw new InputError(
      `run '${runId}' was checkpointed for another version of machine '${target.machine}' ` +
        `('${stored.workflow}', graph ${stored.graphHash}; now graph ${target.graphHash})`,
    );
  }
  const visits: ReplayedVisit[] = [];
  const counts = new Map<string, number>();
  let expected: string | undefined = target.initial;
  for (const entry of stored.entries) {
    if (entry.status !== "completed") continue;
    const bad = (why: string): CheckpointError =>
      new CheckpointError(
        `the journal of run '${runId}' does not replay on machine '${target.machine}': ` +
          `entry '${entry.node}' ${why}`,
      );
    const at = parseFsmJournalNode(entry.node);
    if (!at) throw bad("is not a state visit (state#visit)");
    if (expected === undefined) throw bad("follows a visit that stopped the run");
    const seen = counts.get(at.state) ?? 0;
    if (at.state !== expected || at.visit !== seen) {
      throw bad(`comes where visit ${seen} of '${expected}' was expected`);
    }
    const record = entry.value as Partial<FsmVisitRecord> | undefined;
    if (
      typeof record !== "object" ||
      record === null ||
      !(record.kind === "stop" || (record.kind === "next" && typeof record.to === "string")) ||
      !("value" in record)
    ) {
      throw bad("holds no transition");
    }
    if (record.kind === "next" && !target.states.has(record.to as string)) {
      throw bad(`goes to '${String(record.to)}', which is not a state`);
    }
    counts.set(at.state, seen + 1);
    visits.push({ state: at.state, record: record as FsmVisitRecord, ms: entry.ms });
    expected = record.kind === "next" ? record.to : undefined;
  }
  return { input: stored.input, visits };
}
