/**
 * The node functions of a task workflow (the registry `fromGraph` wires into its graph): each
 * starts the task's process, and a matrix join gathers its instances. Results of one run are
 * kept in a table so tasks that run after a failure (`run_always`, `condition`) can read the
 * failed task's result, which the scheduler does not pass on.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RegistryFunction } from "../serialize/from-graph.js";
import type { NodeContext } from "../run/types.js";
import { resolveCommand } from "./command.js";
import { runProcess } from "./process.js";
import { Semaphore } from "./semaphore.js";
import { render, test } from "./template.js";
import type { MatrixValue, TaskNode, TaskResult, TaskSpec, TaskWorkflow } from "./types.js";

/** Thrown by a task node whose process failed; the scheduler retries it and records it. */
export class TaskFailedError extends Error {
  constructor(readonly result: TaskResult) {
    super(
      result.reason ??
        (result.signal
          ? `killed by ${result.signal}`
          : `exited with code ${String(result.exit_code)}`),
    );
    this.name = "TaskFailedError";
  }
}

/** What the node functions of one run share. */
export interface TaskRunContext {
  workflow: TaskWorkflow;
  runId: string;
  /** Results so far, by node name (preloaded from the journal on resume). */
  results: Map<string, TaskResult>;
  /** The environment tasks inherit and `{{ env.X }}` reads. */
  env: NodeJS.ProcessEnv;
  /** The machine's cores, shared by tasks that declare `cpu_cores`. */
  cores: Semaphore;
  onOutput?: (node: string, stream: "stdout" | "stderr", line: string) => void;
  onResult?: (result: TaskResult) => void;
  /** Where `$WEFT_OUTPUT` files go; removed when the run ends. */
  scratch: string;
}

/** A new scratch folder for `$WEFT_OUTPUT` files. */
export function makeScratch(): string {
  return mkdtempSync(path.join(os.tmpdir(), "weft-tasks-"));
}

/** Removes a scratch folder. */
export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A result for a task that did not run. */
export function skippedResult(task: string, reason: string): TaskResult {
  return {
    task,
    status: "skipped",
    exit_code: null,
    failed: false,
    skipped: true,
    duration: 0,
    stdout: "",
    stderr: "",
    outputs: {},
    attempts: 0,
    reason,
  };
}

/** `WEFT_INPUT_<TASK>`: the task name upper-cased, other characters as `_`. */
export function inputVariable(task: string): string {
  return `WEFT_INPUT_${task.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** One node function per graph node. */
export function taskRegistry(rc: TaskRunContext): Record<string, RegistryFunction> {
  const registry: Record<string, RegistryFunction> = {};
  const parallel = new Map<string, Semaphore>();
  for (const [name, node] of rc.workflow.nodes) {
    if (node.kind === "join") {
      registry[name] = (args: never) => join(rc, node.task, node.instances, args);
      continue;
    }
    let limit: Semaphore | undefined;
    if (node.kind === "instance" && node.task.parallelism !== undefined) {
      limit = parallel.get(node.task.name) ?? new Semaphore(node.task.parallelism);
      parallel.set(node.task.name, limit);
    }
    const matrix = node.kind === "instance" ? node.matrix : undefined;
    registry[name] = (args: never, ctx: never) =>
      runTask(rc, name, node, matrix, limit, args as Record<string, unknown>, ctx as NodeContext);
  }
  return registry;
}

/** A dependency's result: passed by the scheduler when it completed, else from the run's table. */
function upstream(
  rc: TaskRunContext,
  args: Record<string, unknown> | undefined,
  dep: string,
): TaskResult {
  const v = args?.[dep] as TaskResult | undefined;
  return v ?? rc.results.get(dep) ?? skippedResult(dep, "did not run");
}

/** What templates of a task see: `env`, `pipeline`, `matrix` and every task finished so far. */
export function templateScope(
  rc: Pick<TaskRunContext, "workflow" | "runId" | "results" | "env">,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of rc.results) scope[k] = v;
  scope.env = { ...rc.env };
  scope.pipeline = { name: rc.workflow.name, version: rc.workflow.version, run_id: rc.runId };
  return Object.assign(scope, extra);
}

async function runTask(
  rc: TaskRunContext,
  name: string,
  node: TaskNode,
  matrix: Record<string, MatrixValue> | undefined,
  limit: Semaphore | undefined,
  args: Record<string, unknown> | undefined,
  ctx: NodeContext,
): Promise<TaskResult> {
  const task = node.task;
  const deps = new Map(task.dependsOn.map((d) => [d, upstream(rc, args, d)]));
  const scope = templateScope(rc, { ...Object.fromEntries(deps), ...(matrix ? { matrix } : {}) });
  const skip = gate(task, deps, scope);
  if (skip !== undefined)
    return settle(rc, { ...skippedResult(name, skip), ...(matrix ? { matrix } : {}) });

  const releaseSlot = limit ? await limit.acquire(1, ctx.signal) : undefined;
  const releaseCores = task.cpuCores
    ? await rc.cores.acquire(task.cpuCores, ctx.signal).catch((e: unknown) => {
        releaseSlot?.();
        throw e;
      })
    : undefined;
  try {
    const outputFile = path.join(rc.scratch, `${safeFile(name)}.${ctx.attempt}.json`);
    const env: NodeJS.ProcessEnv = { ...rc.env };
    env.WEFT_TASK = name;
    env.WEFT_RUN_ID = rc.runId;
    env.WEFT_OUTPUT = outputFile;
    env.WEFT_ATTEMPT = String(ctx.attempt);
    for (const [d, r] of deps) env[inputVariable(d)] = JSON.stringify(r.outputs ?? {});
    if (matrix)
      for (const [k, v] of Object.entries(matrix))
        env[`WEFT_MATRIX_${k.toUpperCase()}`] = String(v);
    for (const [k, t] of Object.entries(task.environment)) env[k] = render(t, scope);
    const cmd = resolveCommand({
      ...(task.script !== undefined
        ? { script: task.script }
        : { run: task.run ? render(task.run, scope) : "" }),
      cwd: rc.workflow.dir,
      env,
      ...(task.memoryMb !== undefined ? { memoryMb: task.memoryMb } : {}),
    });
    const outcome = await runProcess(cmd, {
      signal: ctx.signal,
      onLine: rc.onOutput && ((stream, line) => rc.onOutput?.(name, stream, line)),
    });
    let outputs: unknown = {};
    let reason: string | undefined;
    try {
      const text = readFileSync(outputFile, "utf8");
      if (text.trim() !== "") outputs = JSON.parse(text) as unknown;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT")
        reason = `$WEFT_OUTPUT is not valid JSON: ${(e as Error).message}`;
    }
    const failed = outcome.exitCode !== 0 || reason !== undefined;
    if (outcome.error) reason = outcome.error;
    else if (outcome.aborted) reason = abortReason(ctx.signal);
    else if (failed && reason === undefined) {
      reason = outcome.signal
        ? `killed by ${outcome.signal}`
        : `exited with code ${String(outcome.exitCode)}`;
    }
    const result: TaskResult = {
      task: name,
      status: failed ? "failed" : "completed",
      exit_code: outcome.exitCode,
      failed,
      skipped: false,
      duration: Math.round(outcome.durationMs),
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      outputs,
      attempts: ctx.attempt,
      ...(outcome.signal ? { signal: outcome.signal } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(matrix ? { matrix } : {}),
    };
    settle(rc, result);
    if (failed) throw new TaskFailedError(result);
    return result;
  } finally {
    releaseCores?.();
    releaseSlot?.();
  }
}

/** Why a task does not run, or undefined when it does. */
function gate(
  task: TaskSpec,
  deps: Map<string, TaskResult>,
  scope: Record<string, unknown>,
): string | undefined {
  if (task.condition) {
    if (!test(task.condition, scope)) return `condition ${task.condition.source} is false`;
  } else if (!task.runAlways) {
    for (const [d, r] of deps) {
      if (r.skipped) return `upstream '${d}' was skipped`;
      if (r.failed) return `upstream '${d}' failed`;
    }
  }
  if (task.skipIf && test(task.skipIf, scope)) return `skip_if ${task.skipIf.source} holds`;
  return undefined;
}

function join(rc: TaskRunContext, task: TaskSpec, instances: string[], args: never): TaskResult {
  const given = args as Record<string, unknown> | undefined;
  const results = instances.map((n) => upstream(rc, given, n));
  const failed = results.filter((r) => r.failed);
  const ran = results.filter((r) => !r.skipped);
  const firstBad = failed.find((r) => r.exit_code !== 0 && r.exit_code !== null) ?? failed[0];
  const result: TaskResult = {
    task: task.name,
    status: failed.length > 0 ? "failed" : ran.length === 0 ? "skipped" : "completed",
    exit_code: firstBad ? firstBad.exit_code : ran.length > 0 ? 0 : null,
    failed: failed.length > 0,
    skipped: ran.length === 0 && failed.length === 0,
    duration: Math.max(0, ...results.map((r) => r.duration)),
    stdout: "",
    stderr: "",
    outputs: results.map((r) => r.outputs),
    attempts: Math.max(0, ...results.map((r) => r.attempts)),
    instances: results,
    ...(failed.length > 0
      ? {
          reason: `${failed.length} of ${results.length} matrix instances failed (${failed.map((r) => r.task).join(", ")})`,
        }
      : ran.length === 0
        ? { reason: "every matrix instance was skipped" }
        : {}),
  };
  settle(rc, result);
  if (result.failed) throw new TaskFailedError(result);
  return result;
}

function settle(rc: TaskRunContext, result: TaskResult): TaskResult {
  rc.results.set(result.task, result);
  rc.onResult?.(result);
  return result;
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  const msg = r instanceof Error ? r.message : typeof r === "string" ? r : "aborted";
  return `stopped: ${msg} (process tree killed)`;
}

function safeFile(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_");
}
