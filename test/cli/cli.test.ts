/** The `weft` command end to end: each test spawns `node bin/weft.js`, as users run it. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../compiler/helpers.js";

const tmp = mkdtempSync(path.join(tmpdir(), "weft-cli-"));
const MARKER = "test/fixtures/compiler/cli/marker.ts";

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
}

function weft(...args: string[]): Promise<Spawned> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "bin/weft.js"), ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("weft CLI", () => {
  it("compile writes the outputs; compile --check then finds a stale file", async () => {
    const out = path.join(tmp, "out");
    const compiled = await weft("compile", MARKER, "--out", out);
    expect(compiled.stderr).toBe("");
    expect(compiled.code).toBe(0);
    expect(compiled.stdout).toMatch(/^compiled 1 workflow into .* \(8 written, 0 unchanged\)/);
    expect(readFileSync(path.join(out, "marker.mmd"), "utf8")).toMatch(/^flowchart/);

    writeFileSync(path.join(out, "marker.dot"), "digraph {}\n");
    const checked = await weft("compile", MARKER, "--out", out, "--check");
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain("stale: 1 file in");
    expect(checked.stdout).toContain("marker.dot");
    expect(readFileSync(path.join(out, "marker.dot"), "utf8")).toBe("digraph {}\n");
  });

  it("run validates the input, runs, and prints the run record as JSON", async () => {
    const file = path.join(tmp, "ran.txt");
    const r = await weft(
      "run",
      MARKER,
      "--input",
      JSON.stringify({ file, count: 21 }),
      "--mode",
      "sequential",
    );
    expect(r.code).toBe(0);
    const record = JSON.parse(r.stdout);
    expect(record.workflow).toBe("marker");
    expect(record.status).toBe("completed");
    expect(record.output).toBe(42);
    expect(readFileSync(file, "utf8")).toBe("21");
    // Not a terminal: plain progress lines on stderr.
    expect(r.stderr).toMatch(/write completed in \d+ ms \[1\/2\]/);
    expect(r.stderr).toMatch(/run completed/);
  });

  it("run refuses bad input before anything runs, naming the field", async () => {
    const file = path.join(tmp, "never.txt");
    const r = await weft(
      "run",
      MARKER,
      "--input",
      JSON.stringify({ file, count: "three", tags: [1] }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "invalid input for workflow 'marker' (test/fixtures/compiler/cli/marker.ts:5); nothing was run",
    );
    expect(r.stderr).toContain("input.count: expected number, got string");
    expect(r.stderr).toContain("input.tags[0]: expected string, got number");
    expect(existsSync(file)).toBe(false);
  });

  it("viz draws a workflow read from source", async () => {
    const r = await weft("viz", MARKER, "--format", "mermaid");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowchart/);
    expect(r.stdout).toContain("write --> double");
  });

  it("validate reports a hand-edited graph's dangling reference at its line", async () => {
    const r = await weft("validate", "test/fixtures/compiler/cli/bad-graph.json");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "test/fixtures/compiler/cli/bad-graph.json:11:15 - error WEFT001: workflow 'hand_edited': dependency of 'b' refers to unknown node 'c'",
    );
  });
});
