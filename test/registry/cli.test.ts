/** `weft validate --registry` and `weft run --registry` with a versioned registry, end to end. */
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../compiler/helpers.js";

function weft(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

const dir = "test/registry/fixtures";

describe("weft with a versioned registry", () => {
  it("validate --registry resolves every node offline and prints the versions", async () => {
    const r = await weft(
      "validate",
      `${dir}/thumbs.graph.yaml`,
      "--registry",
      `${dir}/registry.ts`,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `ok ${dir}/thumbs.graph.yaml: dag 'thumbs' (2 nodes; versions: resize 1.2.0, label 1.0.0)\n`,
    );
  }, 120_000);

  it("validate --registry reports a range nothing matches at the node's fn, with the versions there are", async () => {
    const r = await weft(
      "validate",
      `${dir}/thumbs-bad.graph.yaml`,
      "--registry",
      `${dir}/registry.ts`,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${dir}/thumbs-bad.graph.yaml:7:9 - error WEFT042: node 'resize': no version of 'resize' matches '^1.5' (it has 2.0.0, 1.2.0) (the registry has: label@1.0.0, resize@2.0.0, resize@1.2.0)`,
    );
  }, 120_000);

  it("run --registry records the resolved version in the printed run record", async () => {
    const r = await weft(
      "run",
      `${dir}/thumbs.graph.yaml`,
      "--registry",
      `${dir}/registry.ts`,
      "--input",
      '{"w":64}',
      "--no-progress",
    );
    expect(r.code).toBe(0);
    const record = JSON.parse(r.stdout);
    expect(record.output).toBe("[v1.2 64]");
    expect(record.nodes.resize.version).toBe("1.2.0");
  }, 120_000);
});
