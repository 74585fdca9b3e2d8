import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { dag } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "weft-obs-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  trace.disable();
});

const wf = dag<{ n: number }>("observed")
  .node("a", { n: "input.n" }, async ({ n }) => n + 1)
  .node("b", { a: "a" }, async ({ a }) => a * 2)
  .node("c", { a: "a" }, ({ a }) => a * 3)
  .node("d", { b: "b", c: "c" }, ({ b, c }) => b + c)
  .build();

describe("run observability", () => {
  it("writes a Chrome trace file of the run", async () => {
    const path = join(dir, "run.trace.json");
    const run = await wf.run({ n: 1 }, { trace: path });
    expect(run.output).toBe(10);
    const file = JSON.parse(readFileSync(path, "utf8")) as {
      traceEvents: { name: string; ph: string }[];
    };
    const complete = file.traceEvents.filter((e) => e.ph === "X").map((e) => e.name);
    for (const n of ["a", "b", "c", "d"])
      expect(complete.some((name) => name.includes(n))).toBe(true);
  });

  it("opens a span per run with a child span per node when an SDK is registered", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    trace.setGlobalTracerProvider(provider);
    await wf.run({ n: 1 });
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === "weft.run observed");
    expect(root).toBeDefined();
    const nodes = spans.filter((s) => s.name.startsWith("weft.node "));
    expect(nodes.map((s) => s.name).sort()).toEqual([
      "weft.node a",
      "weft.node b",
      "weft.node c",
      "weft.node d",
    ]);
    for (const s of nodes) {
      expect(s.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
      expect(s.spanContext().traceId).toBe(root?.spanContext().traceId);
    }
  });
});
