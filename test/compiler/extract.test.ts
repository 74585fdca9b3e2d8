/** Extraction of each DAG and FSM construct, with the exact graph IR expected. */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { Graph, GraphNode } from "../../src/graph/types.js";
import { WeftProject, type Extraction } from "../../compiler/project.js";
import type { ExtractedWorkflow } from "../../compiler/extract/workflow.js";
import { FIXTURES, ROOT, withoutCompilerFields } from "./helpers.js";

const F = `${FIXTURES}/constructs.ts`;
const H = `${FIXTURES}/helpers.ts`;
const M = `${FIXTURES}/machines.ts`;

let extraction: Extraction;
const byName = (name: string): ExtractedWorkflow => {
  const w = extraction.workflows.find((x) => x.graph.name === name);
  if (!w) throw new Error(`no workflow '${name}'`);
  return w;
};
const node = (g: Graph, name: string): GraphNode => {
  const n = g.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node '${name}'`);
  return n;
};
const at = (file: string, line: number, column: number) => ({ file, line, column });

beforeAll(() => {
  extraction = new WeftProject({ root: ROOT }).extract([F, M]);
});

describe("DAG extraction", () => {
  it("finds every exported workflow, in source order, without errors", () => {
    expect(extraction.diagnostics).toEqual([]);
    expect(extraction.workflows.map((w) => [w.file, w.exportName, w.graph.name])).toEqual([
      [F, "inner", "inner"],
      [F, "constructs", "constructs"],
      [M, "light", "traffic_light"],
      [M, "door", "door"],
    ]);
  });

  it("reads the nodes of every construct", () => {
    const g = byName("constructs").graph;
    expect(g.nodes.map((n) => [n.name, n.kind])).toEqual([
      ["load", "task"],
      ["clean", "task"],
      ["size", "task"],
      ["big", "condition"],
      ["batch", "task"],
      ["inline", "task"],
      ["route", "select"],
      ["someCount", "task"],
      ["noneCount", "task"],
      ["loaded", "any"],
      ["each", "map"],
      ["nested", "sub"],
      ["whole", "sub"],
      ["score", "task"],
      ["final", "task"],
    ]);
    expect(g.output).toBe("final");
    expect(node(g, "big").ports).toEqual(["true", "false"]);
    // Select cases come from the function's return type, in the order they are written.
    expect(node(g, "route").ports).toEqual(["some", "none"]);
  });

  it("reads every edge: ports, params, whole-value edges and .any indexes", () => {
    const g = byName("constructs").graph;
    expect(g.edges.map(({ type: _t, ...e }) => e)).toEqual([
      { from: "input", port: "path", to: "load", param: "path" },
      { from: "load", to: "clean", param: "rows" },
      { from: "clean", to: "size" },
      { from: "clean", to: "big", param: "rows" },
      { from: "big", port: "true", to: "batch", param: "rows" },
      { from: "big", port: "false", to: "inline", param: "rows" },
      { from: "clean", to: "route", param: "rows" },
      { from: "route", port: "some", to: "someCount", param: "rows" },
      { from: "route", port: "none", to: "noneCount", param: "rows" },
      { from: "batch", to: "loaded", param: "r", index: 0 },
      { from: "inline", to: "loaded", param: "r", index: 1 },
      { from: "clean", to: "each", param: "items" },
      { from: "input", port: "minAge", to: "each", param: "minAge" },
      { from: "input", port: "path", to: "nested", param: "path" },
      { from: "input", to: "whole" },
      { from: "clean", to: "score", param: "rows" },
      { from: "score", to: "final", param: "s" },
      { from: "nested", to: "final", param: "n" },
      { from: "each", to: "final", param: "e" },
      { from: "whole", to: "final", param: "w" },
      { from: "size", to: "final", param: "c" },
    ]);
  });

  it("gives each edge the type text of what flows", () => {
    const g = byName("constructs").graph;
    const type = (from: string, to: string) =>
      g.edges.find((e) => e.from === from && e.to === to)?.type;
    expect(type("input", "load")).toBe("string");
    expect(type("load", "clean")).toBe("Row[]");
    expect(type("big", "batch")).toBe("Row[]"); // the branch's value, not Branch<Row[]>
    expect(type("route", "someCount")).toBe("Row[]");
    expect(type("batch", "loaded")).toBe('{ mode: "batch"; n: number; }');
    expect(type("input", "whole")).toBe("{ path: string; minAge: number; }");
    expect(type("each", "final")).toBe("boolean[]");
    expect(node(g, "load").type).toBe("Row[]");
    expect(node(g, "big").type).toBe("Branch<Row[]>");
    expect(node(g, "route").type).toBe('Selected<"some", Row[]> | Selected<"none", Row[]>');
    expect(node(g, "final").type).toBe(
      "{ s: number; n: Row[]; e: boolean[]; w: Row[]; c: number; }",
    );
    expect(g.input?.type).toBe("{ path: string; minAge: number; }");
  });

  it("reads options as data and records option functions under has", () => {
    const g = byName("constructs").graph;
    expect(node(g, "load").options).toEqual({
      retry: { attempts: 3, delayMs: 100 },
      timeoutMs: 5000,
      has: { retryOn: true },
    });
    expect(node(g, "clean").options).toEqual({ cache: { ttlMs: 60000 }, has: { cacheKey: true } });
    expect(node(g, "loaded").options).toEqual({ fallback: { mode: "batch", n: 0 } });
    expect(node(g, "each").options).toEqual({ concurrency: 4 });
    expect(node(g, "final").options).toEqual({ has: { hooks: true } });
    expect(node(g, "size").options).toBeUndefined();
  });

  it("records where named functions live", () => {
    const g = byName("constructs").graph;
    expect(node(g, "clean").fn).toEqual({ name: "cleanRows", module: H, export: "cleanRows" });
    // Imported under another name: the function's own name, and the export it comes from.
    expect(node(g, "someCount").fn).toEqual({ name: "countRows", module: H, export: "countRows" });
    expect(node(g, "batch").fn).toEqual({ name: "batchLoad" }); // local, not exported
    expect(node(g, "inline").fn).toEqual({ name: "inlineLoad" }); // named function expression
    expect(node(g, "load").fn).toBeUndefined(); // inline arrow
  });

  it("records source locations and doc comments", () => {
    const w = byName("constructs");
    const g = w.graph;
    expect(g.source).toEqual(at(F, 40, 14));
    expect(g.doc).toBe("Every DAG construct.");
    expect(g.module).toEqual({ name: "constructs", module: F, export: "constructs" });
    expect(node(g, "load").source).toEqual(at(F, 25, 4));
    expect(node(g, "load").doc).toBe("Loads rows");
    expect(node(g, "clean").doc).toBeUndefined();
    // A node added by a fragment declared elsewhere points into the fragment.
    expect(node(g, "score").source).toEqual(at(F, 18, 12));
    expect(node(g, "final").source).toEqual(at(F, 61, 7));
  });

  it("embeds sub-workflows read from their own chains", () => {
    const g = byName("constructs").graph;
    const sub = node(g, "nested").subgraph;
    expect(sub?.name).toBe("inner");
    expect(sub?.nodes.map((n) => [n.name, n.type])).toEqual([["read", "Row[]"]]);
    expect(node(g, "whole").subgraph).toEqual(sub);
  });

  it("equals the graph the builder builds at run time", async () => {
    const mod = (await import(pathToFileURL(path.join(ROOT, F)).href)) as Record<
      string,
      { graph: Graph }
    >;
    for (const name of ["inner", "constructs"]) {
      const runtime = mod[name].graph;
      expect(withoutCompilerFields(byName(name).graph, runtime)).toEqual(
        withoutCompilerFields(runtime, runtime),
      );
    }
  });
});

describe("FSM extraction", () => {
  it("reads a function-return machine: states, targets, stops, transitions", () => {
    const g = byName("traffic_light").graph;
    expect(g.kind).toBe("fsm");
    expect(g.fsm).toEqual({ initial: "red", terminal: ["off"], maxCycles: 50, style: "function" });
    expect(g.nodes.map((n) => [n.name, n.targets, n.canStop])).toEqual([
      ["red", ["green"], false],
      ["green", ["yellow", "red"], false],
      ["yellow", ["red", "off"], true],
      ["off", [], true],
    ]);
    expect(g.edges.map(({ type: _t, ...e }) => e)).toEqual([
      { from: "red", to: "green" },
      { from: "green", to: "yellow" },
      { from: "green", to: "red" },
      { from: "yellow", to: "red" },
      { from: "yellow", to: "off" },
    ]);
    expect(node(g, "green").doc).toBe("Go, unless told to wait");
    expect(node(g, "green").options).toEqual({ timeoutMs: 100 });
    expect(node(g, "off").fn).toEqual({ name: "switchOff", module: M, export: "switchOff" });
    expect(node(g, "yellow").type).toBe("string | number");
    expect(g.edges.find((e) => e.from === "yellow" && e.to === "red")?.type).toBe("number");
  });

  it("reads an event-driven machine: events, guards, actions, wildcards", () => {
    const g = byName("door").graph;
    expect(g.fsm).toEqual({
      initial: "closed",
      terminal: ["broken"],
      events: ["open", "close", "kick"],
      style: "event",
    });
    expect(g.edges).toEqual([
      { from: "closed", to: "open", event: "open", action: true },
      { from: "open", to: "closed", event: "close", guard: true },
      { from: "closed", to: "broken", event: "kick", wildcard: true },
      { from: "open", to: "broken", event: "kick", wildcard: true },
    ]);
    expect(g.input?.type).toBe("{ opens: number; }");
  });

  it("equals the graphs the builders build at run time", async () => {
    const mod = (await import(pathToFileURL(path.join(ROOT, M)).href)) as Record<
      string,
      { graph: Graph }
    >;
    for (const [exp, name] of [
      ["light", "traffic_light"],
      ["door", "door"],
    ]) {
      const runtime = mod[exp].graph;
      expect(withoutCompilerFields(byName(name).graph, runtime)).toEqual(
        withoutCompilerFields(runtime, runtime),
      );
    }
  });
});
