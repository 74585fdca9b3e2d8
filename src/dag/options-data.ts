import type { NodeOptionsData } from "../graph/types.js";
import type { NodeOptions } from "../run/options.js";

/**
 * The data part of node options, for the graph IR: functions and stores are left out and their
 * presence is recorded under `has`, so the IR stays plain JSON and equal to what the compiler
 * extracts from source.
 */
export function optionsData(o: NodeOptions<never, unknown>): NodeOptionsData | undefined {
  const d: NodeOptionsData = {};
  const has: Record<string, true> = {};
  if (o.retry) {
    const { retryOn, ...rest } = o.retry;
    d.retry = rest;
    if (retryOn) has.retryOn = true;
  }
  if (o.timeoutMs !== undefined) d.timeoutMs = o.timeoutMs;
  if (o.runIf !== undefined) d.runIf = o.runIf;
  if (o.concurrency !== undefined) d.concurrency = o.concurrency;
  if (o.buffer !== undefined) d.buffer = o.buffer;
  if (o.cache !== undefined) {
    if (o.cache === true) d.cache = {};
    else {
      d.cache = o.cache.ttlMs !== undefined ? { ttlMs: o.cache.ttlMs } : {};
      if (o.cache.key) has.cacheKey = true;
      if (o.cache.store) has.cacheStore = true;
    }
  }
  if (o.fallback !== undefined) {
    if (isJsonable(o.fallback)) d.fallback = o.fallback;
    else has.fallback = true;
  }
  if (o.circuitBreaker) d.circuitBreaker = { ...o.circuitBreaker };
  if (o.cost !== undefined) d.cost = o.cost;
  if (o.thread !== undefined) d.thread = o.thread;
  if (o.hooks) has.hooks = true;
  if (o.compensate) has.compensate = true;
  if (Object.keys(has).length > 0) d.has = has;
  return Object.keys(d).length > 0 ? d : undefined;
}

function isJsonable(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonable);
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    return (proto === Object.prototype || proto === null) && Object.values(v).every(isJsonable);
  }
  return false;
}
