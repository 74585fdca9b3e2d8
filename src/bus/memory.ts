/** The in-memory event log, for tests and single-process programs. */
import type { BusBackend, RawEvent } from "./types.js";

type Letter = Parameters<BusBackend["deadLetter"]>[0];

/**
 * A log held in memory. Buses made on the same memory store share one log (through
 * {@link memoryLogFor}), as buses on one SQLite file do.
 */
export function memoryLog(): BusBackend {
  const events: RawEvent[] = [];
  const offsets = new Map<string, number>();
  const dead: Letter[] = [];
  const key = (group: string, type: string) => `${group}\u0000${type}`;
  return {
    append(type, payloads, at) {
      return payloads.map((payload) => {
        const offset = events.length + 1;
        events.push({ offset, type, payload, at });
        return offset;
      });
    },
    read(from, limit, types) {
      const out: RawEvent[] = [];
      for (let i = Math.max(0, from - 1); i < events.length && out.length < limit; i++) {
        if (!types || types.includes(events[i].type)) out.push(events[i]);
      }
      return out;
    },
    end: () => events.length + 1,
    offset: (group, type) => offsets.get(key(group, type)),
    commit(group, type, next) {
      offsets.set(key(group, type), next);
    },
    deadLetter(letter) {
      dead.push(letter);
    },
    deadLetters: (group) => dead.filter((d) => group === undefined || d.group === group),
    close() {},
  };
}

const logs = new WeakMap<object, BusBackend>();

/** The log shared by every bus made on `owner` (a memory checkpoint store). */
export function memoryLogFor(owner: object): BusBackend {
  let log = logs.get(owner);
  if (!log) logs.set(owner, (log = memoryLog()));
  return log;
}
