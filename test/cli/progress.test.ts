/** The CLI in process: progress display and argument errors (no child processes). */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../compiler/cli/program.js";
import { createProgress } from "../../compiler/cli/progress.js";
import type { RunEvent } from "../../src/run/types.js";

function sink(isTTY: boolean): Writable & { text: string; isTTY: boolean } {
  const s = new Writable({
    write(chunk, _enc, done) {
      s.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY: boolean };
  s.text = "";
  s.isTTY = isTTY;
  return s;
}

/** The text without colour codes (colours are on in CI and on terminals). */
function plain(text: string): string {
  return text.replace(/\x1b\[(?:3\d|2|22|39)m/g, "");
}

const events: RunEvent[] = [
  { type: "run-start", runId: "r1", workflow: "etl", at: 0 },
  { type: "node-start", runId: "r1", node: "load", attempt: 1, at: 1 },
  { type: "node-complete", runId: "r1", node: "load", ms: 12.4, at: 2 },
  { type: "node-start", runId: "r1", node: "clean", attempt: 1, at: 3 },
  { type: "progress", runId: "r1", node: "clean", progress: { done: 5, total: 10 }, at: 4 },
  { type: "node-skip", runId: "r1", node: "batch", reason: "branch not taken", at: 5 },
];

describe("progress", () => {
  it("redraws one live line on a terminal: done/total, running nodes, elapsed", () => {
    const stream = sink(true);
    const p = createProgress({ total: 4, workflow: "etl", stream });
    for (const e of events) p.onEvent(e);
    const last = plain(stream.text.split("\r\x1b[K").pop() ?? "");
    expect(last).toContain("etl  2/4 nodes (1 skipped)");
    expect(last).toContain("running clean");
    expect(last).toContain("clean: 5/10");
    expect(last).toMatch(/\d+\.\ds$/);
    p.stop();
    expect(plain(stream.text).endsWith("etl  2/4 nodes  0.0s\n")).toBe(true);
  });

  it("writes plain lines elsewhere", () => {
    const stream = sink(false);
    const p = createProgress({ total: 4, workflow: "etl", stream });
    for (const e of events) p.onEvent(e);
    p.stop();
    expect(stream.text.split("\n").map((l) => l.replace(/^\[\d+\.\ds\] /, ""))).toEqual([
      "run r1 of etl started (4 nodes)",
      "load started",
      "load completed in 12 ms [1/4]",
      "clean started",
      "clean: 5/10",
      "batch skipped: branch not taken [2/4]",
      "",
    ]);
  });
});

describe("stream progress", () => {
  const items: RunEvent[] = [
    { type: "node-start", runId: "r1", node: "lines", attempt: 1, at: 1 },
    { type: "node-items", runId: "r1", node: "lines", items: 1200, done: false, at: 2 },
    { type: "node-items", runId: "r1", node: "lines", items: 5000, done: true, at: 3 },
  ];
  it("shows a stream's item count on the live line", () => {
    const stream = sink(true);
    const p = createProgress({ total: 2, workflow: "logs", stream });
    for (const e of items.slice(0, 2)) p.onEvent(e);
    expect(plain(stream.text.split("\r\x1b[K").pop() ?? "")).toContain("lines: 1,200 items");
    p.stop();
  });
  it("writes a stream's final count as a plain line", () => {
    const stream = sink(false);
    const p = createProgress({ total: 2, workflow: "logs", stream });
    for (const e of items) p.onEvent(e);
    p.stop();
    expect(stream.text.split("\n").map((l) => l.replace(/^\[\d+\.\ds\] /, ""))).toEqual([
      "lines started",
      "lines: 5,000 items",
      "",
    ]);
  });
});

describe("argument errors", () => {
  const cli = async (...args: string[]) => {
    const out = sink(false);
    const err = sink(false);
    const code = await runCli(["node", "weft", ...args], { out, err });
    return { code, out: out.text, err: err.text };
  };

  it("names the bad option", async () => {
    expect(await cli("run", "x.ts", "--mode", "fast")).toEqual({
      code: 1,
      out: "",
      err: "error: --mode must be 'sequential', 'parallel' or 'threads', got 'fast'\n",
    });
    expect((await cli("run", "x.ts", "--input", "{}", "--input-file", "i.json")).err).toBe(
      "error: give the input with --input or --input-file, not both\n",
    );
    expect((await cli("run", "x.ts", "--resume", "r1")).err).toBe(
      "error: --resume needs --checkpoint FILE (the store the run was journaled to)\n",
    );
    expect((await cli("viz", "x.ts", "--format", "png")).err).toBe(
      "error: --format must be one of mermaid, dot, svg, html, got 'png'\n",
    );
  });

  it("rejects unknown commands and missing options", async () => {
    const unknown = await cli("draw");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("unknown command 'draw'");
    const noOut = await cli("compile", "src");
    expect(noOut.code).toBe(1);
    expect(noOut.err).toContain("required option '-o, --out <dir>' not specified");
  });
});
