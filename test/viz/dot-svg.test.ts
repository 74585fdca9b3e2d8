import { describe, expect, it } from "vitest";
import { toDot, toSvg } from "../../src/index.js";
import { renderDot } from "../../src/viz/svg.js";
import { deployGraph, etlGraph, etlRun, lightGraph } from "../serialize/fixtures.js";
import { odd, oddNames, small, smallRun, wide } from "./graphs.js";

describe("toDot", () => {
  it("writes a small DAG exactly", () => {
    expect(toDot(small)).toBe(`digraph "small" {
  graph [rankdir="TB", compound="true", fontname="Helvetica,Arial,sans-serif", fontsize="12", nodesep="0.3", ranksep="0.4"];
  node [fontname="Helvetica,Arial,sans-serif", fontsize="11", shape="box", style="rounded,filled", fillcolor="#ffffff", color="#4b5563", margin="0.12,0.06"];
  edge [fontname="Helvetica,Arial,sans-serif", fontsize="10", color="#6b7280", fontcolor="#374151"];
  "input" [id="weft_input", class="weft-input", label="input", shape="oval", style="dashed", color="#6b7280"];
  "load" [id="weft_load", class="weft-node kind-task", label="load", shape="box", style="rounded,filled"];
  "big" [id="weft_big", class="weft-node kind-condition", label="big", shape="diamond", style="filled"];
  "batch" [id="weft_batch", class="weft-node kind-task", label="batch", shape="box", style="rounded,filled"];
  "inline" [id="weft_inline", class="weft-node kind-task", label="inline", shape="box", style="rounded,filled"];
  "loaded" [id="weft_loaded", class="weft-node kind-any", label="loaded\\nany", shape="invtrapezium", style="filled"];
  "input" -> "load";
  "load" -> "big";
  "big" -> "batch" [label="true"];
  "big" -> "inline" [label="false"];
  "batch" -> "loaded" [style="dashed"];
  "inline" -> "loaded" [style="dashed"];
}
`);
  });

  it("overlays a run with status colours and labels", () => {
    const dot = toDot(small, { run: smallRun });
    expect(dot).toContain(
      `"big" [id="weft_big", class="weft-node kind-condition status-failed", label="big\\n5.5 ms\\nerror: boom \\"quoted\\" <b>", shape="diamond", style="filled", fillcolor="#fee2e2", color="#dc2626", fontcolor="#7f1d1d"];`,
    );
    expect(dot).toContain('class="weft-node kind-task status-running"');
    expect(dot).toContain('class="weft-node kind-task status-skipped"');
  });

  it("draws sub-workflows as clusters entered at the sub node", () => {
    const dot = toDot(etlGraph);
    expect(dot).toContain('  subgraph "cluster_nested" {\n');
    expect(dot).toContain(
      '    "nested" [id="weft_nested", class="weft-node kind-sub", label="nested", shape="component"',
    );
    expect(dot).toContain('  "input" -> "nested";\n');
    expect(dot).toContain('  "nested" -> "nested__read";\n');
  });

  it("draws state machines with start, stop and labelled transitions", () => {
    const dot = toDot(deployGraph);
    expect(dot).toContain('  "start" -> "idle";\n');
    expect(dot).toContain('  "idle" -> "deploying" [label="DEPLOY [guard]", style="dashed"];\n');
    expect(dot).toContain('  "live" -> "stop";\n');
    expect(dot).toContain('peripheries="2"');
    expect(toDot(lightGraph)).toContain('  "yellow" -> "stop" [label="stop"];\n');
  });

  it("is valid DOT for every fixture, odd names included (Graphviz parses it)", async () => {
    for (const g of [small, etlGraph, lightGraph, deployGraph, odd]) {
      const svg = await renderDot(
        toDot(g, { run: g === small ? smallRun : g === etlGraph ? etlRun : undefined }),
      );
      expect(svg.startsWith("<svg")).toBe(true);
    }
    await expect(renderDot("digraph { a -> }")).rejects.toThrow(/syntax error/);
  });

  it("escapes quotes, backslashes and line breaks", () => {
    const dot = toDot({
      ...small,
      name: 'a\\b"c',
      nodes: [{ name: "x\\N\ny", kind: "task" }],
      edges: [],
    });
    expect(dot).toContain('digraph "a\\\\b\\"c" {');
    expect(dot).toContain('label="x\\\\N\\ny"');
  });
});

describe("toSvg", () => {
  it("contains every node name and tags node groups with data-node", async () => {
    const svg = await toSvg(etlGraph, { run: etlRun });
    for (const n of etlGraph.nodes) {
      expect(svg).toContain(`>${n.name}</text>`);
      expect(svg).toContain(`data-node="${n.name}"`);
    }
    expect(svg).toContain(
      '<g id="weft_nested__read" class="node weft&#45;node kind&#45;task" data-node="nested.read">',
    );
    expect(svg).toContain(
      '<g id="weft_cluster_nested" class="cluster weft&#45;cluster" data-node="nested">',
    );
    expect(svg).toContain("status&#45;failed");
    expect(svg).toContain('fill="#fee2e2"');
  });

  it("gives deterministic bytes without comments or a version", async () => {
    const a = await toSvg(etlGraph, { run: etlRun });
    const b = await toSvg(structuredClone(etlGraph), { run: structuredClone(etlRun) });
    expect(a).toBe(b);
    expect(a).not.toContain("<!--");
    expect(a).not.toMatch(/graphviz version/i);
    expect(a.startsWith("<svg ")).toBe(true);
    expect(a.endsWith("</svg>\n")).toBe(true);
  });

  it("escapes odd names in text and attributes", async () => {
    const svg = await toSvg(odd);
    expect(svg).not.toContain("</script>");
    expect(svg).toContain("&lt;/script&gt;</text>");
    expect(svg).toContain('data-node="say &#34;hi&#34;"');
    expect(svg).toContain('data-node="a#b&#60;c&#62;&#38;d"');
    expect([...svg.matchAll(/data-node="/g)]).toHaveLength(oddNames.length);
  });

  it("renders a state machine", async () => {
    const svg = await toSvg(deployGraph);
    for (const s of ["idle", "deploying", "live", "failed", "DEPLOY [guard]", "RETRY"])
      expect(svg).toContain(`>${s}</text>`);
  });

  it("renders a large DAG", async () => {
    const svg = await toSvg(wide(300));
    expect([...svg.matchAll(/data-node="n\d+"/g)]).toHaveLength(300);
  });
});
