/**
 * The event log of one run: every event as JSON with a sequence number (the SSE id), and the
 * listeners following it live. A client that reconnects with `Last-Event-ID: n` gets the events
 * after `n`, then the live ones.
 */
import type { RunEvent } from "../run/types.js";

/** A run event as the server sends it: errors become their messages, and each has an id. */
export type LoggedEvent = { id: number; type: RunEvent["type"] } & Record<string, unknown>;

/** Most events one run's log keeps; progress events past it are dropped (counted in `dropped`). */
export const MAX_EVENTS_PER_RUN = 10_000;

/** Turns a runtime event into JSON-safe data (an `Error` becomes its message). */
export function eventData(event: RunEvent, id: number): LoggedEvent {
  const out: LoggedEvent = { id, type: event.type };
  for (const [k, v] of Object.entries(event)) {
    out[k] = v instanceof Error ? v.message : v;
  }
  out.id = id;
  return out;
}

export class EventLog {
  readonly events: LoggedEvent[];
  private readonly listeners = new Set<(e: LoggedEvent | undefined) => void>();
  private ended: boolean;
  dropped = 0;

  constructor(events: LoggedEvent[] = [], ended = false) {
    this.events = events;
    this.ended = ended;
  }

  get done(): boolean {
    return this.ended;
  }

  append(event: RunEvent): LoggedEvent | undefined {
    if (this.ended) return undefined;
    if (
      this.events.length >= MAX_EVENTS_PER_RUN &&
      (event.type === "progress" || event.type === "node-items")
    ) {
      this.dropped++;
      return undefined;
    }
    const logged = eventData(event, this.events.length + this.dropped + 1);
    this.events.push(logged);
    for (const l of this.listeners) l(logged);
    return logged;
  }

  /** Marks the log complete: listeners get `undefined` and are dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.listeners) l(undefined);
    this.listeners.clear();
  }

  /** Events with an id above `after`. */
  since(after: number): LoggedEvent[] {
    return this.events.filter((e) => e.id > after);
  }

  /** Follows new events; `undefined` means the log ended. Returns the unsubscribe function. */
  follow(listener: (e: LoggedEvent | undefined) => void): () => void {
    if (this.ended) {
      listener(undefined);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
