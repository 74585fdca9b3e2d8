/** The event bus (`weftjs/bus`): a typed, replayable event log that starts and signals workflows. */
export { eventBus, type EventBus, type EventBusOptions, type SignalFor } from "./bus.js";
export { memoryLog } from "./memory.js";
export { sqliteLog } from "./sqlite.js";
export { redisLog, type RedisLike, type RedisLogOptions } from "./redis.js";
export type {
  AnyEvent,
  BusBackend,
  BusEvent,
  DeadLetter,
  EventMap,
  RawEvent,
  StartAt,
  SubscribeOptions,
  Subscription,
} from "./types.js";
