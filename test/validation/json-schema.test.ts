import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { jsonLengthOver } from "../../src/run/validate-input.js";
import { WeftProject } from "../../compiler/project.js";
import { dagFromGraph, InputError, memoryStore } from "../../src/index.js";
import type { CheckedInput } from "./fixtures/checked.js";
import { checked } from "./fixtures/checked.js";
import { ROOT } from "../compiler/helpers.js";
import type { Graph } from "../../src/graph/types.js";

let schema: object;
let graph: Graph;
let zodSchema: object | undefined;

beforeAll(() => {
  // The schema the real compiler writes as checked.input.schema.json.
  const extraction = new WeftProject({ root: ROOT }).extract([
    "test/validation/fixtures/checked.ts",
    "test/validation/fixtures/zod-flow.ts",
  ]);
  zodSchema = extraction.workflows.find((x) => x.graph.name === "zod_flow")?.inputSchema;
  const w = extraction.workflows.find((x) => x.graph.name === "checked");
  if (!w) throw new Error("the compiler found no workflow 'checked'");
  schema = w.inputSchema;
  graph = w.graph;
}, 120_000);

const bad = { path: 7, minAge: "18", extra: true } as unknown as CheckedInput;

describe("run-time validation with the compiled JSON Schema", () => {
  it("without a schema, a mistyped input runs (types are erased)", async () => {
    expect((await checked.run(bad)).status).toBe("failed"); // path.toUpperCase is not a function
  });

  it("withInputSchema checks every run and lists every issue; nothing runs", async () => {
    const wf = checked.withInputSchema(schema);
    const store = memoryStore();
    const err = await wf.run(bad, { checkpoint: store, runId: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map((i) => i.path)).toEqual([
      "input.path",
      "input.minAge",
      "input.extra",
    ]);
    expect((err as InputError).issues[2].message).toBe("is not a known field");
    expect((err as Error).message).toMatch(
      /^invalid input for workflow 'checked'; nothing was run \(3 issues\):\n {2}input\.path: /,
    );
    expect(store.loadRun("x")).toBeUndefined();
    const ok = await wf.run({ path: "a", minAge: 3, tags: ["t"] });
    expect(ok.output).toBe("A>3");
    expect(() => wf.runSync(bad)).toThrow(InputError);
    expect(wf.runSync({ path: "b", minAge: 1 }).output).toBe("B>1");
  });

  it("validate: false skips an attached schema; validate: schema checks one run", async () => {
    const wf = checked.withInputSchema(schema);
    expect((await wf.run(bad, { validate: false })).status).toBe("failed");
    await expect(checked.run(bad, { validate: schema })).rejects.toThrow(/input\.minAge: /);
  });

  it("validate: true uses the schema a compiled graph carries", async () => {
    expect(graph.input?.schema).toBeDefined();
    const rebuilt = dagFromGraph(graph, {
      load: { fn: ((a: { path: string }) => a.path) as never },
      filter: { fn: ((a: { rows: string }) => a.rows) as never },
    });
    await expect(rebuilt.run(bad as never, { validate: true })).rejects.toThrow(InputError);
    expect((await rebuilt.run({ path: "p", minAge: 1 } as never, { validate: true })).output).toBe(
      "p",
    );
  });

  it("validate: true without any schema is a clear error", async () => {
    await expect(checked.run({ path: "a", minAge: 1 }, { validate: true })).rejects.toThrow(
      "run option 'validate': workflow 'checked' has no JSON Schema for its input; attach the one `weft compile` writes (NAME.input.schema.json) with wf.withInputSchema(schema), or pass the schema itself as 'validate'",
    );
  });
});

describe("the compiler and Standard Schema inputs", () => {
  it("derives the input JSON Schema from the validator's input type", () => {
    expect(zodSchema).toMatchObject({
      type: "object",
      properties: { id: { type: "string" }, qty: {}, tags: { type: "array" } },
      required: ["id", "qty"],
    });
  });
});

describe("maxInputBytes", () => {
  it("refuses a string input by its UTF-8 length, before anything runs", () => {
    expect(() => checked.runSync("é".repeat(600) as never, { maxInputBytes: 1000 })).toThrow(
      "workflow 'checked': the input is 1200 bytes, over maxInputBytes (1000)",
    );
  });

  it("refuses bytes by their length", () => {
    expect(() => checked.runSync(new Uint8Array(2048) as never, { maxInputBytes: 2047 })).toThrow(
      "the input is 2048 bytes, over maxInputBytes (2047)",
    );
  });

  it("measures an object's JSON form, stopping at the limit", async () => {
    const big = { path: "x".repeat(5000), minAge: 1 };
    await expect(checked.run(big, { maxInputBytes: 4096 })).rejects.toThrow(
      "workflow 'checked': the input is over maxInputBytes (4096): its JSON form passed 4096 bytes (measuring stopped there)",
    );
    // Exactly at the limit passes: the measure is the JSON length.
    const fits = { path: "y", minAge: 2 };
    const r = await checked.run(fits, { maxInputBytes: JSON.stringify(fits).length });
    expect(r.output).toBe("Y>2");
  });

  it("stops on a cyclic input instead of looping", async () => {
    const cyclic: Record<string, unknown> = { path: "a", minAge: 1 };
    cyclic.self = cyclic;
    await expect(checked.run(cyclic as never, { maxInputBytes: 10_000 })).rejects.toThrow(
      "over maxInputBytes (10000)",
    );
  });

  it("refuses a bad limit", () => {
    expect(() => checked.runSync({ path: "a", minAge: 1 }, { maxInputBytes: -1 })).toThrow(
      "run option 'maxInputBytes' must be a number of bytes, 0 or more; got -1",
    );
  });
});

describe("maxInputBytes measure (property)", () => {
  it("equals the UTF-8 length of JSON.stringify for JSON data without escapes", () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => !JSON.stringify(v).includes("\\")),
        fc.nat(400),
        (value, max) => {
          const length = Buffer.byteLength(JSON.stringify(value), "utf8");
          expect(jsonLengthOver(value, max)).toBe(length > max);
        },
      ),
      { numRuns: 500 },
    );
  });
});
