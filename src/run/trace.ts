/**
 * Run timelines in the Chrome trace-event format, which Perfetto (ui.perfetto.dev) and
 * chrome://tracing open: each run is a process, each node attempt a complete event on a lane
 * (thread) of its own while it runs, and retries, skips, failures and progress are instants.
 *
 * Lanes: a node attempt takes the lowest-numbered lane that is free for its whole span, so nodes
 * that overlap in time never share a lane, and a sequential run draws on one lane. Lane 0 holds
 * the run itself and the instants of nodes that are not running (skips).
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { RunEvent } from "./types.js";

/** One trace event. `ts` and `dur` are microseconds since the first event recorded. */
export interface ChromeTraceEvent {
  name: string;
  /** `X` complete event, `i` instant, `M` metadata (process and thread names). */
  ph: "X" | "i" | "M";
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  /** Scope of an instant: `t` draws it on its thread. */
  s?: "t" | "p" | "g";
  args?: Record<string, unknown>;
}

/** A whole trace file. */
export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: "ms";
}

/** Collects run events and renders them as a Chrome trace. */
export interface TraceRecorder {
  /** Feed every event of one or more runs, in order (pass it as a run's `onEvent`). */
  onEvent(event: RunEvent): void;
  /**
   * The trace so far. Attempts and runs still open are drawn up to the latest event, with
   * `args.status` = `"running"`; recording can go on afterwards.
   */
  toJSON(): ChromeTrace;
}

interface OpenAttempt {
  node: string;
  attempt: number;
  start: number;
  lane: number;
}

interface Lane {
  busy: boolean;
  /** When the lane's last span ended. */
  freeAt: number;
}

interface RunTrack {
  pid: number;
  runId: string;
  workflow: string;
  start?: number;
  lanes: Lane[];
  open: Map<string, OpenAttempt>;
}

/**
 * Records run events into a Chrome trace (Perfetto, chrome://tracing).
 *
 * @example
 * ```ts
 * const trace = createTraceRecorder();
 * await wf.run(input, { onEvent: trace.onEvent });
 * writeFileSync("run.trace.json", JSON.stringify(trace.toJSON()));
 * ```
 */
export function createTraceRecorder(): TraceRecorder {
  const runs = new Map<string, RunTrack>();
  const events: ChromeTraceEvent[] = [];
  let origin: number | undefined;
  let latest = 0;

  // Microseconds, rounded to the nanosecond so float noise does not leak into the file.
  const micros = (ms: number): number => Math.round(ms * 1e6) / 1e3;
  const us = (at: number): number => micros(at - (origin ?? at));

  function track(runId: string, workflow = runId): RunTrack {
    let run = runs.get(runId);
    if (!run) {
      run = { pid: runs.size + 1, runId, workflow, lanes: [], open: new Map() };
      runs.set(runId, run);
    }
    return run;
  }

  /** The lowest lane (from 1) with nothing on it from `start` on. */
  function takeLane(run: RunTrack, start: number): number {
    for (let i = 0; i < run.lanes.length; i++) {
      const lane = run.lanes[i];
      if (!lane.busy && lane.freeAt <= start) {
        lane.busy = true;
        return i + 1;
      }
    }
    run.lanes.push({ busy: true, freeAt: start });
    return run.lanes.length;
  }

  function attemptEvent(
    run: RunTrack,
    open: OpenAttempt,
    end: number,
    args: Record<string, unknown>,
  ): ChromeTraceEvent {
    return {
      name: open.node,
      cat: "node",
      ph: "X",
      ts: us(open.start),
      dur: micros(end - open.start),
      pid: run.pid,
      tid: open.lane,
      args: { attempt: open.attempt, ...args },
    };
  }

  /** Ends a node's open attempt (if any) and returns the lane it was on (0 if none). */
  function close(run: RunTrack, node: string, end: number, args: Record<string, unknown>): number {
    const open = run.open.get(node);
    if (!open) return 0;
    run.open.delete(node);
    const lane = run.lanes[open.lane - 1];
    lane.busy = false;
    lane.freeAt = end;
    events.push(attemptEvent(run, open, end, args));
    return open.lane;
  }

  function instant(
    run: RunTrack,
    name: string,
    at: number,
    tid: number,
    args: Record<string, unknown>,
  ): void {
    events.push({ name, cat: "node", ph: "i", s: "t", ts: us(at), pid: run.pid, tid, args });
  }

  function onEvent(event: RunEvent): void {
    origin ??= event.at;
    latest = Math.max(latest, event.at);
    const run = track(event.runId, event.type === "run-start" ? event.workflow : undefined);
    switch (event.type) {
      case "run-start":
        run.workflow = event.workflow;
        run.start = event.at;
        break;
      case "node-start":
        close(run, event.node, event.at, { status: "interrupted" });
        run.open.set(event.node, {
          node: event.node,
          attempt: event.attempt,
          start: event.at,
          lane: takeLane(run, event.at),
        });
        break;
      case "node-complete": {
        const args = event.cached ? { status: "completed", cached: true } : { status: "completed" };
        if (run.open.has(event.node)) {
          close(run, event.node, event.at, args);
        } else {
          // Completed without a start (a cache hit): draw it over the time it reports.
          const start = event.at - event.ms;
          run.open.set(event.node, {
            node: event.node,
            attempt: 1,
            start,
            lane: takeLane(run, start),
          });
          close(run, event.node, event.at, args);
        }
        break;
      }
      case "node-retry": {
        const error = errorMessage(event.error);
        const lane = close(run, event.node, event.at, { status: "failed", error });
        instant(run, `retry ${event.node}`, event.at, lane, {
          attempt: event.attempt,
          delayMs: event.delayMs,
          error,
        });
        break;
      }
      case "node-fail": {
        const error = errorMessage(event.error);
        const lane = close(run, event.node, event.at, { status: "failed", error });
        instant(run, `fail ${event.node}`, event.at, lane, { error });
        break;
      }
      case "node-skip":
        instant(run, `skip ${event.node}`, event.at, 0, { reason: event.reason });
        break;
      case "progress":
        instant(
          run,
          `progress ${event.node}`,
          event.at,
          run.open.get(event.node)?.lane ?? 0,
          jsonArgs(event.progress),
        );
        break;
      case "run-complete": {
        for (const node of [...run.open.keys()])
          close(run, node, event.at, { status: "unfinished" });
        const start = run.start ?? event.at - event.ms;
        events.push({
          name: run.workflow,
          cat: "run",
          ph: "X",
          ts: us(start),
          dur: micros(event.at - start),
          pid: run.pid,
          tid: 0,
          args: { runId: run.runId, status: event.status, ms: event.ms },
        });
        run.start = undefined;
        break;
      }
    }
  }

  function toJSON(): ChromeTrace {
    const meta: ChromeTraceEvent[] = [];
    const pending: ChromeTraceEvent[] = [];
    for (const run of runs.values()) {
      meta.push({
        name: "process_name",
        ph: "M",
        ts: 0,
        pid: run.pid,
        tid: 0,
        args: { name: `${run.workflow} (${run.runId})` },
      });
      meta.push(threadName(run.pid, 0, "run"));
      run.lanes.forEach((_, i) => meta.push(threadName(run.pid, i + 1, `lane ${i + 1}`)));
      for (const open of run.open.values()) {
        pending.push(attemptEvent(run, open, latest, { status: "running" }));
      }
      if (run.start !== undefined) {
        pending.push({
          name: run.workflow,
          cat: "run",
          ph: "X",
          ts: us(run.start),
          dur: micros(latest - run.start),
          pid: run.pid,
          tid: 0,
          args: { runId: run.runId, status: "running" },
        });
      }
    }
    return { traceEvents: [...meta, ...events, ...pending], displayTimeUnit: "ms" };
  }

  return { onEvent, toJSON };
}

/**
 * The Chrome trace of a sequence of run events.
 *
 * @example
 * ```ts
 * const events: RunEvent[] = [];
 * await wf.run(input, { onEvent: (e) => events.push(e) });
 * const trace = toChromeTrace(events); // { traceEvents: [...], displayTimeUnit: "ms" }
 * ```
 */
export function toChromeTrace(events: Iterable<RunEvent>): ChromeTrace {
  const recorder = createTraceRecorder();
  for (const event of events) recorder.onEvent(event);
  return recorder.toJSON();
}

/**
 * Writes the Chrome trace of `events` to `path` (parent folders created), for Perfetto or
 * chrome://tracing.
 *
 * @example
 * ```ts
 * writeTrace("out/run.trace.json", events); // open it at https://ui.perfetto.dev
 * ```
 */
export function writeTrace(path: string, events: Iterable<RunEvent>): void {
  const json = JSON.stringify(toChromeTrace(events));
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, json);
  } catch (error) {
    const inner = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot write trace file '${path}': ${inner}`, { cause: error });
  }
}

function threadName(pid: number, tid: number, name: string): ChromeTraceEvent {
  return { name: "thread_name", ph: "M", ts: 0, pid, tid, args: { name } };
}

/** Progress fields as JSON can hold them (a BigInt or a function would break the file). */
function jsonArgs(fields: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const type = typeof value;
    args[key] =
      value === null || type === "string" || type === "number" || type === "boolean"
        ? value
        : type === "object"
          ? safeJson(value)
          : String(value);
  }
  return args;
}

function safeJson(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
