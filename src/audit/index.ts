/** The audit trail: a hash-chained, append-only log of run actions in the checkpoint store. */
export * from "./types.js";
export {
  AUDIT_GENESIS,
  auditHash,
  canonicalJson,
  inputHash,
  sealAudit,
  verifyAudit,
  type AuditVerdict,
} from "./chain.js";
