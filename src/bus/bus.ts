/**
 * `eventBus`: typed publish and subscribe over an append-only log, with replay, durable group
 * offsets, at-least-once delivery, a dead-letter topic, and the two bridges to workflows:
 * `trigger` (a run per event) and `deliver` (a signal per event).
 */
import { decodeValue, encodeValue } from "../run/codec.js";
import type { CheckpointStore } from "../run/store/types.js";
import type { Dag } from "../dag/dag-types.js";
import type { SignalName, SignalPayload } from "../dag/wait.js";
import { memoryLogFor } from "./memory.js";
import { sqliteLog } from "./sqlite.js";
import type {
  AnyEvent,
  BusBackend,
  BusEvent,
  DeadLetter,
  EventMap,
  RawEvent,
  SubscribeOptions,
  Subscription,
} from "./types.js";

/** Options of {@link eventBus}: where the log lives. */
export interface EventBusOptions {
  /**
   * A checkpoint store whose place the log shares: a `sqliteStore(path)` puts the log's tables
   * in the same file; a `memoryStore()` keeps it in memory. The store also holds the runs that
   * `trigger` starts and `deliver` signals, unless they name another.
   */
  store?: CheckpointStore;
  /** A log backend of its own (`sqliteLog(path)`, `redisLog(...)`); wins over `store`'s. */
  backend?: BusBackend;
  /** How often idle subscribers look for events published by other processes, ms (default 50). */
  pollMs?: number;
}

/** A workflow `trigger` can start. */
interface Startable<I> {
  readonly name: string;
  run(
    input: I,
    options: { runId?: string; checkpoint?: CheckpointStore },
  ): Promise<{ status: string; errors: Error[] }>;
}

/** The untyped face of a workflow `deliver` signals. */
interface SignalTarget {
  readonly name: string;
  signal(
    runId: string,
    name: string,
    payload: unknown,
    options: { checkpoint: CheckpointStore; idempotencyKey?: string },
  ): Promise<{ status: string }>;
}

/**
 * What `deliver`'s mapping returns for a workflow of output map `R`: which run, which of its
 * waits, and that wait's payload.
 */
export type SignalFor<R> = {
  [N in SignalName<R>]: {
    runId: string;
    signal: N;
    payload: SignalPayload<R, N>;
    /** Default: the event's type and offset, so a redelivered event signals once. */
    idempotencyKey?: string;
  };
}[SignalName<R>];

/** The typed bus. */
export interface EventBus<Events extends EventMap> {
  /** Appends an event; resolves to its offset. */
  publish<T extends keyof Events & string>(type: T, payload: Events[T]): Promise<number>;
  /** Appends several events of one type in one write; resolves to their offsets. */
  publishMany<T extends keyof Events & string>(type: T, payloads: Events[T][]): Promise<number[]>;
  /**
   * Calls `handler` for each event of `type`, in offset order, one at a time. A handler that
   * throws is called again, up to `attempts` times; then the event moves to the dead-letter
   * topic and the next one comes. A group's offset is committed after each batch, so a consumer
   * that dies mid-batch gets the uncommitted events again (at least once).
   */
  subscribe<T extends keyof Events & string>(
    type: T,
    handler: (payload: Events[T], event: BusEvent<Events, T>) => unknown,
    options?: SubscribeOptions,
  ): Subscription;
  /** The stored events from offset `from` (default: the first), of `types` (default: all). */
  replay<T extends keyof Events & string = keyof Events & string>(options?: {
    from?: number;
    types?: readonly T[];
  }): AsyncIterable<AnyEvent<Events, T>>;
  /** Events dead-lettered (by `group`, or by every group), oldest first. */
  deadLetters(group?: string): Promise<DeadLetter<Events>[]>;
  /** Starts a run of `workflow` per event of `type` (group `trigger:<workflow>` by default). */
  trigger<T extends keyof Events & string, I>(
    type: T,
    workflow: Startable<I>,
    toInput: (payload: Events[T], event: BusEvent<Events, T>) => I,
    options?: SubscribeOptions & {
      checkpoint?: CheckpointStore;
      runId?: (event: BusEvent<Events, T>) => string;
    },
  ): Subscription;
  /** Signals a waiting run of `workflow` per event of `type` (group `deliver:<workflow>` by default). */
  deliver<T extends keyof Events & string, I, R, O>(
    type: T,
    workflow: Dag<I, R, O>,
    toSignal: (payload: Events[T], event: BusEvent<Events, T>) => SignalFor<R>,
    options?: SubscribeOptions & { checkpoint?: CheckpointStore },
  ): Subscription;
  /** Stops every subscription (committing progress) and closes the log. */
  close(): Promise<void>;
}

/**
 * Opens a typed event bus on a log.
 *
 * @example
 * ```ts
 * type Events = { "order.created": { id: string; total: number }; "order.paid": { id: string } };
 * const bus = eventBus<Events>({ store: sqliteStore("events.db") });
 * await bus.publish("order.created", { id: "o1", total: 30 });
 * bus.subscribe("order.created", (order) => bill(order), { group: "billing", from: "beginning" });
 * for await (const e of bus.replay({ from: 0, types: ["order.paid"] })) console.log(e.offset, e.payload.id);
 * ```
 */
export function eventBus<Events extends EventMap>(options: EventBusOptions): EventBus<Events> {
  return new Bus<Events>(options) as EventBus<Events>;
}

function backendOf(options: EventBusOptions): BusBackend {
  if (options.backend) return options.backend;
  const store = options.store as (CheckpointStore & { path?: unknown }) | undefined;
  if (!store)
    throw new TypeError("eventBus needs a 'store' (sqliteStore, memoryStore) or a 'backend'");
  return typeof store.path === "string" ? sqliteLog(store.path) : memoryLogFor(store);
}

function what(e: RawEvent): string {
  return `event ${e.offset} ('${e.type}')`;
}

class Bus<Events extends EventMap> {
  private readonly log: BusBackend;
  private readonly pollMs: number;
  private readonly subs = new Set<Sub<Events>>();
  constructor(private readonly options: EventBusOptions) {
    this.log = backendOf(options);
    this.pollMs = options.pollMs ?? 50;
  }

  async publish(type: string, payload: unknown): Promise<number> {
    return (await this.publishMany(type, [payload]))[0];
  }

  async publishMany(type: string, payloads: unknown[]): Promise<number[]> {
    const encoded = payloads.map((p) => encodeValue(p, `a '${type}' event`));
    const offsets = await this.log.append(type, encoded, Date.now());
    for (const s of this.subs) s.wake();
    return offsets;
  }

  subscribe(
    type: string,
    handler: (payload: unknown, event: BusEvent<Events>) => unknown,
    options: SubscribeOptions = {},
  ): Subscription {
    const sub = new Sub<Events>(this.log, type, handler, options, this.pollMs, () =>
      this.subs.delete(sub),
    );
    this.subs.add(sub);
    return sub;
  }

  async *replay(
    options: { from?: number; types?: readonly string[] } = {},
  ): AsyncIterable<BusEvent<Events>> {
    let from = options.from ?? 0;
    for (;;) {
      const batch = await this.log.read(from, 500, options.types);
      if (batch.length === 0) return;
      for (const e of batch) yield decode<Events>(e);
      from = batch[batch.length - 1].offset + 1;
    }
  }

  async deadLetters(group?: string): Promise<DeadLetter<Events>[]> {
    return (await this.log.deadLetters(group)).map((d) => ({
      ...d,
      event: decode<Events>(d.event) as AnyEvent<Events>,
    }));
  }

  trigger(
    type: string,
    workflow: Startable<unknown>,
    toInput: (payload: unknown, event: BusEvent<Events>) => unknown,
    options: SubscribeOptions & {
      checkpoint?: CheckpointStore;
      runId?: (e: BusEvent<Events>) => string;
    } = {},
  ): Subscription {
    const checkpoint = options.checkpoint ?? this.options.store;
    return this.subscribe(
      type,
      async (payload, event) => {
        // One run id per event: a redelivered event reopens its run instead of starting another.
        const runId = options.runId?.(event) ?? `${workflow.name}:${type}:${event.offset}`;
        const r = await workflow.run(toInput(payload, event), { runId, checkpoint });
        if (r.status === "failed" || r.status === "cancelled") {
          throw new Error(
            `run '${runId}' of '${workflow.name}' ${r.status}: ${r.errors[0]?.message ?? ""}`,
          );
        }
      },
      { ...options, group: options.group ?? `trigger:${workflow.name}` },
    );
  }

  deliver(
    type: string,
    workflow: SignalTarget,
    toSignal: (
      payload: unknown,
      event: BusEvent<Events>,
    ) => { runId: string; signal: string; payload: unknown; idempotencyKey?: string },
    options: SubscribeOptions & { checkpoint?: CheckpointStore } = {},
  ): Subscription {
    const checkpoint = options.checkpoint ?? this.options.store;
    if (!checkpoint)
      throw new TypeError(`deliver '${type}' to '${workflow.name}': needs a 'checkpoint' store`);
    return this.subscribe(
      type,
      async (payload, event) => {
        const s = toSignal(payload, event);
        await workflow.signal(s.runId, s.signal, s.payload, {
          checkpoint,
          idempotencyKey: s.idempotencyKey ?? `${type}:${event.offset}`,
        });
      },
      // A signal can come before its run parks (another subscriber starts it): retry a while.
      {
        attempts: 6,
        retryDelayMs: 50,
        ...options,
        group: options.group ?? `deliver:${workflow.name}`,
      },
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.subs].map((s) => s.stop()));
    await this.log.close();
  }
}

function decode<Events extends EventMap>(e: RawEvent): BusEvent<Events> {
  return {
    offset: e.offset,
    type: e.type,
    payload: decodeValue(e.payload, what(e)) as never,
    at: e.at,
  } as unknown as BusEvent<Events>;
}

/** One subscription's delivery loop. */
class Sub<Events extends EventMap> implements Subscription {
  position = 0;
  private stopped = false;
  private readonly done: Promise<void>;
  private wakeUp: (() => void) | undefined;
  private idlers: (() => void)[] = [];
  private readonly latest: number | Promise<number>;

  constructor(
    private readonly log: BusBackend,
    private readonly type: string,
    private readonly handler: (payload: unknown, event: BusEvent<Events>) => unknown,
    private readonly options: SubscribeOptions,
    private readonly pollMs: number,
    private readonly onEnd: () => void,
  ) {
    // "latest" means the end of the log now, when subscribing, not when the loop first reads.
    const from = options.from ?? "latest";
    this.latest = from === "latest" ? log.end() : 0;
    this.done = this.loop().finally(onEnd);
    // An unexpected failure of the log surfaces on stop().
    this.done.catch(() => {});
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.done;
  }

  idle(): Promise<void> {
    if (this.stopped) return this.done;
    return new Promise((resolve) => {
      this.idlers.push(resolve);
      this.wakeUp?.();
    });
  }

  private async start(): Promise<number> {
    const { group, from = "latest" } = this.options;
    const committed = group === undefined ? undefined : await this.log.offset(group, this.type);
    if (committed !== undefined) return committed;
    if (from === "beginning") return 0;
    if (from === "latest") return await this.latest;
    return from;
  }

  private async loop(): Promise<void> {
    const { group, attempts = 3, batch = 100 } = this.options;
    this.position = await this.start();
    while (!this.stopped) {
      const events = await this.log.read(this.position, batch, [this.type]);
      if (events.length === 0) {
        // Caught up: everything published before now has been handled.
        for (const r of this.idlers.splice(0)) r();
        await this.sleep();
        continue;
      }
      let next = this.position;
      for (const raw of events) {
        if (this.stopped) break;
        await this.handle(raw, attempts);
        next = raw.offset + 1;
      }
      this.position = next;
      if (group !== undefined) await this.log.commit(group, this.type, next);
    }
  }

  private async handle(raw: RawEvent, attempts: number): Promise<void> {
    const event = decode<Events>(raw);
    let error: unknown;
    const delay = this.options.retryDelayMs ?? 0;
    for (let k = 1; k <= attempts; k++) {
      if (k > 1 && delay > 0) await new Promise((r) => setTimeout(r, delay * 2 ** (k - 2)));
      try {
        // A synchronous handler costs no promise.
        const r = this.handler(event.payload, event);
        if (r instanceof Promise) await r;
        return;
      } catch (e) {
        error = e;
      }
    }
    const letter = {
      group: this.options.group ?? "",
      event: raw,
      error: error instanceof Error ? error.message : String(error),
      attempts,
      at: Date.now(),
    };
    await this.log.deadLetter(letter);
    this.options.onDeadLetter?.({ ...letter, event: event as AnyEvent<EventMap> });
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
