/**
 * Stores behind the node `cache` policy: a result computed once is reused while its TTL lasts,
 * keyed by what the policy derives from the node's arguments.
 */

/** A value now, or later (asynchronous stores). */
type Awaitable<T> = T | Promise<T>;

/** A cached value and when it stops being valid. */
export interface CacheEntry {
  value: unknown;
  /** Expiry, ms since the epoch; `Infinity` when the entry never expires. */
  expires: number;
}

/**
 * Where cached node results live. A store should not return an entry past its `expires`; the
 * runtime checks `expires` again before using one, so a store that keeps stale entries around
 * is still correct.
 *
 * @example
 * ```ts
 * // A store over a plain Map (no eviction): the smallest possible implementation.
 * const shared = new Map<string, CacheEntry>();
 * const mapCache: CacheStore = {
 *   get: (key) => shared.get(key),
 *   set: (key, value, ttlMs = Infinity) => void shared.set(key, { value, expires: Date.now() + ttlMs }),
 *   delete: (key) => void shared.delete(key),
 * };
 * ```
 */
export interface CacheStore {
  get(key: string): Awaitable<CacheEntry | undefined>;
  /** Caches `value` for `ttlMs` ms; without `ttlMs` (or with `Infinity`) until evicted. */
  set(key: string, value: unknown, ttlMs?: number): Awaitable<void>;
  delete(key: string): Awaitable<void>;
  clear?(): Awaitable<void>;
}

/** Options of {@link lruCache}. */
export interface LruCacheOptions {
  /** Most entries kept; the least recently used one goes first. Default 1000. */
  max?: number;
  /** The clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The in-memory LRU cache: synchronous, with its current size. */
export interface LruCache extends CacheStore {
  get(key: string): CacheEntry | undefined;
  set(key: string, value: unknown, ttlMs?: number): void;
  delete(key: string): void;
  clear(): void;
  /** Entries held now (expired ones not yet looked at included). */
  readonly size: number;
}

/**
 * An in-memory least-recently-used cache, the default store of the node `cache` policy. Values
 * are held by reference (not copied): a cached result is the same object every run that hits it
 * receives, so nodes should not mutate their inputs.
 *
 * @example
 * ```ts
 * const cache = lruCache({ max: 2 });
 * cache.set("a", 1, 60_000);
 * cache.set("b", 2);
 * cache.get("a");     // { value: 1, expires: <now + 60 s> } ("a" is now the most recent)
 * cache.set("c", 3);  // evicts "b", the least recently used
 * cache.get("b");     // undefined
 * ```
 */
export function lruCache(options: LruCacheOptions = {}): LruCache {
  const max = options.max ?? 1000;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`lruCache: max must be a positive integer, got ${String(max)}`);
  }
  const now = options.now ?? Date.now;
  // Map iteration order is insertion order: the first key is the least recently used.
  const entries = new Map<string, CacheEntry>();

  return {
    get(key: string): CacheEntry | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.expires <= now()) return undefined;
      entries.set(key, entry);
      return { value: entry.value, expires: entry.expires };
    },

    set(key: string, value: unknown, ttlMs?: number): void {
      if (ttlMs !== undefined && (Number.isNaN(ttlMs) || ttlMs < 0)) {
        throw new RangeError(
          `cache entry '${key}': ttlMs must be a non-negative number of ms, got ${ttlMs}`,
        );
      }
      entries.delete(key);
      // A zero TTL caches nothing (and drops what was there).
      if (ttlMs === 0) return;
      const expires = ttlMs === undefined ? Infinity : now() + ttlMs;
      entries.set(key, { value, expires });
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },

    delete(key: string): void {
      entries.delete(key);
    },

    clear(): void {
      entries.clear();
    },

    get size(): number {
      return entries.size;
    },
  };
}
