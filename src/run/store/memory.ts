/**
 * The in-memory checkpoint store: Maps, gone with the process. Values still go through the codec,
 * so what it accepts, refuses and hands back is what the SQLite store would (tests and
 * development behave like production), and later mutation of a recorded value cannot reach into
 * the journal.
 */

import { auditMatches, sealAudit } from "../../audit/chain.js";
import type { AuditEntry, AuditFilter, AuditRecord } from "../../audit/types.js";
import { decodeValue, encodeValue } from "../codec.js";
import {
  checkSameGraph,
  decodeEntry,
  encodeEntry,
  encodeHeader,
  requireName,
  unknownRun,
  type EncodedEntry,
} from "./checks.js";
import {
  CheckpointError,
  type JournalEntry,
  type RunFilter,
  type RunHeader,
  type RunLease,
  type RunSummary,
  type StoredRun,
  type StoredRunStatus,
  type SyncCheckpointStore,
} from "./types.js";

interface MemoryRun {
  runId: string;
  workflow: string;
  graphHash: string;
  input: Uint8Array;
  startedAt: number;
  status: StoredRunStatus;
  finishedAt?: number;
  /** Keyed by node; Map order is record order (a re-recorded node is moved to the end). */
  entries: Map<string, EncodedEntry>;
}

/**
 * An in-memory checkpoint and snapshot store. Synchronous.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * store.beginRun({ runId: "r1", workflow: "etl", graphHash: "h", input: {}, startedAt: Date.now(), status: "running" });
 * store.record("r1", { node: "load", status: "completed", value: new Map([["a", 1]]), at: Date.now() });
 * store.loadRun("r1")?.entries[0].value; // Map { "a" => 1 } (a fresh copy)
 * ```
 */
export function memoryStore(): SyncCheckpointStore {
  const runs = new Map<string, MemoryRun>();
  const snapshots = new Map<string, { value: Uint8Array; savedAt: number }>();
  const leases = new Map<string, RunLease>();
  const audit: AuditEntry[] = [];
  let closed = false;

  function open(): void {
    if (closed) throw new CheckpointError("the memory checkpoint store is closed");
  }

  return {
    beginRun(header: RunHeader): void {
      open();
      const input = encodeHeader(header);
      const existing = runs.get(header.runId);
      if (existing) {
        checkSameGraph(existing, header);
        existing.status = header.status;
        delete existing.finishedAt;
        return;
      }
      runs.set(header.runId, {
        runId: header.runId,
        workflow: header.workflow,
        graphHash: header.graphHash,
        input,
        startedAt: header.startedAt,
        status: header.status,
        entries: new Map(),
      });
    },

    record(runId: string, entry: JournalEntry): void {
      open();
      const encoded = encodeEntry(runId, entry);
      const run = runs.get(runId);
      if (!run) throw unknownRun(runId, "record a node of");
      run.entries.delete(encoded.node);
      run.entries.set(encoded.node, encoded);
    },

    finishRun(runId: string, status: StoredRunStatus): void {
      open();
      requireName(status, "status", `finishRun of run '${runId}'`);
      const run = runs.get(runId);
      if (!run) throw unknownRun(runId, "finish");
      run.status = status;
      run.finishedAt = Date.now();
    },

    loadRun(runId: string): StoredRun | undefined {
      open();
      const run = runs.get(runId);
      if (!run) return undefined;
      const stored: StoredRun = {
        runId: run.runId,
        workflow: run.workflow,
        graphHash: run.graphHash,
        input: decodeValue(run.input, `the input of run '${runId}'`),
        startedAt: run.startedAt,
        status: run.status,
        entries: [...run.entries.values()].map((e) => decodeEntry(runId, e)),
      };
      if (run.finishedAt !== undefined) stored.finishedAt = run.finishedAt;
      return stored;
    },

    listRuns(filter?: RunFilter): RunSummary[] {
      open();
      const summaries: RunSummary[] = [];
      for (const run of runs.values()) {
        if (filter?.workflow !== undefined && run.workflow !== filter.workflow) continue;
        if (filter?.status !== undefined && run.status !== filter.status) continue;
        const summary: RunSummary = {
          runId: run.runId,
          workflow: run.workflow,
          graphHash: run.graphHash,
          startedAt: run.startedAt,
          status: run.status,
          entries: run.entries.size,
        };
        if (run.finishedAt !== undefined) summary.finishedAt = run.finishedAt;
        summaries.push(summary);
      }
      return summaries.sort(
        (a, b) => a.startedAt - b.startedAt || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0),
      );
    },

    deleteRun(runId: string): boolean {
      open();
      return runs.delete(runId);
    },

    acquireLease(runId: string, owner: string, ttlMs: number): RunLease | undefined {
      open();
      const now = Date.now();
      const held = leases.get(runId);
      if (held && held.owner !== owner && held.expiresAt > now) return { ...held };
      leases.set(runId, { owner, expiresAt: now + ttlMs });
      return undefined;
    },

    releaseLease(runId: string, owner: string): void {
      open();
      if (leases.get(runId)?.owner === owner) leases.delete(runId);
    },

    appendAudit(record: AuditRecord): AuditEntry {
      open();
      const entry = sealAudit(record, audit[audit.length - 1]);
      audit.push(entry);
      return { ...entry };
    },

    readAudit(filter?: AuditFilter): AuditEntry[] {
      open();
      return audit.filter((e) => auditMatches(e, filter)).map((e) => ({ ...e }));
    },

    close(): void {
      closed = true;
      audit.length = 0;
      runs.clear();
      snapshots.clear();
    },

    saveSnapshot(key: string, value: unknown): void {
      open();
      requireName(key, "key", "saveSnapshot");
      snapshots.set(key, { value: encodeValue(value, `snapshot '${key}'`), savedAt: Date.now() });
    },

    loadSnapshot(key: string): { value: unknown; savedAt: number } | undefined {
      open();
      const saved = snapshots.get(key);
      if (!saved) return undefined;
      return { value: decodeValue(saved.value, `snapshot '${key}'`), savedAt: saved.savedAt };
    },

    deleteSnapshot(key: string): boolean {
      open();
      return snapshots.delete(key);
    },
  };
}
