/**
 * `weft run FILE`: validates the input against the workflow's schema (from its types or the
 * compiled schema, before anything is loaded), then loads the workflow (see run-target.ts), runs
 * it with live progress and prints the run record as JSON.
 */
import { cliActor } from "./actor.js";
import path from "node:path";
import type { RunEvent } from "../../src/run/types.js";
import { runRecordToJson } from "../../src/serialize/run-record.js";
import { decodeUtf8 } from "../../src/serialize/utf8.js";
import { MAX_DOCUMENT_BYTES } from "../../src/serialize/read-document.js";
import { reviveDates } from "../schema/revive.js";
import type { JsonSchema } from "../schema/types.js";
import { validateJson } from "../schema/validate.js";
import type { Debuggable } from "./debug-command.js";
import { CliError, type CliIO } from "./output.js";
import { createProgress } from "./progress.js";
import { readFileBytes } from "./read-bytes.js";
import { openCheckpoint } from "./runs-command.js";
import { runTarget, type RunOutcome } from "./run-target.js";
import { isTaskFile } from "./task-file.js";

/** Options of `weft run`. */
export interface RunCommandOptions {
  workflow?: string;
  /** Module exporting the node functions of a graph file. */
  registry?: string;
  input?: string;
  inputFile?: string;
  mode?: string;
  concurrency?: string;
  trace?: string;
  checkpoint?: string;
  /** A run id; task files may give none (the latest unfinished run). */
  resume?: string | boolean;
  /** Id of the new run (default: a random UUID). */
  runId?: string;
  /** Force plain progress lines (default: live on a terminal). */
  progress?: boolean;
  /** Run on distributed workers through this Redis server, under this key prefix. */
  redis?: string;
  prefix?: string;
  /** Largest input accepted, in bytes (default {@link DEFAULT_MAX_INPUT_BYTES}). */
  maxInputBytes?: string;
  /** Who runs it, for the checkpoint's audit trail (default: `$WEFT_ACTOR`, else the OS user). */
  actor?: string;
  /** With `--resume`: resume even when a node's function now resolves to another version. */
  allowVersionChange?: boolean;
  /** Breakpoints (`NODE` or `NODE:CONDITION`): an interactive debug session. */
  break?: string[];
}

/** `weft run`'s input size limit unless `--max-input-bytes` says otherwise (that of documents). */
export const DEFAULT_MAX_INPUT_BYTES = MAX_DOCUMENT_BYTES;

const OK_STATUSES = new Set(["completed", "stopped", "terminal", "waiting"]);

/** Runs `weft run`; resolves to the exit code. */
export async function runCommand(
  file: string,
  options: RunCommandOptions,
  io: CliIO,
): Promise<number> {
  if (isTaskFile(file)) {
    const { taskRunCommand } = await import("./tasks-command.js");
    return taskRunCommand(file, options, io);
  }
  if (options.resume === true) throw new CliError("--resume needs the id of the run to finish");
  if (options.input !== undefined && options.inputFile !== undefined) {
    throw new CliError("give the input with --input or --input-file, not both");
  }
  if (options.resume !== undefined && options.checkpoint === undefined) {
    throw new CliError("--resume needs --checkpoint FILE (the store the run was journaled to)");
  }
  if (options.resume !== undefined && options.runId !== undefined) {
    throw new CliError("--resume names the run to finish; drop --run-id");
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

  // 1. The schema, from the types or the compiled schema, without running anything.
  const target = await runTarget(file, options);
  const name = target.name;
  const schema = target.schema;
  const errors =
    options.resume !== undefined || schema === undefined
      ? []
      : validateJson(raw === undefined ? null : raw, schema);
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.path}: ${e.message}`);
    throw new CliError(
      raw === undefined
        ? `workflow '${name}'${target.where} needs an input: pass --input '<json>' or --input-file FILE (type ${target.inputType ?? "unknown"})`
        : `invalid input for workflow '${name}'${target.where}; nothing was run:\n${lines.join("\n")}`,
    );
  }
  const input =
    raw === undefined || schema === undefined
      ? raw
      : raw === null && isNoInput(schema)
        ? undefined
        : reviveDates(raw, schema);

  // 2. Load the workflow's code.
  const workflow = await target.load({ threads: mode === "threads" });
  const isDag = workflow.graph.kind === "dag";
  if (!isDag && (options.trace || mode || concurrency !== undefined)) {
    throw new CliError("--mode, --concurrency and --trace apply to DAG workflows only");
  }

  const breaks = options.break ?? [];
  if (breaks.length > 0) {
    if (options.redis !== undefined || options.resume !== undefined || mode || concurrency) {
      throw new CliError(
        "--break debugs a new local run, one node at a time: drop --redis, --resume, --mode and --concurrency",
      );
    }
    if (typeof (workflow as { debug?: unknown }).debug !== "function") {
      throw new CliError(`workflow '${name}' cannot be debugged (DAGs and fsm() machines can)`);
    }
    const { debugCommand } = await import("./debug-command.js");
    const debugOptions: Record<string, unknown> = {};
    if (options.trace) debugOptions.trace = path.resolve(options.trace);
    if (options.runId !== undefined) debugOptions.runId = options.runId;
    return debugCommand(workflow as unknown as Debuggable, input, breaks, debugOptions, io);
  }

  if (options.redis !== undefined) {
    const { runDistributed } = await import("./distributed-run.js");
    return runDistributed(
      workflow,
      input,
      { redis: options.redis, prefix: options.prefix, runId: options.runId },
      io,
    );
  }

  // 3. Run with progress.
  const store = options.checkpoint ? openCheckpoint(options.checkpoint) : undefined;
  try {
    const restored =
      typeof options.resume === "string" && store
        ? restoredNodes(store, options.resume)
        : undefined;
    const progress = createProgress({
      total: isDag ? workflow.graph.nodes.length : undefined,
      workflow: name,
      stream: io.err,
      live: options.progress === false ? false : undefined,
      restored,
      resumeHint:
        options.checkpoint && options.resume === undefined
          ? `weft run ${file} --checkpoint ${options.checkpoint} --resume`
          : undefined,
    });
    const runOptions: Record<string, unknown> = {
      onEvent: (e: RunEvent) => progress.onEvent(e),
    };
    if (mode) runOptions.mode = mode;
    if (concurrency !== undefined) runOptions.concurrency = concurrency;
    if (options.trace) runOptions.trace = path.resolve(options.trace);
    if (options.runId !== undefined) runOptions.runId = options.runId;
    if (store) {
      runOptions.checkpoint = store;
      runOptions.actor = cliActor(options.actor);
      if (options.allowVersionChange) runOptions.allowVersionChange = true;
    }
    let result: RunOutcome;
    try {
      if (options.resume !== undefined) {
        if (typeof workflow.resume !== "function")
          throw new CliError(`workflow '${name}' cannot be resumed`);
        result = await workflow.resume(String(options.resume), runOptions);
      } else {
        result = await workflow.run(input, runOptions);
      }
    } finally {
      progress.stop();
    }
    io.out.write(runRecordToJson(result.toJSON()));
    return OK_STATUSES.has(result.status) ? 0 : 1;
  } finally {
    store?.close();
  }
}

/** Nodes of `runId` the checkpoint already holds as completed (the resume will not rerun them). */
function restoredNodes(store: ReturnType<typeof openCheckpoint>, runId: string): number {
  const run = store.loadRun(runId);
  if (!run) throw new CliError(`the checkpoint has no run '${runId}' (weft runs list shows them)`);
  return run.entries.filter((e) => e.status === "completed").length;
}

function readInput(options: RunCommandOptions): unknown {
  let text: string | undefined;
  let what = "--input";
  const max = maxInputBytes(options.maxInputBytes);
  if (options.inputFile !== undefined) {
    what = options.inputFile;
    try {
      // The size is checked before anything is read: an oversized file is never decoded.
      text = decodeUtf8(readFileBytes(options.inputFile, max));
    } catch (err) {
      const message = (err as Error).message;
      throw new CliError(
        `cannot read input file '${options.inputFile}': ${message}${/over the limit/.test(message) ? " (--max-input-bytes)" : ""}`,
      );
    }
  } else {
    text = options.input;
    const size = text === undefined ? 0 : Buffer.byteLength(text, "utf8");
    if (size > max) {
      throw new CliError(
        `--input is ${size} bytes, over the input limit of ${max} bytes (--max-input-bytes)`,
      );
    }
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function maxInputBytes(option: string | undefined): number {
  if (option === undefined) return DEFAULT_MAX_INPUT_BYTES;
  const n = Number(option);
  if (!Number.isInteger(n) || n < 0) {
    throw new CliError(`--max-input-bytes must be a whole number of bytes, got '${option}'`);
  }
  return n;
}

function isNoInput(schema: JsonSchema): boolean {
  return (
    schema.tsType === "undefined" || (schema.anyOf?.some((s) => s.tsType === "undefined") ?? false)
  );
}
