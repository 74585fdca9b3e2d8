/** Properties of the audit chain: any appends verify; any single changed field is caught. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verifyAudit, type AuditEntry, type AuditRecord } from "../../src/audit/index.js";
import { memoryStore } from "../../src/run/store/memory.js";

const text = fc.string({ minLength: 1, maxLength: 12 });
const record: fc.Arbitrary<AuditRecord> = fc.record(
  {
    at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    actor: text,
    action: fc.constantFrom("run.start", "run.resume", "run.cancel", "run.signal", "run.end"),
    runId: text,
    workflow: text,
    graphHash: fc.string({ minLength: 16, maxLength: 16 }),
    inputHash: fc.string({ maxLength: 64 }),
    status: text,
    detail: fc.string(),
  },
  { requiredKeys: ["at", "actor", "action", "runId", "workflow"] },
);

const fields = [
  "seq",
  "at",
  "actor",
  "action",
  "runId",
  "workflow",
  "graphHash",
  "inputHash",
  "status",
  "detail",
  "prev",
  "hash",
] as const;

function chainOf(records: AuditRecord[]): AuditEntry[] {
  const store = memoryStore();
  for (const r of records) store.appendAudit(r);
  return store.readAudit();
}

describe("audit chain properties", () => {
  it("any sequence of appends verifies", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (records) => {
        const chain = chainOf(records);
        expect(chain.map((e) => e.seq)).toEqual(records.map((_, i) => i + 1));
        expect(verifyAudit(chain)).toEqual({ ok: true, entries: records.length });
      }),
      { numRuns: 200 },
    );
  });

  it("any single changed, added or removed field is detected at that entry", () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom(...fields),
        fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
        (records, at, field, value) => {
          const chain = chainOf(records);
          const i = at % chain.length;
          const before = chain[i][field];
          fc.pre(before !== value);
          const changed: Record<string, unknown> = { ...chain[i] };
          if (value === undefined) delete changed[field];
          else changed[field] = value;
          chain[i] = changed as unknown as AuditEntry;
          const verdict = verifyAudit(chain);
          expect(verdict.ok).toBe(false);
          if (!verdict.ok) expect(verdict.index).toBe(i);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("removing, duplicating or swapping an entry is detected", () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 2, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom("remove", "duplicate", "swap"),
        (records, at, how) => {
          const chain = chainOf(records);
          const i = at % (chain.length - 1);
          if (how === "remove") chain.splice(i, 1);
          else if (how === "duplicate") chain.splice(i, 0, chain[i]);
          else [chain[i], chain[i + 1]] = [chain[i + 1], chain[i]];
          const verdict = verifyAudit(chain);
          expect(verdict).toMatchObject({ ok: false, index: how === "duplicate" ? i + 1 : i });
        },
      ),
      { numRuns: 300 },
    );
  });
});
