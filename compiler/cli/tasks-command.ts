/**
 * The CLI for task workflow files (`tasks:` YAML): `weft run` (with --dry-run, --resume,
 * --status, --cancel), `weft validate`, `weft viz` and `weft compile`. Loaded lazily by those
 * commands when they are given a task file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pc from "picocolors";
import type { Graph } from "../../src/graph/types.js";
import { sqliteStore } from "../../src/run/store/sqlite.js";
import type { CheckpointStore, StoredRun } from "../../src/run/store/types.js";
import { processAlive, readControl, requestCancel } from "../../src/tasks/control.js";
import { cliActor } from "./actor.js";
import { describeTaskPlan, formatTaskPlan } from "../../src/tasks/describe.js";
import { readTaskWorkflow } from "../../src/tasks/parse.js";
import { runTaskWorkflow, type TaskRunResult } from "../../src/tasks/run.js";
import type { TaskWorkflow } from "../../src/tasks/types.js";
import { diagnostic, formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import { emitWorkflow, OUTPUT_SUFFIXES, type OutputKind } from "../emit.js";
import { writeIfChanged } from "../write.js";
import { CliError, type CliIO } from "./output.js";
import { withPeer } from "./peers.js";

/** Options of `weft run FILE.yaml`. */
export interface TaskRunCommandOptions {
  dryRun?: boolean;
  parallelism?: string;
  /** Whole-run time limit in seconds. */
  timeout?: string;
  output?: string;
  checkpoint?: string;
  /** `true` (the latest unfinished run) or a run id. */
  resume?: string | boolean;
  status?: boolean;
  cancel?: boolean;
  /** Who cancels (`--actor`), for the audit trail. */
  actor?: string;
  runId?: string;
  /** `false`: plain prefixed lines even on a terminal. */
  progress?: boolean;
}

function display(file: string): string {
  return path.relative(process.cwd(), path.resolve(file)).split(path.sep).join("/") || file;
}

/** Reads and checks a task file: the workflow, or diagnostics with line and column. */
export function loadTaskFile(file: string): { workflow?: TaskWorkflow; diagnostics: Diagnostic[] } {
  const shown = display(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return {
      diagnostics: [diagnostic("WEFT040", `cannot read '${file}': ${(err as Error).message}`)],
    };
  }
  const { workflow, issues } = readTaskWorkflow(text, { file: shown });
  const diagnostics = issues.map((i) =>
    diagnostic("WEFT050", i.path ? `${i.path}: ${i.message}` : i.message, {
      file: shown,
      line: i.line ?? 1,
      column: i.column ?? 1,
    }),
  );
  return { ...(workflow ? { workflow } : {}), diagnostics };
}

function mustLoad(file: string): TaskWorkflow {
  const { workflow, diagnostics } = loadTaskFile(file);
  if (!workflow) throw new CliError(diagnostics.map(formatDiagnostic).join("\n"));
  return workflow;
}

/** `weft validate` of a task file: its diagnostics and a summary line when it is valid. */
export function validateTaskFile(file: string): { diagnostics: Diagnostic[]; summary?: string } {
  const { workflow, diagnostics } = loadTaskFile(file);
  if (!workflow) return { diagnostics };
  const matrix = workflow.tasks.filter((t) => t.matrix).length;
  return {
    diagnostics,
    summary: `${display(file)}: task workflow '${workflow.name}' (${workflow.tasks.length} tasks, ${workflow.graph.nodes.length} nodes${matrix ? `, ${matrix} with a matrix` : ""})`,
  };
}

/** The graph of a task file, for `weft viz`. */
export function taskFileGraph(file: string): Graph {
  return mustLoad(file).graph;
}

/** `weft compile` of task files: graph JSON/YAML, plan, Mermaid, DOT and SVG per workflow. */
export async function compileTaskFiles(
  files: string[],
  out: string,
  check: boolean,
  io: CliIO,
): Promise<number> {
  // Loaded here, not at the top: compile.js brings the compiler (ts-morph) with it.
  const { fileBase } = await import("../compile.js");
  let stale = 0;
  let written = 0;
  const problems: Diagnostic[] = [];
  for (const file of files) {
    const { workflow, diagnostics } = loadTaskFile(file);
    problems.push(...diagnostics);
    if (!workflow) continue;
    const emitted = await emitWorkflow(workflow.graph, {});
    delete emitted.inputSchema;
    for (const [kind, text] of Object.entries(emitted) as [OutputKind, string][]) {
      const target = path.join(out, fileBase(workflow.name) + OUTPUT_SUFFIXES[kind]);
      if (check) {
        const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
        if (current !== text) {
          stale++;
          io.out.write(`  stale: ${target}\n`);
        }
      } else if (writeIfChanged(target, text)) written++;
    }
    if (!check) io.out.write(`compiled task workflow '${workflow.name}' from ${display(file)}\n`);
  }
  for (const d of problems) io.out.write(`${formatDiagnostic(d)}\n`);
  if (problems.some((d) => d.severity === "error")) return 1;
  if (check) {
    io.out.write(
      stale
        ? `${pc.red("stale")}: ${stale} task workflow files\n`
        : `${pc.green("up to date")}: task workflows\n`,
    );
    return stale ? 1 : 0;
  }
  io.out.write(`${written} task workflow files written to ${out}\n`);
  return 0;
}

function positive(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new CliError(
      `${flag} must be a positive ${integer ? "integer" : "number"}, got '${value}'`,
    );
  }
  return n;
}

/** Runs `weft run` on a task file; resolves to the exit code (0 ok, 1 failed, 130 cancelled). */
export async function taskRunCommand(
  file: string,
  options: TaskRunCommandOptions,
  io: CliIO,
): Promise<number> {
  const wf = mustLoad(file);
  const parallelism = positive(options.parallelism, "--parallelism", true);
  const timeoutS = positive(options.timeout, "--timeout", false);
  const modes = [
    options.dryRun,
    options.status,
    options.cancel,
    options.resume !== undefined && options.resume !== false,
  ].filter(Boolean).length;
  if (modes > 1) throw new CliError("give one of --dry-run, --status, --cancel and --resume");
  if (options.dryRun) {
    io.out.write(formatTaskPlan(describeTaskPlan(wf)));
    return 0;
  }
  const needsStore =
    options.status || options.cancel || (options.resume !== undefined && options.resume !== false);
  if (needsStore && !options.checkpoint) {
    throw new CliError(
      "--status, --cancel and --resume need --checkpoint FILE (the store the run was journaled to)",
    );
  }
  const store = options.checkpoint ? sqliteStore(path.resolve(options.checkpoint)) : undefined;
  try {
    if (options.status) return await status(store as CheckpointStore, wf, options.runId, io);
    if (options.cancel)
      return await cancel(store as CheckpointStore, wf, options.runId, io, options.actor);
    let resume: string | undefined;
    if (options.resume !== undefined && options.resume !== false) {
      resume =
        typeof options.resume === "string"
          ? options.resume
          : await latestUnfinished(store as CheckpointStore, wf);
    }
    return await run(wf, { parallelism, timeoutS, resume, store, options }, io);
  } finally {
    store?.close();
  }
}

async function findRun(
  store: CheckpointStore,
  wf: TaskWorkflow,
  runId: string | undefined,
): Promise<StoredRun> {
  if (runId !== undefined) {
    const r = await store.loadRun(runId);
    if (!r) throw new CliError(`no run '${runId}' in the checkpoint store`);
    return r;
  }
  const runs = (await store.listRuns?.({ workflow: wf.name })) ?? [];
  const last = runs[runs.length - 1];
  if (!last) throw new CliError(`no run of '${wf.name}' in the checkpoint store`);
  return (await store.loadRun(last.runId)) as StoredRun;
}

async function latestUnfinished(store: CheckpointStore, wf: TaskWorkflow): Promise<string> {
  const runs = (await store.listRuns?.({ workflow: wf.name })) ?? [];
  const last = runs[runs.length - 1];
  if (!last)
    throw new CliError(`nothing to resume: no run of '${wf.name}' in the checkpoint store`);
  if (last.status === "completed") {
    throw new CliError(
      `nothing to resume: the latest run of '${wf.name}' (${last.runId}) completed`,
    );
  }
  return last.runId;
}

async function status(
  store: CheckpointStore,
  wf: TaskWorkflow,
  runId: string | undefined,
  io: CliIO,
): Promise<number> {
  const r = await findRun(store, wf, runId);
  const control = await readControl(store, r.runId);
  const alive = control ? processAlive(control.pid) : false;
  const state =
    r.status === "running"
      ? alive
        ? `running (process ${control?.pid})`
        : `interrupted (process ${control?.pid ?? "?"} is gone; resume with --resume)`
      : String(r.status);
  io.out.write(`run ${r.runId} of '${r.workflow}': ${state}\n`);
  const entries = new Map(r.entries.map((e) => [e.node, e]));
  const width = Math.max(...wf.graph.nodes.map((n) => n.name.length));
  for (const n of wf.graph.nodes) {
    const e = entries.get(n.name);
    const value = e?.value as
      { status?: string; reason?: string; exit_code?: number | null } | undefined;
    const st = e ? (value?.status ?? e.status) : "pending";
    const detail =
      e?.error ?? value?.reason ?? (e?.ms !== undefined ? `${Math.round(e.ms)} ms` : "");
    io.out.write(`  ${n.name.padEnd(width)}  ${st.padEnd(9)} ${detail}\n`);
  }
  return 0;
}

async function cancel(
  store: CheckpointStore,
  wf: TaskWorkflow,
  runId: string | undefined,
  io: CliIO,
  actor: string | undefined,
): Promise<number> {
  const r = await findRun(store, wf, runId);
  const outcome = await requestCancel(store, r.runId, { actor: cliActor(actor) });
  switch (outcome.kind) {
    case "already-finished":
      io.out.write(`run ${r.runId} already finished: ${outcome.status}\n`);
      return 1;
    case "marked-cancelled":
      io.out.write(`run ${r.runId} marked cancelled (${outcome.reason})\n`);
      return 0;
    case "unknown-run":
      throw new CliError(`no run '${r.runId}' in the checkpoint store`);
    case "requested": {
      io.out.write(
        `cancel requested of run ${r.runId} (process ${outcome.pid}); waiting for it to stop\n`,
      );
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 100));
        const now = await store.loadRun(r.runId);
        if (now && now.status !== "running") {
          io.out.write(`run ${r.runId}: ${now.status}\n`);
          return 0;
        }
        if (!processAlive(outcome.pid)) break;
      }
      const now = await store.loadRun(r.runId);
      if (now?.status === "running") await store.finishRun(r.runId, "cancelled");
      io.out.write(
        `run ${r.runId}: ${now?.status === "running" ? "cancelled" : String(now?.status)}\n`,
      );
      return 0;
    }
  }
}

async function run(
  wf: TaskWorkflow,
  args: {
    parallelism: number | undefined;
    timeoutS: number | undefined;
    resume: string | undefined;
    store: CheckpointStore | undefined;
    options: TaskRunCommandOptions;
  },
  io: CliIO,
): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130); // the exit hook kills the process groups
    io.err.write(`\n${sig}: stopping; killing running tasks\n`);
    controller.abort(new Error(`interrupted (${sig})`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // listr2 draws the live task list; it is an optional peer, loaded only to run a task file.
  const { createTaskProgress } = await withPeer(
    "listr2",
    "weft run of a task workflow",
    () => import("./tasks-progress.js"),
  );
  const progress = createTaskProgress(wf, {
    stream: io.err,
    live: args.options.progress === false ? false : undefined,
  });
  let result: TaskRunResult;
  try {
    result = await runTaskWorkflow(wf, {
      signal: controller.signal,
      ...(args.parallelism !== undefined ? { parallelism: args.parallelism } : {}),
      ...(args.timeoutS !== undefined ? { timeoutMs: args.timeoutS * 1000 } : {}),
      ...(args.store ? { checkpoint: args.store, actor: cliActor(args.options.actor) } : {}),
      ...(args.resume !== undefined ? { resume: args.resume } : {}),
      ...(args.options.runId !== undefined && args.resume === undefined
        ? { runId: args.options.runId }
        : {}),
      onEvent: (e) => progress.onEvent(e),
      onOutput: (node, stream, line) => progress.onOutput(node, stream, line),
      onResult: (r) => progress.onResult(r),
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  await progress.stop(result);
  for (const n of result.notifications) {
    if (n.error) io.err.write(`notification ${n.event} to ${n.url || "(empty url)"}: ${n.error}\n`);
  }
  const summary = {
    runId: result.runId,
    workflow: result.workflow,
    status: result.status,
    failed_tasks: result.failedTasks,
    duration_ms: result.durationMs,
    tasks: result.tasks,
    notifications: result.notifications,
  };
  const json = `${JSON.stringify(summary, null, 2)}\n`;
  if (args.options.output) writeFileSync(args.options.output, json);
  else io.out.write(json);
  return result.status === "succeeded" ? 0 : result.status === "cancelled" ? 130 : 1;
}
