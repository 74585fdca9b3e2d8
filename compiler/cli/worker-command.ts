/**
 * `weft worker FILE... --redis URL`: a distributed worker process. Imports the files, takes every
 * exported DAG workflow and function-return state machine, and runs their jobs until SIGTERM or SIGINT, then stops taking jobs and
 * lets the in-flight ones finish.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import type { BuiltWorkflow } from "../../src/distributed/worker.js";
import { CliError, type CliIO } from "./output.js";

/** Options of `weft worker`. */
export interface WorkerCommandOptions {
  redis?: string;
  concurrency?: string;
  prefix?: string;
}

/** Adds `weft worker` to the program; `done` receives the exit code. */
export function registerWorkerCommand(
  program: Command,
  io: CliIO,
  done: (code: number) => void,
): void {
  program
    .command("worker")
    .description("run the jobs of distributed runs (weft run --redis) for the workflows in FILEs")
    .argument("<files...>", "TypeScript modules exporting workflows")
    .option("--redis <url>", "Redis server", "redis://127.0.0.1:6379")
    .option("--concurrency <n>", "jobs run at once", "8")
    .option("--prefix <prefix>", "key prefix shared with the runs' starters", "weft")
    .action(async (files: string[], opts: WorkerCommandOptions) => {
      done(await workerCommand(files, opts, io));
    });
}

/** Loads the workflows exported by `files` (DAGs and function-return state machines). */
export async function loadWorkflows(files: string[]): Promise<BuiltWorkflow[]> {
  const found: BuiltWorkflow[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (isRunnable(value) && !found.includes(value)) found.push(value);
    }
  }
  return found;
}

/** A DAG or a function-return machine (event-driven machines, kind "machine", are driven by events). */
function isRunnable(v: unknown): v is BuiltWorkflow {
  const kind = (v as { kind?: unknown } | null)?.kind;
  return (
    typeof v === "object" &&
    v !== null &&
    (kind === "dag" || kind === "fsm") &&
    typeof (v as { run?: unknown }).run === "function"
  );
}

/** Runs a worker until a stop signal; resolves to the exit code. */
export async function workerCommand(
  files: string[],
  options: WorkerCommandOptions,
  io: CliIO,
  stop: Promise<unknown> = stopSignal(),
): Promise<number> {
  const concurrency = Number(options.concurrency ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new CliError(`--concurrency must be a positive integer, got '${options.concurrency}'`);
  }
  const workflows = await loadWorkflows(files);
  if (workflows.length === 0) {
    throw new CliError(`${files.join(", ")}: no exported DAG workflow or state machine to run`);
  }
  const { redisEngine } = await import("../../src/distributed/index.js");
  const url = options.redis ?? "redis://127.0.0.1:6379";
  const engine = redisEngine({ connection: url, prefix: options.prefix ?? "weft" });
  const worker = engine.worker(workflows, {
    concurrency,
    onRefuse: (m) => io.err.write(`${m}\n`),
  });
  const names = workflows.map((w) => w.name).join(", ");
  io.err.write(`weft worker: ${names} on ${url} (concurrency ${concurrency})\n`);
  await stop;
  io.err.write("weft worker: stopping; in-flight jobs finish first\n");
  await worker.close();
  await engine.close();
  return 0;
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
}
