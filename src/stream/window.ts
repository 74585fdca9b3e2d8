/**
 * Windowing helpers for stream nodes: async-iterable transforms that group items into tumbling
 * or sliding windows, by count or by time. They hold one window's items at a time.
 */

/** A window of items by time: items with `start ≤ time < end`. */
export interface TimeWindow<T> {
  start: number;
  end: number;
  items: T[];
}

/** Window size by count of items. */
export interface CountSize {
  count: number;
}

/**
 * Window size by time, in ms. `time` gives an item's timestamp (event time; items should come in
 * time order, a late item joins the current window); without it, arrival time (`Date.now()`).
 * A window closes when an item at or past its end arrives, or when the source ends.
 */
export interface TimeSize<T> {
  ms: number;
  time?: (item: T) => number;
}

function positive(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${what} must be a finite number > 0, got ${String(v)}`);
  }
  return v;
}

/**
 * Non-overlapping windows: every `count` items (the last window may be shorter), or every `ms`
 * of time (windows aligned to multiples of `ms`; empty ones are not emitted).
 *
 * @example
 * ```ts
 * for await (const batch of tumblingWindow(events, { count: 100 })) save(batch);
 * for await (const w of tumblingWindow(events, { ms: 1000, time: (e) => e.at })) console.log(w.start, w.items.length);
 * ```
 */
export function tumblingWindow<T>(source: AsyncIterable<T>, size: CountSize): AsyncGenerator<T[]>;
export function tumblingWindow<T>(
  source: AsyncIterable<T>,
  size: TimeSize<T>,
): AsyncGenerator<TimeWindow<T>>;
export function tumblingWindow<T>(
  source: AsyncIterable<T>,
  size: CountSize | TimeSize<T>,
): AsyncGenerator<T[] | TimeWindow<T>> {
  if ("count" in size) {
    const n = positive("tumblingWindow: 'count'", size.count);
    return countWindows(source, n, n, true);
  }
  const ms = positive("tumblingWindow: 'ms'", size.ms);
  return timeWindows(source, ms, ms, size.time);
}

/**
 * Overlapping windows: the last `count` items every `every` items (only full windows), or the
 * last `ms` of time every `every` ms (windows start at multiples of `every`).
 *
 * @example
 * ```ts
 * // moving average of the last 10 readings, at every reading
 * for await (const w of slidingWindow(readings, { count: 10, every: 1 })) avg(w);
 * ```
 */
export function slidingWindow<T>(
  source: AsyncIterable<T>,
  size: CountSize & { every: number },
): AsyncGenerator<T[]>;
export function slidingWindow<T>(
  source: AsyncIterable<T>,
  size: TimeSize<T> & { every: number },
): AsyncGenerator<TimeWindow<T>>;
export function slidingWindow<T>(
  source: AsyncIterable<T>,
  size: (CountSize | TimeSize<T>) & { every: number },
): AsyncGenerator<T[] | TimeWindow<T>> {
  const every = positive("slidingWindow: 'every'", size.every);
  if ("count" in size) {
    return countWindows(source, positive("slidingWindow: 'count'", size.count), every, false);
  }
  return timeWindows(source, positive("slidingWindow: 'ms'", size.ms), every, size.time);
}

async function* countWindows<T>(
  source: AsyncIterable<T>,
  count: number,
  every: number,
  partial: boolean,
): AsyncGenerator<T[]> {
  let win: T[] = [];
  let seen = 0;
  for await (const item of source) {
    win.push(item);
    if (win.length > count) win.shift();
    seen++;
    if (seen >= count && (seen - count) % every === 0) {
      yield win.slice();
      // Tumbling: nothing overlaps the next window.
      if (every >= count) win = [];
    }
  }
  if (partial && seen % count !== 0 && win.length > 0) yield win;
}

async function* timeWindows<T>(
  source: AsyncIterable<T>,
  ms: number,
  every: number,
  time: ((item: T) => number) | undefined,
): AsyncGenerator<TimeWindow<T>> {
  const held: { t: number; item: T }[] = [];
  let start: number | undefined;
  const closed = function* (until: number): Generator<TimeWindow<T>> {
    // Emits every window that ends at or before `until`, then drops items no window holds.
    while (start !== undefined && start + ms <= until && held.length > 0) {
      const s = start;
      const items = held.filter((h) => h.t >= s && h.t < s + ms).map((h) => h.item);
      if (items.length > 0) yield { start: s, end: s + ms, items };
      start += every;
      while (held.length > 0 && held[0].t < start) held.shift();
      // Skip empty stretches at once.
      if (held.length > 0 && held[0].t >= start + ms) {
        start = firstStart(held[0].t, ms, every);
      }
    }
  };
  for await (const item of source) {
    const t = time ? time(item) : Date.now();
    if (typeof t !== "number" || Number.isNaN(t)) {
      throw new TypeError(`window: an item's time must be a number, got ${String(t)}`);
    }
    if (start === undefined) start = firstStart(t, ms, every);
    yield* closed(t);
    if (held.length === 0 && start + ms <= t) start = firstStart(t, ms, every);
    held.push({ t, item });
  }
  yield* closed(Number.POSITIVE_INFINITY);
}

/** The earliest window start (a multiple of `every`) whose window holds time `t`. */
function firstStart(t: number, ms: number, every: number): number {
  return (Math.floor((t - ms) / every) + 1) * every;
}
