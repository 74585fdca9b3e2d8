import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otelListener } from "../../src/run/otel.js";
import type { RunEvent } from "../../src/run/types.js";

const runId = "r1";

const events: RunEvent[] = [
  { type: "run-start", runId, workflow: "etl", at: 100 },
  { type: "node-start", runId, node: "load", attempt: 1, at: 100 },
  {
    type: "node-retry",
    runId,
    node: "load",
    attempt: 2,
    delayMs: 50,
    error: new Error("flaky"),
    at: 110,
  },
  { type: "node-start", runId, node: "load", attempt: 2, at: 160 },
  {
    type: "progress",
    runId,
    node: "load",
    progress: { message: "half", done: 1, total: 2, extra: { x: 1 } },
    at: 170,
  },
  { type: "node-complete", runId, node: "load", ms: 80, at: 180 },
  { type: "node-complete", runId, node: "cached", ms: 0, at: 181, cached: true },
  { type: "node-skip", runId, node: "notify", reason: "branch not taken", at: 182 },
  { type: "node-start", runId, node: "save", attempt: 1, at: 182 },
  { type: "node-fail", runId, node: "save", error: new TypeError("disk full"), at: 190 },
  { type: "run-complete", runId, status: "failed", ms: 95, at: 195 },
];

/** Duration of a span in ms. */
const ms = (span: ReadableSpan): number => span.duration[0] * 1000 + span.duration[1] / 1e6;

describe("otelListener without an SDK", () => {
  it("costs nothing and records nothing", () => {
    const listener = otelListener();
    for (const e of events) listener(e);
    // The run is gone once complete; its context is the active one.
    expect(listener.contextFor(runId)).toBe(context.active());
  });

  it("gives a context for a running run even when spans are no-ops", () => {
    const listener = otelListener();
    listener({ type: "run-start", runId: "r2", workflow: "w", at: 0 });
    expect(trace.getSpan(listener.contextFor("r2"))?.isRecording()).toBe(false);
    listener({ type: "run-complete", runId: "r2", status: "completed", ms: 1, at: 1 });
  });
});

describe("otelListener with an SDK", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    trace.disable();
    await provider.shutdown();
  });

  function record(list: RunEvent[], options?: Parameters<typeof otelListener>[0]): ReadableSpan[] {
    exporter.reset();
    const listener = otelListener(options);
    for (const e of list) listener(e);
    return exporter.getFinishedSpans();
  }

  it("opens a run span with a child span per node", () => {
    const spans = record(events, { attributes: { "service.name": "etl-service" } });
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([
      "weft.node cached",
      "weft.node load",
      "weft.node notify",
      "weft.node save",
      "weft.run etl",
    ]);
    const run = byName.get("weft.run etl")!;
    expect(run.parentSpanContext).toBeUndefined();
    for (const span of spans) {
      if (span === run) continue;
      expect(span.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(run.spanContext().traceId);
    }
    expect(run.attributes).toEqual({
      "service.name": "etl-service",
      "weft.run_id": "r1",
      "weft.workflow": "etl",
      "weft.status": "failed",
      "weft.ms": 95,
    });
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: "run failed" });
    expect(ms(run)).toBeCloseTo(95, 6);
  });

  it("sets node attributes, retry and progress events, and times from the events", () => {
    const load = record(events).find((s) => s.name === "weft.node load")!;
    expect(load.attributes).toEqual({
      "weft.run_id": "r1",
      "weft.node": "load",
      "weft.attempt": 2,
      "weft.status": "completed",
      "weft.ms": 80,
    });
    expect(load.status.code).toBe(SpanStatusCode.UNSET);
    expect(ms(load)).toBeCloseTo(80, 6);
    expect(load.events.map((e) => [e.name, e.attributes])).toEqual([
      ["retry", { "weft.attempt": 2, "weft.delay_ms": 50, "exception.message": "flaky" }],
      [
        "progress",
        { "weft.progress.message": "half", "weft.progress.done": 1, "weft.progress.total": 2 },
      ],
    ]);
  });

  it("marks cached and skipped nodes", () => {
    const spans = record(events);
    expect(spans.find((s) => s.name === "weft.node cached")!.attributes).toMatchObject({
      "weft.status": "completed",
      "weft.cached": true,
    });
    expect(spans.find((s) => s.name === "weft.node notify")!.attributes).toMatchObject({
      "weft.status": "skipped",
      "weft.skip_reason": "branch not taken",
    });
  });

  it("records the exception and error status of a failed node", () => {
    const save = record(events).find((s) => s.name === "weft.node save")!;
    expect(save.status).toEqual({ code: SpanStatusCode.ERROR, message: "disk full" });
    expect(save.attributes["weft.status"]).toBe("failed");
    const exception = save.events.find((e) => e.name === "exception")!;
    expect(exception.attributes).toMatchObject({
      "exception.type": "TypeError",
      "exception.message": "disk full",
    });
  });

  it("ends nodes still open when the run ends, and leaves completed runs unset", () => {
    const spans = record([
      { type: "run-start", runId: "r3", workflow: "w", at: 0 },
      { type: "node-start", runId: "r3", node: "slow", attempt: 1, at: 1 },
      { type: "run-complete", runId: "r3", status: "completed", ms: 5, at: 5 },
    ]);
    const slow = spans.find((s) => s.name === "weft.node slow")!;
    expect(slow.attributes["weft.status"]).toBe("unfinished");
    expect(ms(slow)).toBeCloseTo(4, 6);
    expect(spans.find((s) => s.name === "weft.run w")!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("nests the run under the given parent and exposes node contexts", () => {
    exporter.reset();
    const tracer = provider.getTracer("test");
    const request = tracer.startSpan("request");
    const listener = otelListener({
      parentContext: () => trace.setSpan(context.active(), request),
    });
    listener({ type: "run-start", runId: "r4", workflow: "w", at: 0 });
    listener({ type: "node-start", runId: "r4", node: "a", attempt: 1, at: 0 });
    const nodeSpan = trace.getSpan(listener.contextFor("r4", "a"))!;
    const runSpan = trace.getSpan(listener.contextFor("r4"))!;
    expect(nodeSpan.isRecording()).toBe(true);
    // A span the node's function opens in its context nests under the node span.
    tracer.startSpan("inner", {}, listener.contextFor("r4", "a")).end();
    listener({ type: "node-complete", runId: "r4", node: "a", ms: 1, at: 1 });
    listener({ type: "run-complete", runId: "r4", status: "completed", ms: 1, at: 1 });
    request.end();
    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    expect(spans.get("inner")!.parentSpanContext?.spanId).toBe(nodeSpan.spanContext().spanId);
    expect(spans.get("weft.node a")!.parentSpanContext?.spanId).toBe(runSpan.spanContext().spanId);
    expect(spans.get("weft.run w")!.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });
});
