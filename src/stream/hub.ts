/**
 * The runtime of a stream node: one producer (the node's async iterator) read by a fixed set of
 * consumers through one bounded ring buffer (a bounded tee). The producer pulls only while the
 * slowest live consumer is fewer than `buffer` items behind, so memory stays O(buffer) however
 * many items flow; every consumer gets every item, in order, until it stops reading.
 */

/**
 * A stream's producer failed, or the run stopped it; consumers see this from their iteration.
 *
 * @example
 * ```ts
 * try {
 *   for await (const line of lines) handle(line);
 * } catch (e) {
 *   if (e instanceof StreamError) console.error(`upstream ${e.node} failed`, e.cause);
 * }
 * ```
 */
export class StreamError extends Error {
  /** The stream node that failed. */
  readonly node: string;
  constructor(node: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`stream '${node}' failed: ${inner}`, { cause });
    this.name = "StreamError";
    this.node = node;
  }
}

/** How a {@link StreamHub} reports and bounds itself. */
export interface HubOptions {
  /** The stream node's name (in errors). */
  node: string;
  /** Most items held for the slowest consumer (at least 1). */
  buffer: number;
  /** Consumer identities (node indices): one cursor each. None: the stream is drained. */
  consumers: readonly number[];
  /** Aborting stops the producer and fails pending reads with the reason. */
  signal?: AbortSignal;
  /** Called with the item count at most every `reportMs` while items flow, and once at the end. */
  report?: (items: number, done: boolean) => void;
  reportMs?: number;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const DONE_PROMISE: Promise<IteratorReturnResult<undefined>> = Promise.resolve(DONE);

type Waiter<T> = {
  resolve: (r: IteratorResult<T, undefined>) => void;
  reject: (e: unknown) => void;
};

/**
 * A bounded multicast of one async iterator. `cursor(id)` gives consumer `id` its own
 * `AsyncIterableIterator`; `leave(id)` ends it (a consumer node that settled). When every
 * consumer has left, the producer's `return()` runs (so its `finally` blocks close files);
 * `done` then resolves with the producer's error, or `undefined`.
 *
 * @example
 * ```ts
 * const hub = new StreamHub(gen(), { node: "lines", buffer: 16, consumers: [1, 2] });
 * for await (const x of hub.cursor(1)) use(x);
 * ```
 */
export class StreamHub<T = unknown> {
  /** Items produced so far; item `k` sits at `ring[k % cap]` while a consumer still needs it. */
  private produced = 0;
  private readonly ring: (T | undefined)[];
  private readonly cap: number;
  private readonly ids: number[];
  private readonly pos: number[];
  private readonly live: boolean[];
  private readonly waiters: (Waiter<T> | undefined)[];
  private liveCount: number;
  private started = false;
  /** The producer will give no more items (finished, failed, or stopped and returned). */
  private ended = false;
  /** No more items are wanted: every consumer left, or the run stopped. */
  private stopped = false;
  private failure: { error: unknown } | undefined;
  private space: (() => void) | undefined;
  private settled = false;
  private resolveDone!: (error: unknown) => void;
  private lastReport = 0;
  private readonly onAbort: (() => void) | undefined;
  /** Resolves once the producer ended and every consumer left: its error, or `undefined`. */
  readonly done: Promise<unknown>;
  /** The most items ever held for the slowest consumer. */
  maxBuffered = 0;

  constructor(
    private readonly it: AsyncIterator<T>,
    private readonly opts: HubOptions,
  ) {
    this.cap = Math.max(1, Math.floor(opts.buffer));
    this.ring = new Array<T | undefined>(this.cap);
    this.ids = [...new Set(opts.consumers)];
    this.pos = this.ids.map(() => 0);
    this.live = this.ids.map(() => true);
    this.waiters = this.ids.map(() => undefined);
    this.liveCount = this.ids.length;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const signal = opts.signal;
    if (signal) {
      // Deferred: a consumer that failed aborts the run and leaves in the same turn; its
      // leaving, not the abort, then decides how the producer ends.
      this.onAbort = () => queueMicrotask(() => this.abort(signal.reason));
      if (signal.aborted) this.onAbort();
      else signal.addEventListener("abort", this.onAbort, { once: true });
    }
    // A stream nobody reads runs to its end (its items are dropped).
    if (this.ids.length === 0) this.start();
  }

  /** Items produced so far. */
  get items(): number {
    return this.produced;
  }

  /** Consumer `id`'s iterator over the items. */
  cursor(id: number): AsyncIterableIterator<T, undefined> {
    const k = this.ids.indexOf(id);
    if (k < 0) throw new Error(`stream '${this.opts.node}': node ${id} is not one of its readers`);
    return new Cursor(this, k);
  }

  /** Consumer `id` reads no more. */
  leave(id: number): void {
    const k = this.ids.indexOf(id);
    if (k >= 0) this.leaveSlot(k);
  }

  /** @internal */
  pull(k: number): Promise<IteratorResult<T, undefined>> {
    if (!this.live[k]) return DONE_PROMISE;
    const p = this.pos[k];
    if (p < this.produced) {
      const v = this.ring[p % this.cap] as T;
      this.pos[k] = p + 1;
      if (this.space !== undefined) this.wakeProducer();
      return Promise.resolve({ done: false, value: v });
    }
    if (this.failure) {
      this.leaveSlot(k);
      return Promise.reject(this.failureFor());
    }
    if (this.ended) {
      this.leaveSlot(k);
      return DONE_PROMISE;
    }
    if (!this.started) this.start();
    return new Promise((resolve, reject) => (this.waiters[k] = { resolve, reject }));
  }

  /** @internal */
  leaveSlot(k: number): void {
    if (!this.live[k]) return;
    this.live[k] = false;
    this.liveCount--;
    const w = this.waiters[k];
    if (w) {
      this.waiters[k] = undefined;
      w.resolve(DONE);
    }
    if (this.liveCount === 0 && !this.ended) this.stop();
    else if (this.space !== undefined) this.wakeProducer();
    this.settle();
  }

  private failureFor(): unknown {
    const e = this.failure?.error;
    return e instanceof StreamError && e.node === this.opts.node
      ? e
      : new StreamError(this.opts.node, e);
  }

  /** How many items the slowest live consumer has yet to read. */
  private buffered(): number {
    let low = this.produced;
    for (let k = 0; k < this.pos.length; k++)
      if (this.live[k] && this.pos[k] < low) low = this.pos[k];
    return this.produced - low;
  }

  private wakeProducer(): void {
    const space = this.space;
    if (space !== undefined && (this.stopped || this.buffered() < this.cap)) {
      this.space = undefined;
      space();
    }
  }

  private start(): void {
    this.started = true;
    void this.pump();
  }

  private stop(): void {
    this.stopped = true;
    if (!this.started) {
      // Never pulled: the iterator still gets its `return()` (a hand-written one may hold a
      // resource from its creation); a generator that never started just completes.
      this.started = true;
      void this.closeIterator().then(() => this.end());
      return;
    }
    this.wakeProducer();
  }

  private abort(reason: unknown): void {
    // Every reader had already left (one that failed aborts the run): the producer was stopped
    // by that, not by the abort.
    if (this.settled || this.ended || (this.liveCount === 0 && this.ids.length > 0)) return;
    this.failure ??= { error: reason ?? new Error("run cancelled") };
    for (let k = 0; k < this.waiters.length; k++) {
      const w = this.waiters[k];
      if (w) {
        this.waiters[k] = undefined;
        w.reject(this.failureFor());
      }
    }
    this.stop();
  }

  private async closeIterator(): Promise<void> {
    try {
      await this.it.return?.();
    } catch (e) {
      this.failure ??= { error: e };
    }
  }

  private async pump(): Promise<void> {
    const it = this.it;
    let finished = false;
    try {
      for (;;) {
        if (this.stopped) break;
        if (this.buffered() >= this.cap) {
          await new Promise<void>((resolve) => (this.space = resolve));
          continue;
        }
        const r = await it.next();
        if (r.done) {
          finished = true;
          break;
        }
        // Consumers that left while the producer worked: the item has no reader.
        if (this.stopped) break;
        this.push(r.value);
      }
    } catch (e) {
      finished = true;
      this.failure ??= { error: e };
    }
    if (!finished) await this.closeIterator();
    this.end();
  }

  private push(v: T): void {
    const at = this.produced;
    this.ring[at % this.cap] = v;
    this.produced = at + 1;
    const { waiters, pos } = this;
    for (let k = 0; k < waiters.length; k++) {
      const w = waiters[k];
      if (w !== undefined && pos[k] === at) {
        waiters[k] = undefined;
        pos[k] = at + 1;
        w.resolve({ done: false, value: v });
      }
    }
    const held = this.buffered();
    if (held > this.maxBuffered) this.maxBuffered = held;
    const report = this.opts.report;
    if (report) {
      const t = performance.now();
      if (t - this.lastReport >= (this.opts.reportMs ?? 100)) {
        this.lastReport = t;
        report(this.produced, false);
      }
    }
  }

  /** The producer gives no more items: waiting consumers learn it, and the hub may settle. */
  private end(): void {
    this.ended = true;
    for (let k = 0; k < this.waiters.length; k++) {
      const w = this.waiters[k];
      if (!w) continue;
      this.waiters[k] = undefined;
      if (this.failure) {
        w.reject(this.failureFor());
        this.leaveSlot(k);
      } else {
        w.resolve(DONE);
        this.leaveSlot(k);
      }
    }
    this.settle();
  }

  private settle(): void {
    if (this.settled || !this.ended || this.liveCount > 0) return;
    this.settled = true;
    if (this.onAbort) this.opts.signal?.removeEventListener("abort", this.onAbort);
    // Drop what is left for the collector.
    this.ring.fill(undefined);
    this.opts.report?.(this.produced, true);
    this.resolveDone(this.failure?.error);
  }
}

class Cursor<T> implements AsyncIterableIterator<T, undefined> {
  constructor(
    private readonly hub: StreamHub<T>,
    private readonly k: number,
  ) {}
  next(): Promise<IteratorResult<T, undefined>> {
    return this.hub.pull(this.k);
  }
  return(): Promise<IteratorResult<T, undefined>> {
    this.hub.leaveSlot(this.k);
    return DONE_PROMISE;
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined> {
    return this;
  }
}

/**
 * The async iterator of what a stream node's function returned; a clear error when it is not
 * an async iterable.
 */
export function streamIterator(node: string, value: unknown): AsyncIterator<unknown> {
  const factory =
    typeof value === "object" && value !== null
      ? (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator]
      : undefined;
  if (typeof factory !== "function") {
    throw new TypeError(
      `stream '${node}' must return an async iterable (write its function as 'async function*'); got ${value === null ? "null" : typeof value}`,
    );
  }
  return (factory as () => AsyncIterator<unknown>).call(value);
}
