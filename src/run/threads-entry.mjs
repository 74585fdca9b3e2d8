/**
 * Entry of the worker threads of `mode: "threads"` when weft runs from its TypeScript sources
 * (the compiled package loads `threads-worker.js` directly). It is JavaScript because a worker
 * thread starts without the TypeScript loader the main thread may have (tsx, vitest): it registers
 * tsx, then loads the task runner.
 */
import { workerData } from "node:worker_threads";

/** Shared with `threads-loader.ts`, so tsx is registered once per worker. */
const KEY = "__weftTypeScriptLoader";

/** @type {Record<string, Promise<void> | undefined>} */ (globalThis)[KEY] ??=
  import("tsx/esm/api").then((tsx) => {
    tsx.register();
  });

/** @type {Promise<(task: unknown) => Promise<unknown>>} */
const runner = /** @type {Record<string, Promise<void>>} */ (globalThis)[KEY].then(
  () => import(/** @type {{ runner: string }} */ (workerData).runner),
).then(
  (m) => m.default,
  (error) => {
    // A plain Error: the pool's cloning keeps its message (not so for Node's internal errors).
    throw new Error(
      `worker thread could not load weft's task runner: ${error instanceof Error ? error.message : String(error)}`,
    );
  },
);
runner.catch(() => undefined); // reported by each task

/** @param {unknown} task */
export default async function runTask(task) {
  return (await runner)(task);
}
