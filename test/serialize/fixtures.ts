/** Hand-written graph IR fixtures shared by the serialize and viz tests. */
import type { Graph, RunRecord } from "../../src/index.js";

/** A nested workflow used by `etlGraph`'s `nested` node. */
export const childGraph: Graph = {
  version: 1,
  kind: "dag",
  name: "child",
  nodes: [
    { name: "read", kind: "task" },
    { name: "parse", kind: "task" },
  ],
  edges: [
    { from: "input", port: "path", to: "read", param: "path" },
    { from: "read", to: "parse" },
  ],
  output: "parse",
};

/** The DESIGN.md example as IR, with every node kind. */
export const etlGraph: Graph = {
  version: 1,
  kind: "dag",
  name: "customer_etl",
  doc: "Loads customers.",
  input: {
    type: "{ path: string; minAge: number }",
    schema: { type: "object", required: ["path"] },
  },
  nodes: [
    {
      name: "load",
      kind: "task",
      fn: { name: "readRows", module: "./rows.ts", export: "readRows" },
      options: { retry: { attempts: 3, delayMs: 100, backoff: 2 }, timeoutMs: 5000 },
      type: "Row[]",
      source: { file: "etl.ts", line: 4, column: 3 },
      doc: "Reads the rows.",
    },
    { name: "clean", kind: "task", type: "Row[]" },
    { name: "big", kind: "condition", ports: ["true", "false"] },
    { name: "batch", kind: "task" },
    { name: "inline", kind: "task" },
    { name: "route", kind: "select", ports: ["some", "none"] },
    { name: "loaded", kind: "any", type: "number" },
    { name: "each", kind: "map", options: { concurrency: 4 } },
    { name: "nested", kind: "sub", subgraph: childGraph },
    { name: "notify", kind: "task", options: { runIf: "always", has: { hooks: true } } },
  ],
  edges: [
    { from: "input", port: "path", to: "load", param: "path", type: "string" },
    { from: "load", to: "clean", param: "rows", type: "Row[]" },
    { from: "clean", to: "big", param: "rows" },
    { from: "big", port: "true", to: "batch", param: "rows" },
    { from: "big", port: "false", to: "inline", param: "rows" },
    { from: "clean", to: "route", param: "rows" },
    { from: "batch", to: "loaded", param: "r", index: 0 },
    { from: "inline", to: "loaded", param: "r", index: 1 },
    { from: "clean", to: "each", param: "items" },
    { from: "input", port: "minAge", to: "each", param: "minAge" },
    { from: "input", port: "path", to: "nested", param: "path" },
    { from: "loaded", to: "notify", param: "n" },
  ],
  output: "loaded",
};

/** A small function-return state machine. */
export const lightGraph: Graph = {
  version: 1,
  kind: "fsm",
  name: "traffic_light",
  nodes: [
    { name: "red", kind: "state", targets: ["green"] },
    { name: "green", kind: "state", targets: ["yellow"] },
    { name: "yellow", kind: "state", targets: ["red"], canStop: true },
  ],
  edges: [
    { from: "red", to: "green" },
    { from: "green", to: "yellow" },
    { from: "yellow", to: "red" },
  ],
  fsm: { initial: "red", terminal: [], style: "function", maxCycles: 50 },
};

/** An event-driven machine with guards and a terminal state. */
export const deployGraph: Graph = {
  version: 1,
  kind: "fsm",
  name: "deploy",
  nodes: [
    { name: "idle", kind: "state" },
    { name: "deploying", kind: "state" },
    { name: "live", kind: "state" },
    { name: "failed", kind: "state" },
  ],
  edges: [
    { from: "idle", to: "deploying", event: "DEPLOY", guard: true },
    { from: "deploying", to: "live", event: "OK" },
    { from: "deploying", to: "failed", event: "ERROR", action: true },
    { from: "failed", to: "idle", event: "RETRY" },
  ],
  fsm: {
    initial: "idle",
    terminal: ["live"],
    style: "event",
    events: ["DEPLOY", "OK", "ERROR", "RETRY"],
  },
};

/** A run of `etlGraph` that took the true branch. */
export const etlRun: RunRecord = {
  runId: "run-1",
  workflow: "customer_etl",
  status: "completed",
  output: 2,
  nodes: {
    load: {
      status: "completed",
      startMs: 0,
      endMs: 12,
      ms: 12,
      attempts: 1,
      result: [{ id: 1 }, { id: 2 }],
    },
    clean: {
      status: "completed",
      startMs: 12,
      endMs: 15,
      ms: 3,
      attempts: 1,
      result: [{ id: 1 }, { id: 2 }],
    },
    big: { status: "completed", startMs: 15, endMs: 16, ms: 1, result: { branch: "true" } },
    batch: { status: "completed", startMs: 16, endMs: 30, ms: 14, result: 2 },
    inline: { status: "skipped", skipReason: "branch 'false' of 'big' not taken" },
    route: { status: "completed", startMs: 15, endMs: 16, ms: 1, result: "some" },
    loaded: { status: "completed", startMs: 30, endMs: 31, ms: 1, result: 2 },
    each: { status: "failed", startMs: 15, endMs: 20, ms: 5, error: "bad row" },
    nested: { status: "running", startMs: 15 },
    notify: { status: "pending" },
  },
  metrics: {
    totalMs: 31,
    nodeMs: { load: 12, clean: 3, big: 1, batch: 14, route: 1, loaded: 1, each: 5 },
    executed: 7,
    skipped: 1,
    failed: 1,
    order: ["load", "clean", "big", "route", "each", "nested", "batch", "loaded"],
  },
  errors: [{ node: "each", message: "bad row" }],
};
