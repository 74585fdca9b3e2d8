/**
 * Run options checked before anything runs: a misspelt mode or a negative timeout would
 * otherwise run with a default, or never end. Each error names the option and what it accepts.
 */
import type { Prepared } from "./prepare.js";
import type { RunOptions } from "./options.js";
import { selectNodes } from "./partial.js";
import { InputError } from "./types.js";

const MODES = ["sequential", "parallel", "threads"];
const ON_ERROR = ["fail-fast", "continue"];
const RETAIN = ["all", "outputs"];

/**
 * Throws an {@link InputError} naming the first run option that has a value the run would not
 * honour.
 *
 * @example
 * ```ts
 * checkRunOptions(prepared, { mode: "paralel" });
 * // InputError: run option 'mode' must be "sequential", "parallel" or "threads"; got "paralel"
 * ```
 */
export function checkRunOptions(p: Prepared, o: RunOptions): void {
  const { mode, concurrency, timeoutMs, onError, retain } = o;
  if (mode !== undefined && !MODES.includes(mode)) bad("mode", MODES, mode);
  if (concurrency !== undefined && !(typeof concurrency === "number" && concurrency >= 1)) {
    throw new InputError(
      `run option 'concurrency' must be a number of at least 1 (Infinity: no limit); got ${show(concurrency)}`,
    );
  }
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs >= 0)) {
    throw new InputError(
      `run option 'timeoutMs' must be a number of milliseconds, 0 or more; got ${show(timeoutMs)}`,
    );
  }
  if (onError !== undefined && typeof onError !== "function" && !ON_ERROR.includes(onError)) {
    bad("onError", [...ON_ERROR, "a handler function"], onError);
  }
  if (retain !== undefined && !RETAIN.includes(retain)) bad("retain", RETAIN, retain);
  if (o.timings !== undefined && typeof o.timings !== "boolean")
    bad("timings", ["true", "false"], o.timings);
  if (o.telemetry !== undefined && o.telemetry !== "auto" && typeof o.telemetry !== "boolean") {
    bad("telemetry", ["true", "false", "auto"], o.telemetry);
  }
  if (o.onEvent !== undefined && typeof o.onEvent !== "function") {
    throw new InputError(`run option 'onEvent' must be a function; got ${show(o.onEvent)}`);
  }
  if (o.runId !== undefined && (typeof o.runId !== "string" || o.runId === "")) {
    throw new InputError(`run option 'runId' must be a non-empty string; got ${show(o.runId)}`);
  }
  if (o.replace !== undefined && typeof o.replace !== "boolean") {
    bad("replace", ["true", "false"], o.replace);
  }
  if (o.leaseMs !== undefined && !(typeof o.leaseMs === "number" && o.leaseMs >= 1)) {
    throw new InputError(
      `run option 'leaseMs' must be a number of milliseconds, 1 or more; got ${show(o.leaseMs)}`,
    );
  }
  if ((o.from !== undefined || o.between !== undefined) && o.reuse === undefined) {
    needsReuse(p, o);
  }
}

/**
 * Durations in node options must be milliseconds, 0 or more (any length: timers past Node's
 * 2^31-1 ms limit are chained). A negative or `NaN` one would fire at once.
 *
 * @example
 * ```ts
 * checkNodeDurations("load", { timeoutMs: -1 });
 * // InputError: node 'load': option 'timeoutMs' must be a number of milliseconds, 0 or more; got -1
 * ```
 */
export function checkNodeDurations(
  node: string,
  o: { timeoutMs?: unknown; retry?: { delayMs?: unknown; maxDelayMs?: unknown } } | undefined,
): void {
  if (!o) return;
  const check = (option: string, v: unknown): void => {
    if (v !== undefined && !(typeof v === "number" && v >= 0)) {
      throw new InputError(
        `node '${node}': option '${option}' must be a number of milliseconds, 0 or more; got ${show(v)}`,
      );
    }
  };
  check("timeoutMs", o.timeoutMs);
  check("retry.delayMs", o.retry?.delayMs);
  check("retry.maxDelayMs", o.retry?.maxDelayMs);
}

/**
 * `from`/`between` without `reuse`: a selected node reading a result from outside the selection
 * would be skipped, and the run would report `completed` having run nothing.
 */
function needsReuse(p: Prepared, o: RunOptions): void {
  const sel = selectNodes(p, o);
  if (!sel) return;
  for (let i = 0; i < p.n; i++) {
    if (!sel[i]) continue;
    for (const j of p.preds[i]) {
      if (sel[j]) continue;
      const option = o.between !== undefined ? "between" : "from";
      throw new InputError(
        `run option '${option}' needs 'reuse' (a previous run, or a checkpointed run id): node '${p.names[i]}' reads '${p.names[j]}', which this run does not execute`,
      );
    }
  }
}

function bad(option: string, valid: string[], got: unknown): never {
  const list = valid.map((v) => (v === "true" || v === "false" || v.includes(" ") ? v : `"${v}"`));
  const last = list.pop();
  throw new InputError(
    `run option '${option}' must be ${list.length > 0 ? `${list.join(", ")} or ${last}` : last}; got ${show(got)}`,
  );
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : typeof v === "number" ? String(v) : typeof v;
}
