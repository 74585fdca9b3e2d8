/**
 * `weft validate` of a reference to an input field the input type lacks (`"input.pth"`), which it
 * used to accept (the run then failed with `Cannot read properties of undefined`), and of a typo in
 * a node name, which used to add a misleading WEFT102 for the node the typo missed.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { validateCommand } from "../../compiler/cli/validate-command.js";
import { FIXTURES } from "./helpers.js";

const FILE = `${FIXTURES}/input-fields/input-fields.ts`;

async function validate(): Promise<{ code: number; text: string }> {
  let text = "";
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const code = await validateCommand([FILE], { out, err: out });
  return { code, text };
}

describe("weft validate: input fields and node-name typos", () => {
  it("rejects 'input.pth' for an input without 'pth' and suggests the nearest field (was: accepted)", async () => {
    const { code, text } = await validate();
    expect(code).toBe(1);
    expect(text).toContain(
      `${FILE}:6:23 - error WEFT009: workflow 'input_typo': node 'load' reads 'input.pth', but the input type { path: string; minAge: number; } has no field 'pth'; did you mean 'input.path'?`,
    );
  });

  it("reports the typo 'laod' once, without a WEFT102 for 'load' (was: 'result of node load is not used')", async () => {
    const { text } = await validate();
    expect(text).toContain("error WEFT001: workflow 'node_typo'");
    expect(text).toContain("refers to unknown node 'laod'; did you mean 'load'?");
    expect(text).not.toContain("WEFT102");
  });
});
