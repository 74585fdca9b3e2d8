/**
 * Node built-ins that cost milliseconds to load (crypto, v8, worker_threads), loaded on first use
 * rather than when weftjs is imported: `import { dag } from "weftjs"` stays fast, and a run that
 * never hashes, caches or uses threads never loads them.
 */
import { createRequire } from "node:module";

type Crypto = typeof import("node:crypto");
type V8 = typeof import("node:v8");
type WorkerThreads = typeof import("node:worker_threads");

const load = createRequire(import.meta.url);
let crypto: Crypto | undefined;
let v8: V8 | undefined;
let workerThreads: WorkerThreads | undefined;

/** `node:crypto`, loaded on first call. */
export const nodeCrypto = (): Crypto => (crypto ??= load("node:crypto") as Crypto);
/** `node:v8`, loaded on first call. */
export const nodeV8 = (): V8 => (v8 ??= load("node:v8") as V8);
/** `node:worker_threads`, loaded on first call. */
export const nodeWorkerThreads = (): WorkerThreads =>
  (workerThreads ??= load("node:worker_threads") as WorkerThreads);

/** A random v4 UUID (a run id). */
export const randomUUID = (): string => nodeCrypto().randomUUID();
