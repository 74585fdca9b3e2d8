/**
 * Checks a machine snapshot read back from storage before an instance is made from it, so a
 * tampered or truncated snapshot is refused whole instead of breaking later `send` calls.
 */

/** What the check needs to know about the machine. */
export interface SnapshotFacts {
  name: string;
  states: ReadonlySet<string>;
  terminal: ReadonlySet<string>;
  events: ReadonlySet<string>;
}

/** A snapshot's fields, once checked. */
export interface CheckedSnapshot {
  state: string;
  context: unknown;
  history: { event: string; from: string; to: string; at: number; payload?: unknown }[];
}

const FIELDS = new Set(["version", "machine", "state", "context", "done", "history"]);
const ENTRY_FIELDS = new Set(["event", "from", "to", "at", "payload"]);

/**
 * Checks every field of `snapshot` against the machine and returns copies of the state, context
 * and history; throws a `TypeError` naming the first bad field. The context is checked as far
 * as it can be: it must be plain data (structured-cloneable).
 */
export function checkSnapshot(m: SnapshotFacts, snapshot: unknown): CheckedSnapshot {
  const fail = (field: string, message: string): never => {
    throw new TypeError(`machine '${m.name}': cannot restore the snapshot: ${field} ${message}`);
  };
  if (!isObject(snapshot)) return fail("the snapshot", `is ${kind(snapshot)}, not an object`);
  const s = snapshot;
  for (const key of Object.keys(s)) {
    if (!FIELDS.has(key)) fail(`field '${key}'`, "is not a snapshot field");
  }
  if (s.version !== 1) fail("'version'", `is ${show(s.version)}; expected 1`);
  if (s.machine !== m.name)
    fail("'machine'", `is ${show(s.machine)}, a snapshot of another machine`);
  const state = s.state;
  if (typeof state !== "string" || !m.states.has(state)) {
    fail("'state'", `is ${show(state)}, not a state of the machine (${[...m.states].join(", ")})`);
  }
  const st = state as string;
  if (s.done !== undefined && s.done !== m.terminal.has(st)) {
    fail(
      "'done'",
      `is ${show(s.done)}, but state '${st}' is ${m.terminal.has(st) ? "" : "not "}terminal`,
    );
  }
  if (!Array.isArray(s.history)) fail("'history'", `is ${kind(s.history)}, not an array`);
  const history = s.history as unknown[];
  history.forEach((e, i) => {
    const at = `'history[${i}]'`;
    if (!isObject(e)) fail(at, `is ${kind(e)}, not a transition`);
    const entry = e as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!ENTRY_FIELDS.has(key)) fail(`${at} field '${key}'`, "is not a transition field");
    }
    if (typeof entry.event !== "string" || !m.events.has(entry.event)) {
      fail(`${at}.event`, `is ${show(entry.event)}, not an event of the machine`);
    }
    for (const k of ["from", "to"] as const) {
      const v = entry[k];
      if (typeof v !== "string" || !m.states.has(v)) {
        fail(`${at}.${k}`, `is ${show(v)}, not a state of the machine`);
      }
    }
    if (typeof entry.at !== "number" || !Number.isFinite(entry.at)) {
      fail(`${at}.at`, `is ${show(entry.at)}, not a time`);
    }
  });
  const last = history[history.length - 1] as { to: string } | undefined;
  if (last && last.to !== st) {
    fail("'state'", `is '${st}', but the last transition of 'history' went to '${last.to}'`);
  }
  let copy: { context: unknown; history: CheckedSnapshot["history"] };
  try {
    copy = structuredClone({ context: s.context, history: history as CheckedSnapshot["history"] });
  } catch (e) {
    return fail("'context'", `is not plain data: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { state: st, context: copy.context, history: copy.history };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined)
    return String(v);
  return kind(v);
}
