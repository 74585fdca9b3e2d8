/**
 * Entry module of the worker threads of `mode: "threads"` (what the pool loads in each worker).
 *
 * It is plain JavaScript because a worker thread starts without any TypeScript loader the main
 * thread may have (tsx, vitest). When the task runner or a workflow module is TypeScript, it
 * registers tsx in this worker first, as the `weft` command does for the main thread.
 */
import { workerData } from "node:worker_threads";

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** @type {Promise<void> | undefined} */
let loader;
/** @type {Promise<(task: { module: string }) => Promise<void>> | undefined} */
let runner;

/** @param {string} specifier */
function typescriptLoader(specifier) {
  if (!TYPESCRIPT.test(specifier.split(/[?#]/)[0])) return undefined;
  loader ??= import("tsx/esm/api").then(
    (tsx) => {
      tsx.register();
    },
    (error) => {
      throw new Error(
        `worker threads load TypeScript modules (${specifier}) with tsx, which could not be ` +
          `loaded: ${error instanceof Error ? error.message : String(error)}; install tsx or run ` +
          "the compiled JavaScript",
        { cause: error },
      );
    },
  );
  return loader;
}

/** @param {{ module: string }} task */
export default async function runTask(task) {
  const url = /** @type {{ runner: string }} */ (workerData).runner;
  await typescriptLoader(url);
  await typescriptLoader(task.module);
  runner ??= import(url).then((m) => m.runThreadTask);
  return (await runner)(task);
}
