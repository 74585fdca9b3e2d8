/** `weft run --max-input-bytes`: an oversized input is refused before it is read or parsed. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../compiler/helpers.js";

const tmp = mkdtempSync(path.join(tmpdir(), "weft-maxin-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const FILE = "test/validation/fixtures/checked.ts";

function weft(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "bin/weft.js"), ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 },
      (err, _stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stderr });
      },
    );
  });
}

describe("weft run --max-input-bytes", () => {
  it("refuses an input file over the limit by its size, and --input by its UTF-8 length", async () => {
    const file = path.join(tmp, "big.json");
    // Not even JSON: the size check comes before any parsing.
    writeFileSync(file, "x".repeat(300));
    const r = await weft("run", FILE, "--input-file", file, "--max-input-bytes", "100");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `cannot read input file '${file}': the file is 300 bytes, over the limit of 100 (--max-input-bytes)`,
    );
    const s = await weft("run", FILE, "--input", `"${"é".repeat(60)}"`, "--max-input-bytes", "100");
    expect(s.stderr).toContain(
      "--input is 122 bytes, over the input limit of 100 bytes (--max-input-bytes)",
    );
    const bad = await weft("run", FILE, "--input", "{}", "--max-input-bytes", "lots");
    expect(bad.stderr).toContain("--max-input-bytes must be a whole number of bytes, got 'lots'");
  }, 120_000);
});
