import { describe, expect, it } from "vitest";
import { escapeMermaid, toMermaid, type Graph } from "../../src/index.js";
import { deployGraph, etlGraph, etlRun, lightGraph } from "../serialize/fixtures.js";
import { odd, small, smallRun, wide } from "./graphs.js";

describe("toMermaid: DAG flowcharts", () => {
  it("draws a small DAG exactly", () => {
    expect(toMermaid(small)).toBe(`flowchart TD
  input(["input"])
  load["load"]
  big{"big"}
  batch["batch"]
  inline["inline"]
  loaded[\\"loaded<br/>any"/]
  input --> load
  load --> big
  big -->|"true"| batch
  big -->|"false"| inline
  batch -.-> loaded
  inline -.-> loaded
`);
  });

  it("overlays a run: status classes, time and a truncated result", () => {
    expect(toMermaid(small, { run: smallRun, direction: "LR" })).toBe(`flowchart LR
  input(["input"])
  load["load<br/>1235 ms<br/>= #34;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"]
  big{"big<br/>5.5 ms<br/>error: boom #34;quoted#34; #60;b#62;"}
  batch["batch"]
  inline["inline"]
  loaded[\\"loaded<br/>any"/]
  input --> load
  load --> big
  big -->|"true"| batch
  big -->|"false"| inline
  batch -.-> loaded
  inline -.-> loaded
  classDef completed fill:#dcfce7,stroke:#16a34a,color:#14532d
  class load completed
  classDef failed fill:#fee2e2,stroke:#dc2626,color:#7f1d1d
  class big failed
  classDef skipped fill:#f3f4f6,stroke:#9ca3af,color:#6b7280
  class batch skipped
  classDef running fill:#dbeafe,stroke:#2563eb,color:#1e3a8a
  class inline running
`);
  });

  it("draws every node kind and sub-workflows as subgraphs", () => {
    const text = toMermaid(etlGraph, { run: etlRun });
    expect(text).toContain('  route{{"route<br/>1 ms<br/>= #34;some#34;"}}');
    expect(text).toContain('  each[/"each<br/>map ×4<br/>5 ms<br/>error: bad row"/]');
    expect(text).toContain(
      '  subgraph nested["nested"]\n    direction TD\n    nested__input(["input"])\n    nested__read["read"]\n    nested__parse["parse"]\n  end\n',
    );
    expect(text).toContain("  input --> nested\n");
    expect(text).toContain("  nested__input --> nested__read\n");
    expect(text).toContain("  class nested running\n");
    expect(text).toContain("  class notify pending\n");
  });

  it("escapes odd names and keeps ids unique and safe", () => {
    const text = toMermaid(odd);
    const ids = [...text.matchAll(/^ {2}(\S+?)\["/gm)].map((m) => m[1]);
    expect(ids).toEqual([
      "n_say_hi",
      "n_end",
      "n_a_b_c_d",
      "n_two_lines",
      "n",
      "n_",
      "n_2",
      "n_1st",
      "n_A_B",
      "n_tick",
      "n_script",
      "n_subgraph",
    ]);
    expect(text).toContain('  n_say_hi["say #34;hi#34;"]');
    expect(text).toContain('  n_a_b_c_d["a#35;b#60;c#62;#38;d"]');
    expect(text).toContain('  n_two_lines["two lines"]');
    expect(text).toContain('  n_script["#60;/script#62;"]');
    expect(text).toContain("  n_end --> n_a_b_c_d");
    expect(text).not.toMatch(/<script|<b>|"hi"/);
  });

  it("escapes every character that Mermaid or HTML would read", () => {
    expect(escapeMermaid('a"b#c<d>e&f`g\nh\u0001i')).toBe("a#34;b#35;c#60;d#62;e#38;f#96;g hi");
  });

  it("handles 1,000+ nodes with one line per node and edge", () => {
    const g = wide(1500);
    const text = toMermaid(g);
    const lines = text.trimEnd().split("\n");
    const edges = new Set(g.edges.map((e) => `${e.from}>${e.to}`)).size;
    expect(lines).toHaveLength(1 + 1 + g.nodes.length + edges);
    expect(lines[lines.length - 1]).toBe("  n1497 --> n1499");
    expect(text).toContain('  n1495{"n1495"}');
    expect(text).toContain('  n1495 -->|"true"| n1496');
  });
});

describe("toMermaid: state diagrams", () => {
  it("draws a function-return machine", () => {
    expect(toMermaid(lightGraph)).toBe(`stateDiagram-v2
  direction LR
  [*] --> red
  red --> green
  green --> yellow
  yellow --> red
  yellow --> [*] : stop
`);
  });

  it("labels event transitions and marks guards; terminal states end", () => {
    expect(toMermaid(deployGraph, { direction: "TB" })).toBe(`stateDiagram-v2
  direction TB
  [*] --> idle
  idle --> deploying : DEPLOY [guard]
  deploying --> live : OK
  deploying --> failed : ERROR / action
  failed --> idle : RETRY
  live --> [*]
`);
  });

  it("marks wildcard transitions and escapes state names", () => {
    const g: Graph = {
      version: 1,
      kind: "fsm",
      name: "m",
      nodes: [
        { name: "a: b", kind: "state" },
        { name: "state", kind: "state" },
      ],
      edges: [
        { from: "a: b", to: "state", event: "GO;NOW", wildcard: true },
        { from: "state", to: "a: b", event: "BACK" },
      ],
      fsm: { initial: "a: b", terminal: ["state"], style: "event" },
    };
    expect(toMermaid(g)).toBe(`stateDiagram-v2
  direction LR
  state "a: b" as n_a_b
  state "state" as n_state
  [*] --> n_a_b
  n_a_b --> n_state : * GO#59;NOW
  n_state --> n_a_b : BACK
  n_state --> [*]
`);
  });

  it("overlays a run with visits, time and result", () => {
    const text = toMermaid(lightGraph, {
      run: {
        runId: "r",
        workflow: "traffic_light",
        status: "stopped",
        nodes: {
          red: { status: "completed", ms: 1, result: "green" },
          green: { status: "completed", ms: 2 },
          yellow: { status: "failed", ms: 0.25, error: "x:y" },
        },
        history: ["red", "green", "yellow", "red", "green", "yellow"],
        metrics: { totalMs: 5, nodeMs: {}, executed: 6, skipped: 0, failed: 0, order: [] },
        errors: [],
      },
    });
    expect(text).toContain("  red : 2 visits, 1 ms\n  red : = #34;green#34;\n");
    expect(text).toContain("  yellow : error#58; x#58;y\n");
    expect(text).toContain("  class red,green completed\n");
    expect(text).toContain("  class yellow failed\n");
  });
});
