/** Regression tests: run input and graph files read by the CLI never lose keys or bytes silently. */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readGraphFile } from "../../compiler/cli/graph-file.js";
import { readFileBytes } from "../../compiler/cli/read-bytes.js";
import { reviveDates } from "../../compiler/schema/revive.js";
import type { JsonSchema } from "../../compiler/schema/types.js";
import { validateJson } from "../../compiler/schema/validate.js";

const tmp = mkdtempSync(path.join(tmpdir(), "weft-input-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tagsSchema: JsonSchema = {
  type: "object",
  properties: {
    tags: { type: "object", additionalProperties: { type: "number" } },
  },
  required: ["tags"],
};

describe("run input with a '__proto__' key", () => {
  it('{"tags":{"__proto__":5,"a":1}} is refused for Record<string, number> instead of losing the key', () => {
    const input = JSON.parse(`{"tags":{"__proto__":5,"a":1}}`) as unknown;
    expect(validateJson(input, tagsSchema)).toEqual([
      {
        path: "input.tags.__proto__",
        message:
          "the key '__proto__' is not allowed (copying it would replace the object's prototype)",
      },
    ]);
  });

  it("reviving dates keeps every key as an own property", () => {
    const input = JSON.parse(`{"tags":{"__proto__":{"x":1},"a":1}}`) as unknown;
    const out = reviveDates(input, tagsSchema) as { tags: Record<string, unknown> };
    expect(Object.keys(out.tags)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(out.tags)).toBe(Object.prototype);
  });
});

describe("graph files read by the CLI", () => {
  it("a file over the size limit is refused from its size, before it is read", () => {
    const file = path.join(tmp, "huge.json");
    writeFileSync(file, "");
    // A sparse 100 MB file: reading it whole would take seconds and hundreds of MB.
    truncateSync(file, 100 * 1024 * 1024);
    expect(() => readFileBytes(file)).toThrow(
      "the file is 104857600 bytes, over the limit of 10485760",
    );
    const { diagnostics } = readGraphFile(file);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].code).toBe("WEFT040");
    expect(diagnostics[0].message).toContain("over the limit of 10485760");
  });

  it("a workflow name in non-UTF-8 bytes is refused with the offset, not read as U+FFFD", () => {
    const file = path.join(tmp, "latin1.json");
    const head = Buffer.from('{"version":1,"kind":"dag","name":"caf');
    writeFileSync(
      file,
      Buffer.concat([head, Buffer.from([0xe9]), Buffer.from('","nodes":[],"edges":[]}')]),
    );
    const { graph, diagnostics } = readGraphFile(file);
    expect(graph).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({
      code: "WEFT041",
      message: `the text is not valid UTF-8: bad byte at offset ${head.length} (line 1, column ${head.length + 1})`,
      location: { line: 1, column: head.length + 1 },
    });
  });
});
