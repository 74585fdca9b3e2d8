import { describe, expect, it } from "vitest";
import {
  graphToJson,
  graphToYaml,
  parseGraph,
  ParseError,
  SerializeError,
  type Graph,
} from "../../src/index.js";
import { deployGraph, etlGraph, lightGraph } from "./fixtures.js";

const tiny: Graph = {
  version: 1,
  kind: "dag",
  name: "double",
  nodes: [
    { kind: "task", name: "twice", options: { timeoutMs: 10, retry: { delayMs: 5, attempts: 2 } } },
  ],
  edges: [{ to: "twice", param: "n", from: "input", port: "n" }],
};

/** Parses and returns the ParseError, failing the test if none is thrown. */
function parseError(text: string, options: Parameters<typeof parseGraph>[1] = {}): ParseError {
  try {
    parseGraph(text, options);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error("expected a ParseError");
}

describe("graphToJson / graphToYaml", () => {
  it("writes keys in the canonical order", () => {
    expect(graphToJson(tiny)).toBe(
      `{
  "version": 1,
  "kind": "dag",
  "name": "double",
  "nodes": [
    {
      "name": "twice",
      "kind": "task",
      "options": {
        "retry": {
          "attempts": 2,
          "delayMs": 5
        },
        "timeoutMs": 10
      }
    }
  ],
  "edges": [
    {
      "from": "input",
      "port": "n",
      "to": "twice",
      "param": "n"
    }
  ]
}
`,
    );
    expect(graphToYaml(tiny)).toBe(
      `version: 1
kind: dag
name: double
nodes:
  - name: twice
    kind: task
    options:
      retry:
        attempts: 2
        delayMs: 5
      timeoutMs: 10
edges:
  - from: input
    port: n
    to: twice
    param: n
`,
    );
  });

  it("gives the same bytes whatever the key order of the input", () => {
    const reordered = JSON.parse(JSON.stringify(etlGraph), (_k, v: unknown) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).reverse())
        : v,
    ) as Graph;
    expect(graphToJson(reordered)).toBe(graphToJson(etlGraph));
    expect(graphToYaml(reordered)).toBe(graphToYaml(etlGraph));
  });

  it("leaves out fields set to undefined", () => {
    const g: Graph = {
      ...tiny,
      doc: undefined,
      nodes: [{ name: "twice", kind: "task", type: undefined }],
    };
    expect(graphToJson(g)).not.toContain("doc");
    expect(JSON.parse(graphToJson(g)).nodes[0]).toEqual({ name: "twice", kind: "task" });
  });

  it("refuses values JSON cannot hold, naming the field", () => {
    const bad: Graph = {
      ...tiny,
      nodes: [{ name: "twice", kind: "task", options: { fallback: NaN } }],
    };
    expect(() => graphToJson(bad)).toThrow(SerializeError);
    expect(() => graphToJson(bad)).toThrow(
      "cannot serialize graph 'double': nodes[0].options.fallback: NaN cannot be written as JSON",
    );
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const cyclic: Graph = {
      ...tiny,
      nodes: [{ name: "twice", kind: "task", options: { fallback: loop } }],
    };
    expect(() => graphToYaml(cyclic)).toThrow("nodes[0].options.fallback.self");
  });

  it("quotes YAML strings that would otherwise read as other types", () => {
    const g: Graph = {
      ...tiny,
      name: "yes",
      doc: "null",
      nodes: [{ name: "0x10", kind: "task", type: "true", doc: "- a: b # c\n  multi" }],
      edges: [{ from: "input", port: "1.5", to: "0x10", param: "~" }],
    };
    expect(parseGraph(graphToYaml(g), { format: "yaml" })).toEqual(g);
  });
});

describe("parseGraph round trips", () => {
  for (const g of [etlGraph, lightGraph, deployGraph]) {
    it(`reads back ${g.name} from JSON and YAML`, () => {
      expect(parseGraph(graphToJson(g))).toEqual(g);
      expect(parseGraph(graphToYaml(g))).toEqual(g);
      expect(parseGraph(graphToYaml(g), { file: "x.yaml" })).toEqual(g);
    });
  }

  it("picks the format from the file extension, the option or the text", () => {
    const json = graphToJson(tiny);
    expect(parseGraph(json, { file: "g.json" })).toEqual(tiny);
    expect(parseGraph(json, { file: "g.yml" })).toEqual(tiny); // JSON is YAML too
    expect(parseGraph(graphToYaml(tiny))).toEqual(tiny);
    expect(() => parseGraph(graphToYaml(tiny), { format: "json" })).toThrow("invalid JSON");
  });

  it("accepts a byte-order mark before JSON", () => {
    expect(parseGraph(`\uFEFF${graphToJson(tiny)}`, { format: "json" })).toEqual(tiny);
  });
});

describe("parseGraph rejects bad structure with path and position", () => {
  it("unknown field: names file, line:col of the key, and the path", () => {
    const text = graphToYaml(tiny).replace("    kind: task\n", "    kind: task\n    colour: red\n");
    const e = parseError(text, { file: "g.yaml" });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({
      path: "nodes[0].colour",
      file: "g.yaml",
      line: 7,
      column: 5,
    });
    expect(e.message).toContain("g.yaml:7:5 - nodes[0].colour: unknown field 'colour' in a node");
  });

  it("wrong type in JSON points at the value", () => {
    const text = graphToJson(tiny).replace('"attempts": 2', '"attempts": "2"');
    const e = parseError(text, { file: "g.json" });
    expect(e.issues[0]).toMatchObject({
      path: "nodes[0].options.retry.attempts",
      line: 11,
      column: 23,
    });
    expect(e.issues[0].message).toBe('expected an integer, got "2"');
  });

  it("reports every problem, not only the first", () => {
    const doc = {
      version: 2,
      kind: "dag",
      name: "",
      nodes: [{ name: "a", kind: "tsk" }, { kind: "task" }],
      edges: [{ from: "a", to: 3 }],
    };
    const e = parseError(JSON.stringify(doc, null, 1));
    expect(e.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "version: unsupported version 2 (expected 1)",
      "name: must not be empty",
      'nodes[0].kind: expected one of "task", "condition", "select", "any", "map", "sub", "state", "wait", "stream", got "tsk"',
      "nodes[1]: missing required field 'name' in a node",
      "edges[0].to: expected a string, got 3",
    ]);
  });

  it("missing top-level fields and non-object documents", () => {
    expect(parseError('{"version":1,"kind":"dag","name":"x","nodes":[]}').message).toContain(
      "missing required field 'edges' in a workflow graph",
    );
    expect(parseError("[1, 2]").message).toContain(
      "expected a workflow graph (an object), got an array",
    );
    expect(parseError("just text").message).toContain('got "just text"');
    expect(parseError("").message).toContain("got null");
  });

  it("checks kinds against the graph kind", () => {
    const g = { ...tiny, nodes: [{ name: "twice", kind: "state" }] };
    expect(parseError(JSON.stringify(g)).message).toContain(
      `nodes[0].kind: kind "state" belongs to state machines`,
    );
    const f = { ...lightGraph, fsm: undefined };
    expect(parseError(JSON.stringify(f)).message).toContain("needs an 'fsm' section");
    const s = { ...tiny, nodes: [{ name: "twice", kind: "task", subgraph: tiny }] };
    expect(parseError(JSON.stringify(s)).message).toContain(
      "nodes[0].subgraph: only 'sub' nodes have a subgraph",
    );
  });

  it("finds problems inside sub-workflows with the full path", () => {
    const child = { ...tiny, nodes: [{ name: "twice", kind: "task", options: { timeoutMs: -1 } }] };
    const g = { ...tiny, nodes: [{ name: "twice", kind: "sub", subgraph: child }] };
    expect(parseError(JSON.stringify(g)).issues[0]).toMatchObject({
      path: "nodes[0].subgraph.nodes[0].options.timeoutMs",
      message: "must be at least 0, got -1",
    });
  });

  it("treats __proto__ as an unknown field and pollutes nothing", () => {
    const text =
      '{"version":1,"kind":"dag","name":"x","nodes":[],"edges":[],"__proto__":{"polluted":1}}';
    expect(parseError(text).issues[0]).toMatchObject({ path: "__proto__", line: 1, column: 60 });
    const yaml =
      "version: 1\nkind: dag\nname: x\nnodes: []\nedges: []\n__proto__: { polluted: 1 }\n";
    expect(parseError(yaml).issues[0]).toMatchObject({ path: "__proto__", line: 6, column: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("parseGraph rejects hostile or malformed documents", () => {
  it("malformed JSON, with line:col", () => {
    const e = parseError('{\n  "version": 1,\n  "kind": "dag",,\n}', { file: "bad.json" });
    expect(e.issues[0]).toMatchObject({ file: "bad.json", line: 3, column: 17 });
    expect(e.message).toContain(
      "bad.json:3:17 - invalid JSON: unexpected ',', expected a quoted key",
    );
  });

  it("malformed YAML, with line:col", () => {
    const e = parseError("version: 1\nkind: [dag\nname: x\n", { file: "bad.yaml" });
    expect(e.issues[0].file).toBe("bad.yaml");
    expect(e.issues[0].line).toBeGreaterThanOrEqual(2);
    expect(e.message).toContain("invalid YAML");
  });

  it("duplicate keys in JSON and YAML", () => {
    const json = parseError(
      '{"version":1,"kind":"dag","kind":"fsm","name":"x","nodes":[],"edges":[]}',
    );
    expect(json.issues[0]).toMatchObject({ line: 1, column: 27 });
    expect(json.message).toContain("duplicate key 'kind'");
    const yaml = parseError("version: 1\nkind: dag\nname: x\nname: y\nnodes: []\nedges: []\n");
    expect(yaml.issues[0]).toMatchObject({ line: 4, column: 1 });
    expect(yaml.message).toContain("Map keys must be unique");
  });

  it("documents over 10 MB", () => {
    const big = `{"version":1,"kind":"dag","name":"x","nodes":[],"edges":[],"doc":"${"a".repeat(10 * 1024 * 1024)}"}`;
    expect(parseError(big).message).toMatch(
      /document is 10485\d\d\d bytes, over the limit of 10485760/,
    );
    expect(parseError("version: 1\n", { maxBytes: 5 }).message).toContain("over the limit of 5");
  });

  it("YAML alias bombs", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
      "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
    ].join("\n");
    expect(parseError(bomb, { file: "bomb.yaml" }).message).toContain("alias bomb");
  });

  it("a few YAML aliases are fine", () => {
    const text = graphToYaml(etlGraph).replace(
      "retry:\n        attempts: 3",
      "retry: &r\n        attempts: 3",
    );
    expect(parseGraph(text)).toEqual(etlGraph);
  });

  it("custom tags, several documents and deep nesting", () => {
    expect(parseError("version: !!js/function 'x'\n").message).toContain("invalid YAML");
    expect(parseError("version: 1\n---\nversion: 1\n").message).toContain("invalid YAML");
    expect(parseError(`${"[".repeat(5000)}${"]".repeat(5000)}`).message).toContain(
      "nesting deeper than 256",
    );
    // Refused by the depth scan before the YAML library parses, pointing at the bracket too deep.
    expect(parseError(`x: ${"[".repeat(300)}${"]".repeat(300)}`).message).toContain("line 1:260");
    expect(parseError(`x: ${"[".repeat(300)}${"]".repeat(300)}`).message).toContain(
      "nesting deeper than 256 levels",
    );
    expect(parseError(`x: ${"[".repeat(20000)}${"]".repeat(20000)}`).message).toContain(
      "nesting deeper than 256 levels",
    );
  });
});

describe("parseGraph checks the workflow", () => {
  it("cycles", () => {
    const g: Graph = {
      version: 1,
      kind: "dag",
      name: "loop",
      nodes: [
        { name: "a", kind: "task" },
        { name: "b", kind: "task" },
      ],
      edges: [
        { from: "a", to: "b" },
        { from: "b", to: "a" },
      ],
    };
    const e = parseError(graphToYaml(g), { file: "loop.yaml" });
    expect(e.issues).toEqual([
      {
        path: "nodes[0].name",
        message: "cycle: a -> b -> a",
        file: "loop.yaml",
        line: 5,
        column: 11,
      },
    ]);
  });

  it("dangling references, pointing at the edge", () => {
    const g = { ...tiny, edges: [...tiny.edges, { from: "ghost", to: "twice" }] };
    const e = parseError(graphToJson(g));
    expect(e.issues[0]).toMatchObject({
      path: "edges[1].from",
      message: "dependency of 'twice' refers to unknown node 'ghost'",
      line: 26,
    });
  });

  it("unknown states of a state machine", () => {
    const g = { ...deployGraph, fsm: { ...deployGraph.fsm!, terminal: ["gone"] } };
    expect(parseError(graphToJson(g)).issues[0].path).toBe("fsm.terminal[0]");
  });

  it("problems in sub-workflows name the sub-workflow", () => {
    const child: Graph = { ...tiny, name: "kid", output: "nope" };
    const g: Graph = { ...tiny, nodes: [{ name: "twice", kind: "sub", subgraph: child }] };
    expect(parseError(graphToJson(g)).issues[0]).toMatchObject({
      path: "nodes[0].subgraph.output",
      message: "output node 'nope' does not exist (in sub-workflow 'kid')",
    });
  });
});
