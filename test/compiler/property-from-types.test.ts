/**
 * Property testing from types, on the examples: inputs generated from the input schema the
 * compiler derives, and branch coverage of conditions and selects.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { WeftProject, type Extraction } from "../../compiler/project.js";
import type { JsonSchema } from "../../compiler/schema/types.js";
import { validateJson } from "../../compiler/schema/validate.js";
import { refunds } from "../../examples/conditional.js";
import { triage } from "../../examples/select-router.js";
import { arbitraryFromSchema, coverBranches } from "../../src/testing/from-schema.js";
import { FIXTURES, ROOT } from "./helpers.js";

let extraction: Extraction;
const schemaOf = (name: string): JsonSchema => {
  const w = extraction.workflows.find((x) => x.graph.name === name);
  if (!w) throw new Error(`no workflow '${name}'`);
  return w.inputSchema;
};

beforeAll(() => {
  extraction = new WeftProject({ root: ROOT }).extract([
    "examples/conditional.ts",
    "examples/select-router.ts",
    `${FIXTURES}/schema-types.ts`,
  ]);
});

describe("arbitraryFromSchema", () => {
  it("generates only inputs the schema accepts (in their JSON form)", () => {
    for (const name of ["refunds", "ticket_triage", "orders", "optional"]) {
      const schema = schemaOf(name);
      fc.assert(
        fc.property(arbitraryFromSchema(schema, { json: true }), (input) => {
          expect(validateJson(input, schema)).toEqual([]);
        }),
        { numRuns: 50, seed: 7 },
      );
    }
  });

  it("gives Date fields as dates and honours overrides", () => {
    const [order] = fc.sample(arbitraryFromSchema(schemaOf("orders")), { numRuns: 1, seed: 3 });
    expect((order as { placed: unknown }).placed).toBeInstanceOf(Date);
    const arb = arbitraryFromSchema(schemaOf("ticket_triage"), {
      overrides: { "input.ticket.text": fc.constant("hello") },
    });
    for (const t of fc.sample(arb, { numRuns: 5, seed: 1 })) {
      expect((t as { ticket: { text: string } }).ticket.text).toBe("hello");
    }
  });
});

describe("coverBranches", () => {
  it("covers both branches of the refunds condition", async () => {
    const coverage = await coverBranches(refunds, arbitraryFromSchema(schemaOf("refunds")), {
      maxRuns: 200,
      seed: 1,
    });
    expect(coverage.branches).toEqual(["small.true", "small.false"]);
    expect(coverage.missed).toEqual([]);
    expect(coverage.failures).toEqual([]);
  });

  it("reports the select cases random text never reaches, until the generator is steered", async () => {
    const schema = schemaOf("ticket_triage");
    const blind = await coverBranches(triage, arbitraryFromSchema(schema), {
      maxRuns: 40,
      seed: 2,
    });
    expect(blind.branches).toEqual(["route.billing", "route.engineering", "route.desk"]);
    expect(blind.missed).toEqual(["route.billing", "route.engineering"]);
    expect(blind.runs).toBe(40);

    const text = fc.constantFrom("Refund my invoice", "App crash on start", "Hello!");
    const steered = await coverBranches(
      triage,
      arbitraryFromSchema(schema, { overrides: { "input.ticket.text": text } }),
      { maxRuns: 40, seed: 2 },
    );
    expect(steered.missed).toEqual([]);
    expect(Object.keys(steered.covered).sort()).toEqual(steered.branches.slice().sort());
    expect(steered.runs).toBeLessThan(40);
  });
});
