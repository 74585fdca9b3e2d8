/**
 * For every example, the graph the compiler reads from source without running it equals the
 * graph the builder builds at run time (compiler-only fields aside).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { Graph } from "../../src/graph/types.js";
import { WeftProject, type Extraction } from "../../compiler/project.js";
import { ROOT, withoutCompilerFields } from "./helpers.js";

const files = readdirSync(path.join(ROOT, "examples"))
  .filter((f) => f.endsWith(".ts"))
  .sort();

let extraction: Extraction;

beforeAll(() => {
  extraction = new WeftProject({ root: ROOT }).extract(["examples"]);
});

describe("examples: static graph equals runtime graph", () => {
  it("extracts without errors", () => {
    const errors = extraction.diagnostics.filter((d) => d.severity === "error");
    expect(errors).toEqual([]);
    expect(extraction.workflows.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)("%s", async (file) => {
    const mod = (await import(pathToFileURL(path.join(ROOT, "examples", file)).href)) as Record<
      string,
      unknown
    >;
    const found = extraction.workflows.filter((w) => w.file === `examples/${file}`);
    for (const w of found) {
      const runtime = (mod[w.exportName] as { graph: Graph }).graph;
      expect(withoutCompilerFields(w.graph, runtime), `${file} export ${w.exportName}`).toEqual(
        withoutCompilerFields(runtime, runtime),
      );
    }
    // Every exported workflow the module has was found.
    const exported = Object.entries(mod)
      .filter(
        ([, v]) =>
          typeof v === "object" && v !== null && "graph" in v && ("run" in v || "start" in v),
      )
      .map(([k]) => k)
      .sort();
    expect(found.map((w) => w.exportName).sort()).toEqual(exported);
  });
});
