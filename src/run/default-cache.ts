import { lruCache, type LruCache } from "./store/cache.js";

let shared: LruCache | undefined;

/** The process-wide default cache of nodes with `cache` set (an in-memory LRU). */
export function defaultCache(): LruCache {
  shared ??= lruCache({ max: 1000 });
  return shared;
}
