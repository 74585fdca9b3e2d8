/**
 * The audit chain: canonical JSON, the entry hash, sealing an entry onto a chain, and checking a
 * chain. Stores call {@link sealAudit} inside their own atomic step (a transaction, a script), so
 * every store hashes the same way and {@link verifyAudit} reads any of them.
 */
import { nodeCrypto } from "../peers/builtins.js";
import { CheckpointError } from "../run/store/types.js";
import type { AuditAction, AuditEntry, AuditFilter, AuditRecord } from "./types.js";

/** `prev` of the first entry of a chain. */
export const AUDIT_GENESIS = "0".repeat(64);

const actions = new Set<AuditAction>([
  "run.start",
  "run.resume",
  "run.cancel",
  "run.signal",
  "run.end",
]);

/**
 * JSON with object keys sorted and no whitespace, so equal data always gives equal text. Map,
 * Set, Date, bigint and typed arrays get tagged forms (`{"$map":[[k,v],…]}`, …) so they hash by
 * content; `undefined` fields are left out; a cycle is written `{"$cycle":true}`.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [new Date(0)] }); // '{"a":[{"$date":"1970-01-01T00:00:00.000Z"}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const write = (v: unknown): string | undefined => {
    if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
    if (v === null || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : `{"$num":"${v}"}`;
    if (typeof v === "bigint") return `{"$bigint":"${v}"}`;
    const o = v as object;
    if (seen.has(o)) return `{"$cycle":true}`;
    seen.add(o);
    try {
      if (o instanceof Date) return `{"$date":${JSON.stringify(dateText(o))}}`;
      if (o instanceof Map) {
        const pairs = [...o].map(([k, x]) => `[${write(k) ?? "null"},${write(x) ?? "null"}]`);
        return `{"$map":[${pairs.sort().join(",")}]}`;
      }
      if (o instanceof Set) {
        return `{"$set":[${[...o]
          .map((x) => write(x) ?? "null")
          .sort()
          .join(",")}]}`;
      }
      if (ArrayBuffer.isView(o)) {
        const bytes = Buffer.from(o.buffer, o.byteOffset, o.byteLength).toString("base64");
        return `{"$bytes":${JSON.stringify(`${o.constructor.name}:${bytes}`)}}`;
      }
      if (Array.isArray(o)) return `[${o.map((x) => write(x) ?? "null").join(",")}]`;
      const rec = o as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(rec).sort()) {
        const text = write(rec[k]);
        if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
      }
      return `{${parts.join(",")}}`;
    } finally {
      seen.delete(o);
    }
  };
  return write(value) ?? "null";
}

function dateText(d: Date): string {
  return Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString();
}

function sha256(text: string): string {
  return nodeCrypto().createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The SHA-256 (hex) of a run input's canonical JSON: what the audit trail records instead of the
 * input. Equal inputs give equal hashes whatever their key order.
 *
 * @example
 * ```ts
 * inputHash({ a: 1, b: 2 }) === inputHash({ b: 2, a: 1 }); // true
 * ```
 */
export function inputHash(input: unknown): string {
  return sha256(canonicalJson(input));
}

/** The fields an entry's hash covers, in one fixed shape. */
function hashedContent(e: Omit<AuditEntry, "hash">): Record<string, unknown> {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    runId: e.runId,
    workflow: e.workflow,
    graphHash: e.graphHash,
    inputHash: e.inputHash,
    status: e.status,
    detail: e.detail,
    prev: e.prev,
  };
}

/**
 * The hash an entry must carry: SHA-256 over the canonical JSON of every field but `hash`
 * (`prev` included, which chains it to the entry before).
 */
export function auditHash(entry: Omit<AuditEntry, "hash">): string {
  return sha256(canonicalJson(hashedContent(entry)));
}

/**
 * Checks a record before it is appended; throws a {@link CheckpointError} naming the field.
 * Returns a clean copy (unknown fields dropped).
 */
export function checkAuditRecord(record: AuditRecord): AuditRecord {
  const where = "appendAudit";
  if (record === null || typeof record !== "object") {
    throw new CheckpointError(`${where} needs an audit record object, got ${String(record)}`);
  }
  const text = (field: keyof AuditRecord, required: boolean): void => {
    const v = record[field];
    if (v === undefined && !required) return;
    if (typeof v !== "string" || (required && v.length === 0)) {
      throw new CheckpointError(
        `${where}: '${field}' must be a ${required ? "non-empty " : ""}string, got ${JSON.stringify(v) ?? String(v)}`,
      );
    }
  };
  text("at", true);
  text("actor", true);
  text("runId", true);
  text("workflow", true);
  text("graphHash", false);
  text("inputHash", false);
  text("status", false);
  text("detail", false);
  if (!actions.has(record.action)) {
    throw new CheckpointError(
      `${where}: 'action' must be one of ${[...actions].join(", ")}, got ${JSON.stringify(record.action)}`,
    );
  }
  const clean: AuditRecord = {
    at: record.at,
    actor: record.actor,
    action: record.action,
    runId: record.runId,
    workflow: record.workflow,
  };
  for (const k of ["graphHash", "inputHash", "status", "detail"] as const) {
    if (record[k] !== undefined) clean[k] = record[k];
  }
  return clean;
}

/**
 * Seals `record` onto a chain whose last entry is `last` (`undefined` for an empty chain): the
 * next `seq`, `prev` = the last entry's hash, and the entry's own hash. Stores call it inside
 * their atomic append, so two writers never seal onto the same `last`.
 *
 * @example
 * ```ts
 * const first = sealAudit(record, undefined);   // seq 1, prev = AUDIT_GENESIS
 * const second = sealAudit(record2, first);     // seq 2, prev = first.hash
 * ```
 */
export function sealAudit(
  record: AuditRecord,
  last: { seq: number; hash: string } | undefined,
): AuditEntry {
  const clean = checkAuditRecord(record);
  const unsealed = { ...clean, seq: (last?.seq ?? 0) + 1, prev: last?.hash ?? AUDIT_GENESIS };
  return { ...unsealed, hash: auditHash(unsealed) };
}

/** What {@link verifyAudit} found. */
export type AuditVerdict =
  | { ok: true; entries: number }
  | {
      ok: false;
      /** Index (0-based) of the first entry that breaks the chain. */
      index: number;
      /** That entry's `seq` as stored. */
      seq: number;
      /** What is wrong, naming the entry. */
      message: string;
    };

/**
 * Checks a whole chain, oldest first (what `readAudit()` without a filter returns): each entry's
 * hash matches its content, its `prev` is the hash of the entry before (the first's is
 * {@link AUDIT_GENESIS}) and `seq` counts up from 1. Any edited, removed, inserted or reordered
 * entry breaks it; the verdict names the first entry that does. A filtered list is not a chain.
 *
 * @example
 * ```ts
 * verifyAudit(store.readAudit()); // { ok: true, entries: 12 }
 * // after `UPDATE weft_audit SET actor = 'mallory' WHERE seq = 3`:
 * // { ok: false, index: 2, seq: 3, message: "audit entry 3 (run.start of run 'r2' by mallory): its hash does not match its content (edited after it was written)" }
 * ```
 */
export function verifyAudit(entries: readonly AuditEntry[]): AuditVerdict {
  let prev = AUDIT_GENESIS;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const seq = typeof e.seq === "number" ? e.seq : Number.NaN;
    const name = `audit entry ${i + 1} (${String(e.action)} of run '${String(e.runId)}' by ${String(e.actor)})`;
    const fail = (why: string): AuditVerdict => ({
      ok: false,
      index: i,
      seq,
      message: `${name}: ${why}`,
    });
    if (seq !== i + 1) {
      return fail(
        `its seq is ${String(e.seq)}, expected ${i + 1} (an entry before it was removed or inserted)`,
      );
    }
    if (e.hash !== auditHash(e)) {
      return fail("its hash does not match its content (edited after it was written)");
    }
    if (e.prev !== prev) {
      return fail(
        i === 0
          ? "its prev is not the chain's start (entries before it were removed)"
          : `its prev does not match the hash of entry ${i} (an entry before it was changed, removed or inserted)`,
      );
    }
    prev = e.hash;
  }
  return { ok: true, entries: entries.length };
}

/** Whether an entry passes `filter`. */
export function auditMatches(entry: AuditEntry, filter: AuditFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.runId !== undefined && entry.runId !== filter.runId) return false;
  if (filter.workflow !== undefined && entry.workflow !== filter.workflow) return false;
  if (filter.action !== undefined && entry.action !== filter.action) return false;
  return true;
}
