/**
 * `weft run FILE`: validates the input against the workflow's schema (computed from its types,
 * before anything is loaded), then imports the module, runs the workflow with live progress and
 * prints the run record as JSON.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Graph } from "../../src/graph/types.js";
import type { RunEvent, RunRecord } from "../../src/run/types.js";
import { runRecordToJson } from "../../src/serialize/index.js";
import { reviveDates } from "../schema/revive.js";
import type { JsonSchema } from "../schema/types.js";
import { validateJson } from "../schema/validate.js";
import { CliError, type CliIO } from "./output.js";
import { pickWorkflow } from "./pick.js";
import { createProgress } from "./progress.js";

/** Options of `weft run`. */
export interface RunCommandOptions {
  workflow?: string;
  input?: string;
  inputFile?: string;
  mode?: string;
  concurrency?: string;
  trace?: string;
  checkpoint?: string;
  resume?: string;
  /** Force plain progress lines (default: live on a terminal). */
  progress?: boolean;
}

/** What a loaded module's workflow export offers (a DAG or a function-return machine). */
interface Runnable {
  graph: Graph;
  run(
    input: unknown,
    options: Record<string, unknown>,
  ): Promise<{ toJSON(): RunRecord; status: string }>;
  resume?(
    runId: string,
    options: Record<string, unknown>,
  ): Promise<{ toJSON(): RunRecord; status: string }>;
}

const OK_STATUSES = new Set(["completed", "stopped", "terminal", "waiting"]);

/** Runs `weft run`; resolves to the exit code. */
export async function runCommand(
  file: string,
  options: RunCommandOptions,
  io: CliIO,
): Promise<number> {
  if (options.input !== undefined && options.inputFile !== undefined) {
    throw new CliError("give the input with --input or --input-file, not both");
  }
  if (options.resume !== undefined && options.checkpoint === undefined) {
    throw new CliError("--resume needs --checkpoint FILE (the store the run was journaled to)");
  }
  const mode = options.mode;
  if (mode !== undefined && mode !== "sequential" && mode !== "parallel" && mode !== "threads") {
    throw new CliError(`--mode must be 'sequential', 'parallel' or 'threads', got '${mode}'`);
  }
  let concurrency: number | undefined;
  if (options.concurrency !== undefined) {
    concurrency = Number(options.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new CliError(`--concurrency must be a positive integer, got '${options.concurrency}'`);
    }
  }
  if (
    options.resume !== undefined &&
    (options.input !== undefined || options.inputFile !== undefined)
  ) {
    throw new CliError(
      "--resume continues with the input stored in the checkpoint; drop --input/--input-file",
    );
  }
  const raw = readInput(options);

  // 1. The schema, from the types, without running anything.
  const { workflow } = pickWorkflow(file, options.workflow);
  const name = workflow.graph.name;
  const schema = workflow.inputSchema;
  const errors =
    options.resume !== undefined ? [] : validateJson(raw === undefined ? null : raw, schema);
  if (errors.length > 0) {
    const where = workflow.graph.source
      ? ` (${workflow.graph.source.file}:${workflow.graph.source.line})`
      : "";
    const noInput = raw === undefined;
    const lines = errors.map((e) => `  ${e.path}: ${e.message}`);
    throw new CliError(
      noInput
        ? `workflow '${name}'${where} needs an input: pass --input '<json>' or --input-file FILE (type ${workflow.graph.input?.type ?? "unknown"})`
        : `invalid input for workflow '${name}'${where}; nothing was run:\n${lines.join("\n")}`,
    );
  }
  const input =
    raw === undefined || (raw === null && isNoInput(schema)) ? undefined : reviveDates(raw, schema);

  // 2. Load the module and find the export.
  const url = pathToFileURL(path.resolve(file)).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const target = mod[workflow.exportName] as Runnable | undefined;
  if (
    !target ||
    typeof target !== "object" ||
    typeof (target as { run?: unknown }).run !== "function"
  ) {
    throw new CliError(
      `export '${workflow.exportName}' of ${file} is not a runnable workflow` +
        (workflow.graph.kind === "fsm" && workflow.graph.fsm?.style === "event"
          ? " (event-driven machines are driven with start()/send() from code)"
          : ""),
    );
  }
  const isDag = workflow.graph.kind === "dag";
  if (!isDag && (options.trace || mode || concurrency !== undefined)) {
    throw new CliError("--mode, --concurrency and --trace apply to DAG workflows only");
  }

  // 3. Run with progress.
  const progress = createProgress({
    total: isDag ? target.graph.nodes.length : undefined,
    workflow: name,
    stream: io.err,
    live: options.progress === false ? false : undefined,
  });
  const runOptions: Record<string, unknown> = { onEvent: (e: RunEvent) => progress.onEvent(e) };
  if (mode) runOptions.mode = mode;
  if (concurrency !== undefined) runOptions.concurrency = concurrency;
  if (options.trace) runOptions.trace = path.resolve(options.trace);
  let store: { close?: () => void } | undefined;
  if (options.checkpoint) {
    const { sqliteStore } = await import("../../src/run/store/index.js");
    store = sqliteStore(path.resolve(options.checkpoint));
    runOptions.checkpoint = store;
  }
  let result: { toJSON(): RunRecord; status: string };
  try {
    if (options.resume !== undefined) {
      if (typeof target.resume !== "function")
        throw new CliError(`workflow '${name}' cannot be resumed`);
      result = await target.resume(options.resume, runOptions);
    } else {
      result = await target.run(input, runOptions);
    }
  } finally {
    progress.stop();
    store?.close?.();
  }
  io.out.write(runRecordToJson(result.toJSON()));
  return OK_STATUSES.has(result.status) ? 0 : 1;
}

function readInput(options: RunCommandOptions): unknown {
  let text: string | undefined;
  let what = "--input";
  if (options.inputFile !== undefined) {
    what = options.inputFile;
    try {
      text = readFileSync(options.inputFile, "utf8");
    } catch (err) {
      throw new CliError(
        `cannot read input file '${options.inputFile}': ${(err as Error).message}`,
      );
    }
  } else text = options.input;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function isNoInput(schema: JsonSchema): boolean {
  return (
    schema.tsType === "undefined" || (schema.anyOf?.some((s) => s.tsType === "undefined") ?? false)
  );
}
