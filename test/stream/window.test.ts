import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { slidingWindow, tumblingWindow } from "../../src/index.js";

async function* from<T>(xs: T[]): AsyncGenerator<T> {
  yield* xs;
}

async function all<T>(xs: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of xs) out.push(x);
  return out;
}

describe("windows", () => {
  it("tumbling by count, with a shorter last window", async () => {
    expect(await all(tumblingWindow(from([1, 2, 3, 4, 5, 6, 7]), { count: 3 }))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7],
    ]);
  });

  it("sliding by count: full windows every `every` items", async () => {
    expect(await all(slidingWindow(from([1, 2, 3, 4, 5]), { count: 3, every: 1 }))).toEqual([
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 5],
    ]);
    expect(await all(slidingWindow(from([1, 2, 3, 4, 5, 6]), { count: 2, every: 3 }))).toEqual([
      [1, 2],
      [4, 5],
    ]);
  });

  it("tumbling by event time: aligned windows, empty ones left out", async () => {
    const ev = [0, 400, 999, 1000, 3500].map((at) => ({ at }));
    const ws = await all(tumblingWindow(from(ev), { ms: 1000, time: (e) => e.at }));
    expect(ws.map((w) => [w.start, w.end, w.items.map((e) => e.at)])).toEqual([
      [0, 1000, [0, 400, 999]],
      [1000, 2000, [1000]],
      [3000, 4000, [3500]],
    ]);
  });

  it("sliding by event time: every window that holds an item", async () => {
    const ws = await all(
      slidingWindow(from([0, 600, 1200]), { ms: 1000, every: 500, time: (t) => t }),
    );
    expect(ws.map((w) => [w.start, w.items])).toEqual([
      [-500, [0]],
      [0, [0, 600]],
      [500, [600, 1200]],
      [1000, [1200]],
    ]);
  });

  it("refuses bad sizes and times, naming the option", async () => {
    expect(() => tumblingWindow(from([1]), { count: 0 })).toThrow(
      "tumblingWindow: 'count' must be a finite number > 0, got 0",
    );
    await expect(
      all(tumblingWindow(from([{}]), { ms: 10, time: () => Number.NaN })),
    ).rejects.toThrow("window: an item's time must be a number, got NaN");
  });

  it("a time window holds exactly the items in its range (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.integer({ min: -5000, max: 5000 }), { maxLength: 40 })
          .map((a) => a.sort((x, y) => x - y)),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 100, max: 2000 }),
        async (times, ms, every) => {
          const ws = await all(slidingWindow(from(times), { ms, every, time: (t) => t }));
          for (const w of ws) {
            expect(w.items).toEqual(times.filter((t) => t >= w.start && t < w.end));
            expect(w.items.length).toBeGreaterThan(0);
            expect(w.start % every === 0 || Object.is(w.start % every, -0)).toBe(true);
          }
          // Every item is in each window that covers it.
          const starts = new Set(ws.map((w) => w.start));
          for (const t of times) {
            const first = (Math.floor((t - ms) / every) + 1) * every;
            for (let s = first; s <= t; s += every) expect(starts.has(s)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
