/** How runs write to the audit trail of their checkpoint store (when it keeps one). */
import type { CheckpointStore } from "../run/store/types.js";
import type { AuditRecord } from "./types.js";

type Awaitable<T> = T | Promise<T>;

/** The actor recorded when a run option names none. */
export const UNKNOWN_ACTOR = "unknown";

/**
 * A function appending to `store`'s audit trail (time and actor filled in), or `undefined` when
 * the store keeps none. Synchronous stores append synchronously, so `runSync` stays synchronous.
 */
export function auditAppender(
  store: CheckpointStore | undefined,
  actor: string | undefined,
): ((record: Omit<AuditRecord, "at" | "actor">) => Awaitable<void>) | undefined {
  if (!store || typeof store.appendAudit !== "function") return undefined;
  const append = store.appendAudit.bind(store);
  return (record) => {
    const r = append({ at: new Date().toISOString(), actor: actor ?? UNKNOWN_ACTOR, ...record });
    return r instanceof Promise ? r.then(() => undefined) : undefined;
  };
}
