/**
 * The event bus's data and the interface every log backend keeps (memory, SQLite, Redis
 * Streams): an append-only log with increasing integer offsets, a durable next-offset per
 * subscriber group and type, and a dead-letter topic.
 */

type Awaitable<T> = T | Promise<T>;

/** The event types of a bus: type name to payload type. */
export type EventMap = object;

/** One event of the log. Offsets increase in publication order, from 1. */
export interface BusEvent<
  Events extends EventMap,
  T extends keyof Events & string = keyof Events & string,
> {
  offset: number;
  type: T;
  payload: Events[T];
  /** When it was published, ms since the epoch. */
  at: number;
}

/** Any event among types `T` (a union of `BusEvent`s, narrowed by `type`). */
export type AnyEvent<
  Events extends EventMap,
  T extends keyof Events & string = keyof Events & string,
> = {
  [K in T]: BusEvent<Events, K>;
}[T];

/** An event a subscriber group gave up on, with the last error. */
export interface DeadLetter<Events extends EventMap = EventMap> {
  group: string;
  event: AnyEvent<Events>;
  error: string;
  attempts: number;
  /** When it was dead-lettered, ms since the epoch. */
  at: number;
}

/** An event as a backend stores it (payload already encoded by the bus). */
export interface RawEvent {
  offset: number;
  type: string;
  payload: Uint8Array;
  at: number;
}

/** An event log. Every method may answer directly or with a promise. */
export interface BusBackend {
  /** Appends events of one type in one write; returns their offsets. */
  append(type: string, payloads: Uint8Array[], at: number): Awaitable<number[]>;
  /** Up to `limit` events with offset ≥ `from`, of the given types (all when absent), in order. */
  read(from: number, limit: number, types?: readonly string[]): Awaitable<RawEvent[]>;
  /** The offset the next event will get. */
  end(): Awaitable<number>;
  /** A group's committed next offset for a type, if it has one. */
  offset(group: string, type: string): Awaitable<number | undefined>;
  commit(group: string, type: string, next: number): Awaitable<void>;
  /** Appends to the dead-letter topic. */
  deadLetter(letter: {
    group: string;
    event: RawEvent;
    error: string;
    attempts: number;
    at: number;
  }): Awaitable<void>;
  deadLetters(
    group?: string,
  ): Awaitable<{ group: string; event: RawEvent; error: string; attempts: number; at: number }[]>;
  close(): Awaitable<void>;
}

/** Where a group without a committed offset starts. */
export type StartAt = "beginning" | "latest" | number;

/** Options of `bus.subscribe`. */
export interface SubscribeOptions {
  /**
   * The subscriber group: its offset is committed to the log's store, so a restarted consumer
   * of the group resumes where the group stopped. Without a group the offset lives in memory.
   */
  group?: string;
  /** Where a group with no committed offset starts (default `"latest"`). */
  from?: StartAt;
  /** Tries per event before it moves to the dead-letter topic (default 3; `deliver`: 6). */
  attempts?: number;
  /** Wait before the second try, doubling for each next one, ms (default 0). */
  retryDelayMs?: number;
  /** Events read (and committed) at a time (default 100). */
  batch?: number;
  /** Called when an event is dead-lettered. */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/** A running subscription. */
export interface Subscription {
  /** Stops after the event in progress; resolves when stopped (progress committed). */
  stop(): Promise<void>;
  /** Resolves once the subscription has handled every event published so far. */
  idle(): Promise<void>;
  /** The next offset this subscription will read. */
  readonly position: number;
}
