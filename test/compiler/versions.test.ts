/** The compiler records function versions: a `@version` doc tag, or a registry `use` call. */
import { describe, expect, it } from "vitest";
import { WeftProject } from "../../compiler/project.js";
import { FIXTURES, ROOT } from "./helpers.js";
import { versioned } from "../fixtures/compiler/versions.js";

const F = `${FIXTURES}/versions.ts`;

describe("function versions in the emitted graph", () => {
  const extraction = new WeftProject({ root: ROOT }).extract([F]);
  const graph = extraction.workflows[0].graph;

  it("reads the @version tag of a node's function", () => {
    expect(extraction.diagnostics).toEqual([]);
    expect(graph.nodes[0].fn).toEqual({
      name: "resize",
      module: F,
      export: "resize",
      version: "1.2.0",
    });
  });

  it("reads reg.use('name@range') as the registry function and its range, as the builder does", () => {
    expect(graph.nodes[1].fn).toEqual({ name: "crop", version: "^2" });
    expect(versioned.graph.nodes[1].fn).toEqual({ name: "crop", version: "^2" });
  });
});
