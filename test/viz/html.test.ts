import { describe, expect, it } from "vitest";
import { toHtml } from "../../src/index.js";
import { pageData } from "../../src/viz/html-data.js";
import { deployGraph, etlGraph, etlRun } from "../serialize/fixtures.js";
import { odd } from "./graphs.js";

/** The JSON embedded in the page. */
function embedded(html: string): ReturnType<typeof pageData> {
  const m = html.match(/<script type="application\/json" id="weft-data">([\s\S]*?)<\/script>/);
  if (!m) throw new Error("no data script");
  return JSON.parse(m[1]);
}

describe("toHtml", () => {
  it("is one standalone page: inline SVG, styles, script and data, nothing fetched", async () => {
    const html = await toHtml(etlGraph, { run: etlRun });
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<svg ");
    expect(html).toContain('data-node="clean"');
    expect(html).not.toMatch(/<link\b|<script[^>]+src=|<img\b|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('<section id="timeline">');
  });

  it("embeds what the inspector shows for each node", async () => {
    const data = embedded(await toHtml(etlGraph, { run: etlRun }));
    expect(data.nodes.load).toEqual({
      name: "load",
      path: "load",
      kind: "task",
      type: "Row[]",
      doc: "Reads the rows.",
      source: "etl.ts:4:3",
      fn: "readRows (./rows.ts#readRows)",
      options: JSON.stringify(
        { retry: { attempts: 3, delayMs: 100, backoff: 2 }, timeoutMs: 5000 },
        null,
        2,
      ),
      inputs: [{ node: "input", text: "input.path -> path: string" }],
      outputs: [{ node: "clean", text: "-> clean.rows" }],
      run: {
        status: "completed",
        ms: 12,
        startMs: 0,
        endMs: 12,
        attempts: 1,
        result: JSON.stringify([{ id: 1 }, { id: 2 }], null, 2),
      },
    });
    expect(data.nodes.batch.inputs).toEqual([{ node: "big", text: "big.true -> rows" }]);
    expect(data.nodes.big.outputs).toEqual([
      { node: "batch", text: ".true -> batch.rows (on true)" },
      { node: "inline", text: ".false -> inline.rows (on false)" },
    ]);
    expect(data.nodes.loaded.inputs.map((i) => i.text)).toEqual([
      "batch -> r [any #0]",
      "inline -> r [any #1]",
    ]);
    expect(data.nodes["nested.read"].inputs).toEqual([
      { node: "nested", text: "nested input.path -> path" },
    ]);
    expect(data.nodes.each.run).toMatchObject({ status: "failed", error: "bad row" });
    expect(data.nodes.input).toMatchObject({
      kind: "input",
      type: "{ path: string; minAge: number }",
    });
  });

  it("lays out the timeline from the run's start and end times", () => {
    const data = pageData(etlGraph, etlRun);
    expect(data.totalMs).toBe(31);
    expect(data.timeline.map((b) => `${b.path}:${b.startMs}-${b.endMs}:${b.status}`)).toEqual([
      "load:0-12:completed",
      "clean:12-15:completed",
      "big:15-16:completed",
      "each:15-20:failed",
      "nested:15-31:running",
      "route:15-16:completed",
      "batch:16-30:completed",
      "loaded:30-31:completed",
    ]);
  });

  it("keeps hostile names inert", async () => {
    const html = await toHtml(odd, { title: "<b>t</b>" });
    expect(html).toContain("<title>&#60;b&#62;t&#60;/b&#62;</title>");
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(embedded(html).nodes["</script>"].type).toBe("T<</script>>");
  });

  it("shows state machines, with transitions as inputs and outputs", async () => {
    const html = await toHtml(deployGraph);
    expect(html).not.toContain('id="timeline"');
    expect(embedded(html).nodes.deploying.outputs.map((o) => o.text)).toEqual([
      "live (OK)",
      "failed (ERROR / action)",
    ]);
    expect(embedded(html).nodes.idle.inputs.map((o) => o.text)).toEqual(["failed (RETRY)"]);
  });
});
