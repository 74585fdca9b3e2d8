import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { lruCache, type CacheStore } from "../../src/run/store/index.js";

/** A clock the test moves by hand. */
function manualClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("lruCache", () => {
  it("returns what was set, with its expiry", () => {
    const clock = manualClock();
    const cache = lruCache({ now: clock.now });
    const value = { rows: [1, 2] };
    cache.set("k", value, 500);
    cache.set("forever", "v");
    expect(cache.get("k")).toEqual({ value, expires: 1_500 });
    expect(cache.get("k")!.value).toBe(value);
    expect(cache.get("forever")).toEqual({ value: "v", expires: Infinity });
    expect(cache.get("missing")).toBeUndefined();
  });

  it("expires entries at their TTL", () => {
    const clock = manualClock();
    const cache = lruCache({ now: clock.now });
    cache.set("k", 1, 100);
    clock.advance(99);
    expect(cache.get("k")?.value).toBe(1);
    clock.advance(1);
    expect(cache.get("k")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("evicts the least recently used entry", () => {
    const cache = lruCache({ max: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")?.value).toBe(1);
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.value).toBe(1);
    expect(cache.get("c")?.value).toBe(3);
    expect(cache.size).toBe(2);
  });

  it("replaces, deletes and clears", () => {
    const cache = lruCache();
    cache.set("a", 1);
    cache.set("a", 2);
    expect(cache.get("a")?.value).toBe(2);
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    cache.set("b", 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("caches nothing for a zero TTL and refuses bad TTLs and sizes", () => {
    const cache = lruCache();
    cache.set("a", 1);
    cache.set("a", 2, 0);
    expect(cache.get("a")).toBeUndefined();
    expect(() => cache.set("k", 1, -5)).toThrow(
      new RangeError("cache entry 'k': ttlMs must be a non-negative number of ms, got -5"),
    );
    expect(() => cache.set("k", 1, NaN)).toThrow(RangeError);
    expect(() => lruCache({ max: 0 })).toThrow("lruCache: max must be a positive integer, got 0");
    expect(() => lruCache({ max: 1.5 })).toThrow(RangeError);
  });

  it("is usable through the CacheStore interface", async () => {
    const store: CacheStore = lruCache();
    await store.set("k", "v", 1_000);
    expect((await store.get("k"))?.value).toBe("v");
    await store.delete("k");
    expect(await store.get("k")).toBeUndefined();
  });

  it("behaves like a model LRU for random operations (property)", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("set" as const),
        key: fc.constantFrom("a", "b", "c", "d", "e"),
        value: fc.integer(),
      }),
      fc.record({
        kind: fc.constant("get" as const),
        key: fc.constantFrom("a", "b", "c", "d", "e"),
      }),
      fc.record({
        kind: fc.constant("delete" as const),
        key: fc.constantFrom("a", "b", "c", "d", "e"),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 40 }), (max, ops) => {
        const cache = lruCache({ max });
        // Model: keys from least to most recently used.
        let model: [string, number][] = [];
        for (const o of ops) {
          if (o.kind === "set") {
            cache.set(o.key, o.value);
            model = model.filter(([k]) => k !== o.key);
            model.push([o.key, o.value]);
            if (model.length > max) model.shift();
          } else if (o.kind === "get") {
            const hit = model.find(([k]) => k === o.key);
            expect(cache.get(o.key)?.value).toBe(hit?.[1]);
            if (hit) model = [...model.filter(([k]) => k !== o.key), hit];
          } else {
            cache.delete(o.key);
            model = model.filter(([k]) => k !== o.key);
          }
          expect(cache.size).toBe(model.length);
        }
      }),
      { numRuns: 200 },
    );
  });
});
