/** Regression tests for hostile and oversized graph documents (reading, validation, rebuilding). */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  fromGraph,
  fsm,
  fsmFromGraph,
  graphToJson,
  graphToYaml,
  MAX_GRAPH_ISSUES,
  next,
  ParseError,
  parseGraph,
  RegistryError,
  stop,
  validateGraph,
  type Graph,
  type GraphNode,
} from "../../src/index.js";
import {
  buildDag,
  buildFsm,
  dagSpecArbitrary,
  fsmSpecArbitrary,
  fsmSpecHandlers,
} from "../../src/testing/index.js";
import { dagGraph, fsmGraph } from "./arbitrary-graph.js";

function parseError(text: string | Uint8Array, options: Parameters<typeof parseGraph>[1] = {}) {
  try {
    parseGraph(text, options);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error("expected a ParseError");
}

const proto = Object.prototype as Record<string, unknown>;

describe("graph documents cannot reach prototypes", () => {
  afterEach(() => {
    // Keep one failing run from poisoning every later test.
    delete proto.isAdmin;
  });

  const attack = (port: string) =>
    JSON.stringify({
      version: 1,
      kind: "dag",
      name: "attack",
      nodes: [{ name: "merge", kind: "task" }],
      edges: [
        { from: "input", port, to: "merge", param: "target" },
        { from: "input", port: "settings", to: "merge", param: "patch" },
      ],
    });

  it("an edge port '__proto__' no longer lets a harmless merge pollute Object.prototype", async () => {
    const registry = {
      merge: ({ target, patch }: { target: object; patch: object }) => Object.assign(target, patch),
    };
    let error: unknown;
    try {
      const graph = parseGraph(attack("__proto__"), { file: "attack.json" });
      await fromGraph(graph, registry).run({ settings: { isAdmin: true } });
    } catch (e) {
      error = e;
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(error).toBeInstanceOf(ParseError);
    const issue = (error as ParseError).issues[0];
    expect(issue).toMatchObject({ path: "edges[0].port", file: "attack.json", line: 1 });
    expect(issue.message).toContain("port '__proto__' is not allowed");
  });

  it("a port 'constructor.constructor' (reaching Function) is refused at its line", () => {
    const text = JSON.stringify(JSON.parse(attack("x.constructor.constructor")), null, 2);
    const e = parseError(text);
    expect(e.issues[0].path).toBe("edges[0].port");
    expect(e.issues[0].message).toContain("'x.constructor.constructor'");
    expect(e.issues[0].line).toBe(14);
  });

  it("reserved node names, parameters and events are refused naming the field", () => {
    const g = (nodes: GraphNode[], edges: Graph["edges"]) =>
      JSON.stringify({ version: 1, kind: "dag", name: "g", nodes, edges });
    for (const name of ["__proto__", "constructor", "prototype", "hasOwnProperty"]) {
      const e = parseError(
        g(
          [
            { name: "a", kind: "task" },
            { name, kind: "task" },
          ],
          [],
        ),
      );
      expect(e.issues[0]).toMatchObject({ path: "nodes[1].name" });
      expect(e.issues[0].message).toContain(`node name '${name}' is not allowed`);
    }
    const p = parseError(
      g([{ name: "a", kind: "task" }], [{ from: "input", to: "a", param: "__proto__" }]),
    );
    expect(p.issues[0].path).toBe("edges[0].param");
    const fsmText = JSON.stringify({
      version: 1,
      kind: "fsm",
      name: "m",
      nodes: [{ name: "a", kind: "state" }],
      edges: [{ from: "a", to: "a", event: "constructor" }],
      fsm: { initial: "a", terminal: [], events: ["constructor"], style: "event" },
    });
    expect(parseError(fsmText).issues.map((i) => i.path)).toEqual([
      "edges[0].event",
      "fsm.events[0]",
    ]);
  });

  it("a node named '__proto__' no longer gives toJSON() 3 entries for 4 nodes", async () => {
    // Graphs refuse the name; the run record is still written with own keys whatever comes in.
    const { dag, runRecordToJson } = await import("../../src/index.js");
    const run = await dag("w")
      .node("a", {}, () => 1)
      .build()
      .run();
    const record = {
      ...run.toJSON(),
      nodes: JSON.parse(`{"a":{"status":"completed"},"__proto__":{"status":"completed"}}`),
    };
    const back = JSON.parse(runRecordToJson(record)) as { nodes: object };
    expect(Object.keys(back.nodes)).toEqual(["__proto__", "a"]);
  });
});

describe("validation is linear and its report is capped", () => {
  it("100,000 dangling edges (4.7 MB) are reported as the first 100 and a count", () => {
    const edges = Array.from({ length: 100_000 }, (_, i) => ({
      from: `missing-upstream-${i}`,
      to: "a",
    }));
    const text = JSON.stringify({
      version: 1,
      kind: "dag",
      name: "g",
      nodes: [{ name: "a", kind: "task" }],
      edges,
    });
    expect(text.length).toBeGreaterThan(4_000_000);
    const e = parseError(text, { file: "big.json" });
    expect(e.issues).toHaveLength(MAX_GRAPH_ISSUES + 1);
    expect(e.issues[0]).toMatchObject({
      path: "edges[0].from",
      message: "dependency of 'a' refers to unknown node 'missing-upstream-0'",
      line: 1,
    });
    expect(e.issues[MAX_GRAPH_ISSUES].message).toBe(
      `and ${100_000 - MAX_GRAPH_ISSUES} more problems not listed`,
    );
  });

  it("50,000 duplicate names (1.4 MB) are reported as the first 100 and a count", () => {
    const nodes = Array.from({ length: 50_000 }, () => ({ name: "same", kind: "task" }));
    const text = JSON.stringify({ version: 1, kind: "dag", name: "g", nodes, edges: [] }, null, 1);
    expect(text.length).toBeGreaterThan(1_400_000);
    const e = parseError(text);
    expect(e.issues).toHaveLength(MAX_GRAPH_ISSUES + 1);
    expect(e.issues[0]).toMatchObject({ path: "nodes[1].name", line: 11 });
    expect(e.issues[MAX_GRAPH_ISSUES].message).toBe(
      `and ${49_999 - MAX_GRAPH_ISSUES} more problems not listed`,
    );
    const issues = validateGraph(JSON.parse(text) as Graph);
    expect(issues).toHaveLength(MAX_GRAPH_ISSUES + 1);
    expect(issues[MAX_GRAPH_ISSUES].code).toBe("too-many-issues");
  });

  it("property: issues of randomly mutated graphs are stable, capped and placed", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("dangling" as const), n: fc.integer({ min: 1, max: 150 }) }),
      fc.record({ kind: fc.constant("duplicate" as const), n: fc.integer({ min: 1, max: 150 }) }),
      fc.record({ kind: fc.constant("reserved" as const), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant("output" as const), n: fc.constant(1) }),
    );
    fc.assert(
      fc.property(
        fc.oneof(dagGraph(1), fsmGraph),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (graph, mutations) => {
          const g = structuredClone(graph);
          for (const m of mutations) {
            for (let k = 0; k < m.n; k++) {
              if (m.kind === "dangling") g.edges.push({ from: `ghost ${k}`, to: g.nodes[0].name });
              if (m.kind === "duplicate") g.nodes.push({ ...g.nodes[0], subgraph: undefined });
              if (m.kind === "reserved")
                g.edges.push({ from: g.nodes[0].name, to: g.nodes[0].name, port: "__proto__" });
              if (m.kind === "output" && g.kind === "dag") g.output = "nowhere";
              if (m.kind === "output" && g.kind === "fsm") g.fsm!.initial = "nowhere";
            }
          }
          for (const n of g.nodes) if (n.subgraph === undefined) delete n.subgraph;
          const first = validateGraph(g);
          expect(validateGraph(structuredClone(g))).toEqual(first);
          expect(first.length).toBeGreaterThan(0);
          expect(first.length).toBeLessThanOrEqual(MAX_GRAPH_ISSUES + 1);
          first.forEach((issue, i) => {
            if (issue.code === "too-many-issues") expect(i).toBe(MAX_GRAPH_ISSUES);
          });
          let e: ParseError | undefined;
          try {
            parseGraph(JSON.stringify(g));
          } catch (err) {
            e = err as ParseError;
          }
          if (first.some((i) => i.severity === "error")) {
            expect(e).toBeInstanceOf(ParseError);
            expect(e!.issues.length).toBeLessThanOrEqual(MAX_GRAPH_ISSUES + 1);
            for (const issue of e!.issues.slice(0, MAX_GRAPH_ISSUES)) {
              expect(issue.line).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("reading refuses oversized, deep and non-UTF-8 documents early", () => {
  it("a graph given as bytes over the limit is refused before it is decoded", () => {
    const bytes = new Uint8Array(2049).fill(0x20);
    const e = parseError(bytes, { maxBytes: 2048, file: "big.json" });
    expect(e.issues[0].message).toBe("document is 2049 bytes, over the limit of 2048");
  });

  it("10,000-deep YAML is refused by the depth scan with line:column", () => {
    const deep = `${"[".repeat(10_000)}1${"]".repeat(10_000)}`;
    const e = parseError(`name: x\nnodes: ${deep}\n`, { format: "yaml" });
    expect(e.issues[0]).toMatchObject({
      message: "nesting deeper than 256 levels",
      line: 2,
      column: 8 + 256,
    });
  });

  it("100,000-deep YAML sequences are refused by the depth scan with line:column", () => {
    const e = parseError(`version: 1\nnodes:\n${"- ".repeat(100_000)}x\n`, { format: "yaml" });
    expect(e.issues[0]).toMatchObject({ message: "nesting deeper than 256 levels", line: 3 });
  });

  it("deep indented YAML maps are refused by the depth scan at the line that goes too deep", () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => `${" ".repeat(i)}k${i}:`);
    const e = parseError(lines.join("\n"), { format: "yaml" });
    expect(e.issues[0]).toMatchObject({ message: "nesting deeper than 256 levels", line: 258 });
  });

  it("YAML below the limit, with block scalars and quoted brackets, still reads", () => {
    const g = parseGraph(
      [
        "version: 1",
        "kind: dag",
        "name: ok",
        "doc: |",
        "  [[[[ not nesting",
        "      {{{{ still text",
        "nodes:",
        "  - name: a",
        "    kind: task",
        "    doc: '[[[[['",
        "edges: []",
      ].join("\n"),
      { format: "yaml" },
    );
    expect(g.doc).toBe("[[[[ not nesting\n    {{{{ still text\n");
    expect(g.nodes[0].doc).toBe("[[[[[");
  });

  it("a block scalar indented like deep nesting is text, not nesting", () => {
    const text = Array.from({ length: 300 }, (_, i) => `${" ".repeat(i + 2)}line ${i}`);
    const g = parseGraph(
      [
        "version: 1",
        "kind: dag",
        "name: ok",
        "doc: |+ # kept",
        ...text,
        "nodes: []",
        "edges: []",
      ].join("\n"),
      { format: "yaml" },
    );
    expect(g.doc?.split("\n")).toHaveLength(301);
  });

  it("non-UTF-8 bytes no longer become U+FFFD: refused with the byte offset", () => {
    const head = new TextEncoder().encode('{\n  "version": 1,\n  "name": "');
    const bytes = new Uint8Array([...head, 0xff, 0xfe, 0x41, ...new TextEncoder().encode('"\n}')]);
    const e = parseError(bytes, { file: "bad.json" });
    expect(e.issues[0]).toMatchObject({
      message: `the text is not valid UTF-8: bad byte at offset ${head.length} (line 3, column 12)`,
      line: 3,
      column: 12,
      file: "bad.json",
    });
  });

  it("valid UTF-8 bytes read like the text", () => {
    const g: Graph = {
      version: 1,
      kind: "dag",
      name: "é ü",
      nodes: [{ name: "a", kind: "task" }],
      edges: [],
    };
    expect(parseGraph(new TextEncoder().encode(graphToJson(g)))).toEqual(g);
  });
});

const light = fsm<{ limit: number }>("traffic_light")
  .states("red", "green", "yellow")
  .state("red", () => next("green", "stop"))
  .state("green", () => next("yellow", "go"))
  .state("yellow", () => next("red", "wait"))
  .build({ maxCycles: 7 });

describe("every graph the library writes reads back", () => {
  it("a traffic light with no stop state, bounded by maxCycles, reads back", () => {
    expect(parseGraph(graphToJson(light.graph))).toEqual(light.graph);
    expect(parseGraph(graphToYaml(light.graph))).toEqual(light.graph);
  });

  it("property: graphToJson/graphToYaml of every random DAG and FSM the arbitraries build reads back equal", () => {
    const built = fc.oneof(
      dagSpecArbitrary({ conditions: true, maxNodes: 12 }).map((s) => buildDag(s).graph),
      fsmSpecArbitrary({ maxStates: 6 }).map((s) => buildFsm(s).graph),
    );
    fc.assert(
      fc.property(built, (graph) => {
        const clean = JSON.parse(graphToJson(graph)) as Graph;
        expect(parseGraph(graphToJson(graph))).toEqual(clean);
        expect(parseGraph(graphToYaml(graph))).toEqual(clean);
      }),
      { numRuns: 120 },
    );
  });

  it("fsmFromGraph rebuilds a function-return machine that runs like the original", async () => {
    const graph = parseGraph(graphToJson(light.graph));
    const rebuilt = fsmFromGraph<{ limit: number }>(graph, {
      red: () => next("green", "stop"),
      green: () => next("yellow", "go"),
      yellow: () => next("red", "wait"),
    });
    expect(rebuilt.graph).toEqual(light.graph);
    const a = await light.run({ limit: 1 });
    const b = await rebuilt.run({ limit: 1 });
    expect(b.status).toBe("max-cycles");
    expect(b.history).toEqual(a.history);
    expect(b.get("yellow")).toBe(a.get("yellow"));
  });

  it("property: machines rebuilt from their graphs run like the originals", async () => {
    await fc.assert(
      fc.asyncProperty(
        fsmSpecArbitrary({ maxStates: 5 }),
        fc.integer({ min: 0, max: 50 }),
        async (spec, input) => {
          const original = buildFsm(spec);
          // The registry is keyed by state name.
          const rebuilt = fsmFromGraph<number>(
            parseGraph(graphToJson(original.graph)),
            fsmSpecHandlers(spec),
          );
          expect(rebuilt.graph).toEqual(original.graph);
          const [a, b] = await Promise.all([original.run(input), rebuilt.run(input)]);
          expect(b.status).toBe(a.status);
          expect(b.history).toEqual(a.history);
          expect(b.output).toEqual(a.output);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("fsmFromGraph names missing handlers and refuses event machines", () => {
    expect(() => fsmFromGraph(light.graph, { red: () => stop() })).toThrow(RegistryError);
    expect(() => fsmFromGraph(light.graph, { red: () => stop() })).toThrow(
      "node 'green': missing handler: no entry 'green'",
    );
    const events: Graph = {
      version: 1,
      kind: "fsm",
      name: "door",
      nodes: [{ name: "open", kind: "state" }],
      edges: [],
      fsm: { initial: "open", terminal: [], style: "event" },
    };
    expect(() => fsmFromGraph(events, {})).toThrow(
      "'door' is an event-driven machine; fsmFromGraph rebuilds function-return machines",
    );
  });
});

describe("fromGraph options", () => {
  it("options for a node the graph does not have are refused with the nearest name", () => {
    const graph: Graph = {
      version: 1,
      kind: "dag",
      name: "g",
      nodes: [{ name: "normalize", kind: "task" }],
      edges: [{ from: "input", to: "normalize" }],
    };
    const hooks = { before: () => undefined };
    let error: unknown;
    try {
      fromGraph(
        graph,
        { normalize: (x: unknown) => x },
        { options: { normalise: { hooks }, nonexistent: { hooks } } },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).problems).toEqual([
      {
        node: "normalise",
        message:
          "options are given for node 'normalise', which the graph does not have (did you mean 'normalize'?)",
      },
      {
        node: "nonexistent",
        message: "options are given for node 'nonexistent', which the graph does not have",
      },
    ]);
    expect(() =>
      fromGraph(graph, { normalize: (x: unknown) => x }, { options: { normalize: { hooks } } }),
    ).not.toThrow();
  });
});
