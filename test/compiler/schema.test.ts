/** JSON Schema of workflow inputs, from the types; and the validator the CLI checks input with. */
import { beforeAll, describe, expect, it } from "vitest";
import { WeftProject, type Extraction } from "../../compiler/project.js";
import { reviveDates } from "../../compiler/schema/revive.js";
import type { JsonSchema } from "../../compiler/schema/types.js";
import { validateJson } from "../../compiler/schema/validate.js";
import { FIXTURES, ROOT } from "./helpers.js";

let extraction: Extraction;
const schemaOf = (name: string): JsonSchema => {
  const w = extraction.workflows.find((x) => x.graph.name === name);
  if (!w) throw new Error(`no workflow '${name}'`);
  return w.inputSchema;
};

beforeAll(() => {
  extraction = new WeftProject({ root: ROOT }).extract([`${FIXTURES}/schema-types.ts`]);
});

describe("input type -> JSON Schema", () => {
  it("covers primitives, literals, unions, enums, arrays, tuples, records, Date and recursion", () => {
    const s = schemaOf("orders");
    expect(s.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(s.title).toBe("orders input");
    expect(s.type).toBe("object");
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual([
      "id",
      "quantity",
      "status",
      "level",
      "code",
      "tags",
      "point",
      "range",
      "notes",
      "placed",
      "extra",
      "nested",
      "tree",
      "retries",
    ]);
    expect(s.properties).toEqual({
      id: { description: "Order id.", type: "string" },
      quantity: { type: "number" },
      express: { type: "boolean" },
      status: { type: "string", enum: ["new", "paid", "shipped"] },
      level: { type: "string", enum: ["low", "high"] },
      code: { type: "number", enum: [1, 2] },
      tags: { type: "array", items: { type: "string" } },
      point: {
        type: "array",
        prefixItems: [{ type: "number" }, { type: "number" }],
        minItems: 2,
        items: false,
        maxItems: 2,
      },
      range: {
        type: "array",
        prefixItems: [{ type: "number" }, { type: "number" }],
        minItems: 1,
        items: false,
        maxItems: 2,
      },
      notes: { type: ["null", "string"] },
      placed: { type: "string", format: "date-time", tsType: "Date" },
      extra: { type: "object", additionalProperties: { type: "number" } },
      nested: {
        type: "object",
        properties: {
          a: {
            type: "object",
            properties: { b: { type: "array", items: { type: "number" } } },
            required: ["b"],
            additionalProperties: false,
          },
        },
        required: ["a"],
        additionalProperties: false,
      },
      tree: { $ref: "#/$defs/Tree" },
      retries: { type: "number", const: 3 },
    });
    expect(s.$defs).toEqual({
      Tree: {
        type: "object",
        properties: {
          label: { type: "string" },
          children: { type: "array", items: { $ref: "#/$defs/Tree" } },
        },
        required: ["label"],
        additionalProperties: false,
      },
    });
  });

  it("reports what it cannot express, by path", () => {
    const w = extraction.workflows.find((x) => x.graph.name === "odd");
    expect(w?.schemaIssues).toEqual([
      { path: "input.cb", message: "a function has no JSON form" },
      { path: "input.big", message: "bigint has no JSON form" },
      { path: "input.sym", message: "a symbol has no JSON form" },
    ]);
  });

  it("lets an input that may be undefined be null, and a workflow without input take none", () => {
    expect(schemaOf("optional").anyOf?.[1]).toEqual({ type: "null", tsType: "undefined" });
    expect(schemaOf("none")).toEqual({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "none input",
      type: "null",
      tsType: "undefined",
    });
  });
});

describe("validateJson", () => {
  const good = {
    id: "o1",
    quantity: 2,
    status: "paid",
    level: "low",
    code: 2,
    tags: ["a"],
    point: [1, 2],
    range: [1],
    notes: null,
    placed: "2024-05-01T10:00:00Z",
    extra: { x: 1 },
    nested: { a: { b: [1, 2] } },
    tree: { label: "root", children: [{ label: "leaf" }] },
    retries: 3,
  };

  it("accepts a valid input", () => {
    expect(validateJson(good, schemaOf("orders"))).toEqual([]);
  });

  it("names the path of every wrong field", () => {
    const bad: Record<string, unknown> = {
      ...good,
      quantity: "2",
      status: "lost",
      point: [1],
      placed: "yesterday",
      extra: { x: "1" },
      tree: { label: "root", children: [{ label: 7 }] },
      expres: true,
    };
    delete bad.id;
    expect(validateJson(bad, schemaOf("orders"))).toEqual([
      { path: "input.id", message: "is required" },
      { path: "input.quantity", message: "expected number, got string" },
      { path: "input.status", message: 'expected one of "new", "paid", "shipped", got "lost"' },
      { path: "input.point", message: "expected at least 2 items, got 1" },
      { path: "input.placed", message: 'expected a date-time string (ISO 8601), got "yesterday"' },
      { path: "input.extra.x", message: "expected number, got string" },
      { path: "input.tree.children[0].label", message: "expected string, got number" },
      { path: "input.expres", message: "unknown field (did you mean 'express'?)" },
    ]);
  });

  it("checks anyOf, tuples' length and nesting", () => {
    const s: JsonSchema = {
      anyOf: [
        { type: "string" },
        { type: "array", prefixItems: [{ type: "number" }], items: false, maxItems: 1 },
      ],
    };
    expect(validateJson("x", s)).toEqual([]);
    expect(validateJson([1, 2], s)).toEqual([
      { path: "input", message: "expected at most 1 items, got 2" },
    ]);
    expect(validateJson(true, s)).toEqual([
      { path: "input", message: "expected string | array, got true" },
    ]);
  });

  it("turns Date fields back into dates", () => {
    const revived = reviveDates(good, schemaOf("orders")) as { placed: unknown; id: unknown };
    expect(revived.placed).toBeInstanceOf(Date);
    expect((revived.placed as Date).toISOString()).toBe("2024-05-01T10:00:00.000Z");
    expect(revived.id).toBe("o1");
  });
});
