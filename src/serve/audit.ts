/** The audit log: who started or cancelled which run, and when, as JSON lines. */
import { appendFileSync } from "node:fs";
import type { AuditEntry, ServeOptions } from "./types.js";

/** A writer for the `audit` option; appends synchronously so an entry is on disk before the reply. */
export function auditWriter(target: ServeOptions["audit"]): (entry: AuditEntry) => void {
  if (target === undefined) return () => {};
  if (typeof target === "function") return target;
  return (entry) => appendFileSync(target, `${JSON.stringify(entry)}\n`);
}
