/**
 * What the main thread and a worker thread of `mode: "threads"` say to each other. A task goes
 * through the pool; everything about it afterwards (progress, the abort, the outcome) travels on
 * the task's own MessagePort, so progress always arrives before the outcome.
 */
import type { MessagePort } from "node:worker_threads";
import type { Progress } from "./types.js";

/** What a worker is asked to do. */
export type WorkerTask = ThreadTask | WarmTask;

/** One node call (or one map item) for a worker. */
export interface ThreadTask {
  kind: "node";
  /** URL (or package specifier) of the module that exports the workflow. */
  module: string;
  /** The export holding the workflow, when known (the compiler's module reference). */
  exportName?: string;
  /** The workflow's name, used to find it among the module's exports. */
  workflow: string;
  node: string;
  args: unknown;
  runId: string;
  attempt: number;
  /** Map items: the item's index. */
  index?: number;
  /** A copy of the run's metadata. */
  metadata: Record<string, unknown>;
  /** Whether anyone listens to progress (otherwise `ctx.emit` posts nothing). */
  progress: boolean;
  port: MessagePort;
  /** Post `started` (with the thread's id) just before the call, so its CPU budget is watched. */
  watch?: boolean;
}

/**
 * Starts a worker and loads a module in it. Each warm task waits until `count` of them have
 * started, so `count` tasks occupy `count` distinct workers.
 */
export type WarmTask = {
  kind: "warm";
  /** Shared counter of warm tasks started. */
  started: Int32Array;
  count: number;
  /** Give up waiting for the others after this long. */
  waitMs: number;
} & (
  | {
      module: string;
      /** The workflow whose module it is, for error messages. */
      workflow: string;
    }
  | { module?: undefined }
);

/** Worker to main thread, on the task's port. */
export type WorkerMessage =
  /** The node's function is about to be called on thread `threadId` (tasks with `watch`). */
  | { type: "started"; threadId: number }
  | { type: "progress"; progress: Progress }
  | { type: "result"; value: unknown }
  | { type: "error"; error: ErrorData }
  /** The result (or a progress report) could not cross the thread boundary. */
  | { type: "unclonable"; what: "result" | "progress"; path: string; reason: string };

/** Main thread to worker, on the task's port. */
export type MainMessage = { type: "abort"; reason: ErrorData };

/** An error (or any thrown value) as plain data, so nothing of it is lost between threads. */
export type ErrorData =
  | {
      kind: "error";
      name: string;
      message: string;
      stack?: string;
      /** Own enumerable fields (`code`, `status`, ...) that could be cloned. */
      fields: Record<string, unknown>;
      cause?: ErrorData;
    }
  /** Something other than an Error was thrown. */
  | { kind: "value"; value: unknown }
  /** A thrown value that could not be cloned, described. */
  | { kind: "text"; text: string };

/** Turns a thrown value into data that survives structured clone. */
export function errorToData(error: unknown, depth = 0): ErrorData {
  if (!(error instanceof Error)) {
    return clonable(error)
      ? { kind: "value", value: error }
      : { kind: "text", text: String(error) };
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === "cause") continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (clonable(value)) fields[key] = value;
  }
  const data: ErrorData = { kind: "error", name: error.name, message: error.message, fields };
  if (error.stack !== undefined) data.stack = error.stack;
  // Causes can chain (or loop); a few levels say what happened.
  if (error.cause !== undefined && depth < 8) data.cause = errorToData(error.cause, depth + 1);
  return data;
}

/**
 * Rebuilds an error from {@link errorToData}: an `Error` with the original name, message, stack
 * (the worker's) and fields. Its class is not kept: only the main thread's own classes exist here.
 */
export function dataToError(data: ErrorData): unknown {
  if (data.kind === "value") return data.value;
  if (data.kind === "text") return new Error(data.text);
  const error = new Error(
    data.message,
    data.cause === undefined ? undefined : { cause: dataToError(data.cause) },
  );
  Object.defineProperty(error, "name", {
    value: data.name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (data.stack !== undefined) error.stack = data.stack;
  Object.assign(error, data.fields);
  return error;
}

function clonable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
