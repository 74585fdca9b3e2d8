/**
 * `weft compile --check` after a source edit that changes no output: it used to report
 * manifest.json stale (the manifest hashes the sources); a change to an output is still stale.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { WeftProject } from "../../compiler/project.js";
import { ROOT } from "./helpers.js";

// Inside the project, so the workflow resolves weft's sources like the fixtures do.
const DIR = path.join(ROOT, ".weft-tmp", `compile-check-${process.pid}`);
const FILE = path.join(DIR, "wf.ts");
const OUT = path.join(DIR, "out");

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function check(): Promise<string[]> {
  return compile(new WeftProject({ root: ROOT }), {
    paths: [FILE],
    out: OUT,
    check: true,
  }).then((r) => r.stale);
}

describe("compile --check", () => {
  it("is clean after an edit that changes no output (was: manifest.json stale), stale after one that does", async () => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      FILE,
      [
        'import { dag } from "../../src/index.js";',
        'export const wf = dag<{ n: number }>("checked").node("a", { n: "input.n" }, ({ n }) => n + 1).build();',
        "",
      ].join("\n"),
    );
    const first = await compile(new WeftProject({ root: ROOT }), { paths: [FILE], out: OUT });
    expect(first.written).toContain("manifest.json");
    expect(await check()).toEqual([]);

    appendFileSync(FILE, "// a comment changes the source hash, not the outputs\n");
    expect(await check()).toEqual([]);

    writeFileSync(
      FILE,
      [
        'import { dag } from "../../src/index.js";',
        'export const wf = dag<{ n: number }>("checked").node("b", { n: "input.n" }, ({ n }) => n + 1).build();',
        "",
      ].join("\n"),
    );
    const stale = await check();
    expect(stale).toContain("checked.graph.json");
    expect(stale).toContain("manifest.json");
  });
});
