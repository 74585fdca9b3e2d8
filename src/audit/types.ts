/** The audit trail's data: what a caller appends, and what a store keeps. */

/** What happened to a run. `run.end` carries the final `status`. */
export type AuditAction = "run.start" | "run.resume" | "run.cancel" | "run.signal" | "run.end";

/**
 * One audited action, as appended: who did what to which run, and when. Never the input
 * itself: `inputHash` is the SHA-256 of its canonical JSON (see {@link inputHash}).
 *
 * @example
 * ```ts
 * const record: AuditRecord = {
 *   at: "2026-12-02T18:30:00.000Z", actor: "ci@deploy", action: "run.start",
 *   runId: "r1", workflow: "customer_etl", graphHash: "9f2c0a1b3c4d5e6f", inputHash: "5e88…",
 * };
 * ```
 */
export interface AuditRecord {
  /** ISO 8601 time of the action. */
  at: string;
  /** Who acted: the `actor` run option (`"unknown"` when none was given). */
  actor: string;
  action: AuditAction;
  runId: string;
  workflow: string;
  /** Hash of the workflow's graph (`graphHash(graph)`). */
  graphHash?: string;
  /** SHA-256 (hex) of the canonical JSON of the run input. */
  inputHash?: string;
  /** `run.end`: the run's final status. */
  status?: string;
  /** `run.signal`: the wait node signalled; `run.cancel`: why. */
  detail?: string;
}

/**
 * An audit entry as a store keeps it: the record, its position in the store's one chain
 * (`seq`, 1-based), the hash of the entry before it (`prev`; 64 zeros for the first) and its own
 * `hash` = SHA-256 over its canonical content and `prev`.
 *
 * @example
 * ```ts
 * const [first] = await store.readAudit!();
 * first.seq;  // 1
 * first.prev; // "000…000"
 * first.hash; // sha256 of the entry's canonical JSON (without `hash`)
 * ```
 */
export interface AuditEntry extends AuditRecord {
  seq: number;
  prev: string;
  hash: string;
}

/** Narrows {@link AuditLog.readAudit}; every given field must match. */
export interface AuditFilter {
  runId?: string;
  workflow?: string;
  action?: AuditAction;
}

/**
 * The audit half of a checkpoint store: an append-only, hash-chained log. Appends from any
 * number of processes sharing the store keep one chain (each store appends atomically).
 *
 * @example
 * ```ts
 * const store = sqliteStore("runs.db");
 * store.appendAudit({ at: new Date().toISOString(), actor: "ana", action: "run.cancel", runId: "r1", workflow: "etl" });
 * verifyAudit(store.readAudit()); // { ok: true, entries: 1 }
 * ```
 */
export interface AuditLog {
  /** Seals `record` onto the end of the chain and returns the stored entry. */
  appendAudit(record: AuditRecord): AuditEntry | Promise<AuditEntry>;
  /** The entries, in chain order (`seq` ascending), filtered. */
  readAudit(filter?: AuditFilter): AuditEntry[] | Promise<AuditEntry[]>;
}
