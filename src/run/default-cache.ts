import { lruCache, type LruCache } from "./store/cache.js";

/**
 * The default store of nodes with `cache` set: an in-memory LRU of one built workflow. It is not
 * shared with other builds, even of the same code: the default key hashes a node function's
 * source, not what the function closes over, so two builds with different closures (a tenant's
 * secret) must not serve each other's entries. Sharing takes an explicit `store` (and a `key`
 * that covers what the closure holds).
 */
export function workflowCache(): LruCache {
  return lruCache({ max: 1000 });
}
