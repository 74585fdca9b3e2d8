import type { CacheStoreLike } from "./options.js";

/** A small in-memory LRU with TTLs: the default cache store of nodes with `cache` set. */
export class MemoryLru implements CacheStoreLike {
  private readonly map = new Map<string, { value: unknown; expires: number }>();
  constructor(private readonly max = 1000) {}

  get(key: string): { value: unknown } | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expires <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    // Re-insert so iteration order tracks recency.
    this.map.delete(key);
    this.map.set(key, hit);
    return { value: hit.value };
  }

  set(key: string, value: unknown, ttlMs: number | undefined): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  clear(): void {
    this.map.clear();
  }
}

let shared: MemoryLru | undefined;

/** The process-wide default cache. */
export function defaultCache(): MemoryLru {
  shared ??= new MemoryLru();
  return shared;
}
