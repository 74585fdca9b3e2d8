/**
 * Checks and encodings shared by the built-in stores, so both refuse the same malformed input
 * with the same words and encode values the same way.
 */

import { decodeValue, encodeValue } from "../codec.js";
import { CheckpointError, type JournalEntry, type RunHeader } from "./types.js";

const journalStatuses = new Set(["completed", "skipped", "failed"]);

/** A journal entry ready to write: the value encoded (absent when the entry had none). */
export interface EncodedEntry {
  node: string;
  status: JournalEntry["status"];
  value?: Uint8Array;
  error?: string;
  ms?: number;
  at: number;
}

/** Names a node's value in codec errors. */
export function nodeWhat(runId: string, node: string): string {
  return `node '${node}' of run '${runId}'`;
}

/** Checks a header's fields and encodes its input. */
export function encodeHeader(header: RunHeader): Uint8Array {
  if (header === null || typeof header !== "object") {
    throw new CheckpointError(`beginRun needs a run header object, got ${describe(header)}`);
  }
  requireName(header.runId, "runId", "beginRun");
  const where = `beginRun of run '${header.runId}'`;
  requireString(header.workflow, "workflow", where);
  requireString(header.graphHash, "graphHash", where);
  requireString(header.status, "status", where);
  requireTime(header.startedAt, "startedAt", where);
  return encodeValue(header.input, `the input of run '${header.runId}'`);
}

/** Checks an entry's fields and encodes its value; throws before anything is written. */
export function encodeEntry(runId: string, entry: JournalEntry): EncodedEntry {
  requireName(runId, "runId", "record");
  if (entry === null || typeof entry !== "object") {
    throw new CheckpointError(
      `record for run '${runId}' needs a journal entry object, got ${describe(entry)}`,
    );
  }
  requireName(entry.node, "node", `record for run '${runId}'`);
  const where = `record of node '${entry.node}' in run '${runId}'`;
  if (!journalStatuses.has(entry.status)) {
    throw new CheckpointError(
      `${where}: status must be "completed", "skipped" or "failed", got ${describe(entry.status)}`,
    );
  }
  requireTime(entry.at, "at", where);
  if (entry.ms !== undefined) requireTime(entry.ms, "ms", where);
  if (entry.error !== undefined) requireString(entry.error, "error", where);
  const encoded: EncodedEntry = { node: entry.node, status: entry.status, at: entry.at };
  if ("value" in entry) encoded.value = encodeValue(entry.value, nodeWhat(runId, entry.node));
  if (entry.error !== undefined) encoded.error = entry.error;
  if (entry.ms !== undefined) encoded.ms = entry.ms;
  return encoded;
}

/** Decodes an encoded entry back into the entry that was recorded. */
export function decodeEntry(runId: string, encoded: EncodedEntry): JournalEntry {
  const entry: JournalEntry = { node: encoded.node, status: encoded.status, at: encoded.at };
  if (encoded.value !== undefined) {
    entry.value = decodeValue(encoded.value, nodeWhat(runId, encoded.node));
  }
  if (encoded.error !== undefined) entry.error = encoded.error;
  if (encoded.ms !== undefined) entry.ms = encoded.ms;
  return entry;
}

/** Refuses a resume of a run under another workflow or graph. */
export function checkSameGraph(
  stored: { workflow: string; graphHash: string },
  header: RunHeader,
): void {
  if (stored.workflow === header.workflow && stored.graphHash === header.graphHash) return;
  throw new CheckpointError(
    `run '${header.runId}' in the checkpoint store belongs to workflow '${stored.workflow}' ` +
      `(graph ${stored.graphHash}), not '${header.workflow}' (graph ${header.graphHash}); ` +
      "its results were computed by a different graph, so it cannot be resumed with this one",
  );
}

export function unknownRun(runId: string, action: string): CheckpointError {
  return new CheckpointError(`cannot ${action} run '${runId}': the run was never begun`);
}

export function requireName(value: unknown, field: string, where: string): asserts value is string {
  if (typeof value !== "string" || value === "") {
    throw new CheckpointError(
      `${where}: ${field} must be a non-empty string, got ${describe(value)}`,
    );
  }
}

function requireString(value: unknown, field: string, where: string): void {
  if (typeof value !== "string") {
    throw new CheckpointError(`${where}: ${field} must be a string, got ${describe(value)}`);
  }
}

function requireTime(value: unknown, field: string, where: string): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new CheckpointError(`${where}: ${field} must be a finite number, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return String(value);
  return typeof value;
}
