/**
 * weftjs/distributed: runs DAG workflows and state machines across worker processes on BullMQ and Redis, and a Redis
 * checkpoint store for local runs. Kept apart from "weftjs" so BullMQ and ioredis load only here.
 *
 * @example
 * ```ts
 * import { redisEngine } from "weftjs/distributed";
 * const engine = redisEngine({ connection: "redis://127.0.0.1:6379" });
 * const worker = engine.worker([etl]);
 * const run = await (await engine.start(etl, { path: "a.csv" })).result();
 * ```
 */
export {
  redisEngine,
  type DistributedFsmRunOptions,
  type DistributedRunOptions,
  type DistributedRunStatus,
  type RedisEngine,
  type FsmRunHandle,
  type RedisEngineOptions,
  type RunHandle,
} from "./engine.js";
export type { BuiltWorkflow, EngineWorker, EngineWorkerOptions, WorkflowSource } from "./worker.js";
export type { RedisConnection } from "./connection.js";
export { redisStore, type RedisStore, type RedisStoreOptions } from "./redis-store.js";
