import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  createTraceRecorder,
  toChromeTrace,
  writeTrace,
  type ChromeTraceEvent,
} from "../../src/run/trace.js";
import type { RunEvent } from "../../src/run/types.js";

const dir = mkdtempSync(join(tmpdir(), "weft-trace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runId = "r1";

/** A run with two overlapping nodes, a retry, progress, a skip and a failure. */
const events: RunEvent[] = [
  { type: "run-start", runId, workflow: "etl", at: 100 },
  { type: "node-start", runId, node: "load", attempt: 1, at: 100 },
  { type: "node-start", runId, node: "fetch", attempt: 1, at: 101 },
  {
    type: "node-retry",
    runId,
    node: "fetch",
    attempt: 2,
    delayMs: 5,
    error: new Error("flaky"),
    at: 103,
  },
  { type: "node-complete", runId, node: "load", ms: 4, at: 104 },
  { type: "node-start", runId, node: "fetch", attempt: 2, at: 108 },
  {
    type: "progress",
    runId,
    node: "fetch",
    progress: { message: "half", done: 1, total: 2 },
    at: 109,
  },
  { type: "node-start", runId, node: "clean", attempt: 1, at: 109 },
  { type: "node-complete", runId, node: "fetch", ms: 7, at: 110 },
  { type: "node-skip", runId, node: "notify", reason: "upstream 'clean' failed", at: 111.5 },
  { type: "node-fail", runId, node: "clean", error: new Error("bad row"), at: 112 },
  { type: "run-complete", runId, status: "failed", ms: 12, at: 112 },
];

describe("createTraceRecorder", () => {
  it("renders a run as complete events, instants and names", () => {
    const recorder = createTraceRecorder();
    for (const e of events) recorder.onEvent(e);
    const pid = 1;
    expect(recorder.toJSON()).toEqual({
      displayTimeUnit: "ms",
      traceEvents: [
        { name: "process_name", ph: "M", ts: 0, pid, tid: 0, args: { name: "etl (r1)" } },
        { name: "thread_name", ph: "M", ts: 0, pid, tid: 0, args: { name: "run" } },
        { name: "thread_name", ph: "M", ts: 0, pid, tid: 1, args: { name: "lane 1" } },
        { name: "thread_name", ph: "M", ts: 0, pid, tid: 2, args: { name: "lane 2" } },
        // fetch's first attempt overlaps load, so it takes lane 2.
        {
          name: "fetch",
          cat: "node",
          ph: "X",
          ts: 1000,
          dur: 2000,
          pid,
          tid: 2,
          args: { attempt: 1, status: "failed", error: "flaky" },
        },
        {
          name: "retry fetch",
          cat: "node",
          ph: "i",
          s: "t",
          ts: 3000,
          pid,
          tid: 2,
          args: { attempt: 2, delayMs: 5, error: "flaky" },
        },
        {
          name: "load",
          cat: "node",
          ph: "X",
          ts: 0,
          dur: 4000,
          pid,
          tid: 1,
          args: { attempt: 1, status: "completed" },
        },
        // Both lanes are free at 108: the lowest is taken.
        {
          name: "progress fetch",
          cat: "node",
          ph: "i",
          s: "t",
          ts: 9000,
          pid,
          tid: 1,
          args: { message: "half", done: 1, total: 2 },
        },
        {
          name: "fetch",
          cat: "node",
          ph: "X",
          ts: 8000,
          dur: 2000,
          pid,
          tid: 1,
          args: { attempt: 2, status: "completed" },
        },
        {
          name: "skip notify",
          cat: "node",
          ph: "i",
          s: "t",
          ts: 11500,
          pid,
          tid: 0,
          args: { reason: "upstream 'clean' failed" },
        },
        {
          name: "clean",
          cat: "node",
          ph: "X",
          ts: 9000,
          dur: 3000,
          pid,
          tid: 2,
          args: { attempt: 1, status: "failed", error: "bad row" },
        },
        {
          name: "fail clean",
          cat: "node",
          ph: "i",
          s: "t",
          ts: 12000,
          pid,
          tid: 2,
          args: { error: "bad row" },
        },
        {
          name: "etl",
          cat: "run",
          ph: "X",
          ts: 0,
          dur: 12000,
          pid,
          tid: 0,
          args: { runId: "r1", status: "failed", ms: 12 },
        },
      ],
    });
  });

  it("draws a sequential run on one lane", () => {
    const trace = toChromeTrace([
      { type: "run-start", runId, workflow: "seq", at: 0 },
      { type: "node-start", runId, node: "a", attempt: 1, at: 0 },
      { type: "node-complete", runId, node: "a", ms: 1, at: 1 },
      { type: "node-start", runId, node: "b", attempt: 1, at: 1 },
      { type: "node-complete", runId, node: "b", ms: 2, at: 3 },
      { type: "run-complete", runId, status: "completed", ms: 3, at: 3 },
    ]);
    const nodes = trace.traceEvents.filter((e) => e.cat === "node");
    expect(nodes.map((e) => [e.name, e.tid])).toEqual([
      ["a", 1],
      ["b", 1],
    ]);
  });

  it("draws open attempts and runs up to the latest event, and keeps recording", () => {
    const recorder = createTraceRecorder();
    recorder.onEvent({ type: "run-start", runId, workflow: "w", at: 10 });
    recorder.onEvent({ type: "node-start", runId, node: "a", attempt: 1, at: 11 });
    recorder.onEvent({ type: "progress", runId, node: "a", progress: { done: 1 }, at: 15 });
    const partial = recorder.toJSON().traceEvents.filter((e) => e.ph === "X");
    expect(partial).toEqual([
      {
        name: "a",
        cat: "node",
        ph: "X",
        ts: 1000,
        dur: 4000,
        pid: 1,
        tid: 1,
        args: { attempt: 1, status: "running" },
      },
      {
        name: "w",
        cat: "run",
        ph: "X",
        ts: 0,
        dur: 5000,
        pid: 1,
        tid: 0,
        args: { runId, status: "running" },
      },
    ]);
    recorder.onEvent({ type: "node-complete", runId, node: "a", ms: 9, at: 20 });
    recorder.onEvent({ type: "run-complete", runId, status: "completed", ms: 10, at: 20 });
    const done = recorder.toJSON().traceEvents.filter((e) => e.ph === "X");
    expect(done.map((e) => [e.name, e.dur, e.args?.status])).toEqual([
      ["a", 9000, "completed"],
      ["w", 10000, "completed"],
    ]);
  });

  it("draws a cache hit without a start over the time it reports", () => {
    const trace = toChromeTrace([
      { type: "run-start", runId, workflow: "w", at: 0 },
      { type: "node-complete", runId, node: "a", ms: 0.25, at: 2, cached: true },
      { type: "run-complete", runId, status: "completed", ms: 2, at: 2 },
    ]);
    expect(trace.traceEvents.find((e) => e.name === "a")).toEqual({
      name: "a",
      cat: "node",
      ph: "X",
      ts: 1750,
      dur: 250,
      pid: 1,
      tid: 1,
      args: { attempt: 1, status: "completed", cached: true },
    });
  });

  it("closes attempts still open when the run ends (cancelled)", () => {
    const trace = toChromeTrace([
      { type: "run-start", runId, workflow: "w", at: 0 },
      { type: "node-start", runId, node: "slow", attempt: 1, at: 1 },
      { type: "run-complete", runId, status: "cancelled", ms: 5, at: 5 },
    ]);
    expect(trace.traceEvents.find((e) => e.name === "slow")?.args).toEqual({
      attempt: 1,
      status: "unfinished",
    });
  });

  it("gives each run its own process, on one time axis", () => {
    const trace = toChromeTrace([
      { type: "run-start", runId: "a", workflow: "w", at: 1000 },
      { type: "run-start", runId: "b", workflow: "w", at: 1002 },
      { type: "run-complete", runId: "a", status: "completed", ms: 3, at: 1003 },
      { type: "run-complete", runId: "b", status: "completed", ms: 3, at: 1005 },
    ]);
    const runs = trace.traceEvents.filter((e) => e.cat === "run");
    expect(runs.map((e) => [e.pid, e.ts, e.dur])).toEqual([
      [1, 0, 3000],
      [2, 2000, 3000],
    ]);
    expect(
      trace.traceEvents.filter((e) => e.name === "process_name").map((e) => e.args?.name),
    ).toEqual(["w (a)", "w (b)"]);
  });

  it("keeps progress fields JSON can hold", () => {
    const trace = toChromeTrace([
      { type: "run-start", runId, workflow: "w", at: 0 },
      { type: "progress", runId, node: "a", progress: { big: 5n, list: [1], fn: () => 1 }, at: 1 },
    ]);
    const args = trace.traceEvents.find((e) => e.name === "progress a")?.args;
    expect(args).toEqual({ big: "5", list: [1], fn: "() => 1" });
  });

  it("never puts overlapping attempts on one lane (property)", () => {
    // Random node intervals in a run, turned into start/complete events in time order.
    const interval = fc.tuple(fc.nat(100), fc.integer({ min: 1, max: 30 }));
    fc.assert(
      fc.property(fc.array(interval, { minLength: 1, maxLength: 20 }), (intervals) => {
        const timed: { at: number; order: number; event: RunEvent }[] = [];
        intervals.forEach(([start, length], i) => {
          const node = `n${i}`;
          // At equal times, completions come before starts (a lane freed at t is free at t).
          timed.push({
            at: start,
            order: 1,
            event: { type: "node-start", runId, node, attempt: 1, at: start },
          });
          timed.push({
            at: start + length,
            order: 0,
            event: { type: "node-complete", runId, node, ms: length, at: start + length },
          });
        });
        timed.sort((a, b) => a.at - b.at || a.order - b.order);
        const trace = toChromeTrace([
          { type: "run-start", runId, workflow: "w", at: 0 },
          ...timed.map((t) => t.event),
        ]);
        const spans = trace.traceEvents.filter((e) => e.ph === "X" && e.cat === "node");
        expect(spans).toHaveLength(intervals.length);
        const byLane = new Map<number, ChromeTraceEvent[]>();
        for (const s of spans) byLane.set(s.tid, [...(byLane.get(s.tid) ?? []), s]);
        for (const lane of byLane.values()) {
          lane.sort((a, b) => a.ts - b.ts);
          for (let i = 1; i < lane.length; i++) {
            expect(lane[i].ts).toBeGreaterThanOrEqual(lane[i - 1].ts + lane[i - 1].dur!);
          }
        }
        // Lanes used never exceed the most attempts running at once.
        let running = 0;
        let most = 0;
        for (const t of timed) {
          running += t.event.type === "node-start" ? 1 : -1;
          most = Math.max(most, running);
        }
        expect(Math.max(...spans.map((s) => s.tid))).toBe(most);
      }),
      { numRuns: 200 },
    );
  });
});

describe("writeTrace", () => {
  it("writes a file whose JSON has the traceEvents array", () => {
    const path = join(dir, "nested", "run.trace.json");
    writeTrace(path, events);
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { traceEvents: unknown };
    expect(Array.isArray(parsed.traceEvents)).toBe(true);
    expect(parsed).toEqual(toChromeTrace(events));
  });

  it("names the file it cannot write", () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "");
    const path = join(blocker, "run.trace.json");
    expect(() => writeTrace(path, events)).toThrow(`cannot write trace file '${path}': `);
  });
});
