/**
 * Debug sessions of event-driven machines: the session sends a given list of events to a fresh
 * instance one at a time and pauses before the events (or the states they arrive in) that its
 * breakpoints name. Each event is one unit: its `args` are the payload.
 */
import { randomUUID } from "../peers/builtins.js";
import type {
  EventArgs,
  EventMachine,
  HistoryEntry,
  MachineInstance,
  SendResult,
} from "../fsm/machine.js";
import type { RunEvent } from "../run/types.js";
import { DebugCore, type DebugPauseBase, type DebugSession } from "./core.js";
import { checkName, test } from "./breakpoints.js";

/** One event to send: its type and, when it carries one, its payload. */
export type MachineEventInput<E> = {
  [K in keyof E & string]: readonly [event: K, ...payload: EventArgs<E, K>];
}[keyof E & string];

/** What a paused event is about to meet, and what `when` sees. */
export interface MachineDebugContext<C, S extends string, E> {
  /** The event about to be sent. */
  readonly event: keyof E & string;
  /** The state it arrives in. */
  readonly state: S;
  readonly context: C;
  readonly history: readonly HistoryEntry<S, E>[];
}

/**
 * A breakpoint of a machine debug session: an event type or a state name (pauses before each
 * event of that type, or arriving in that state), or `{ event?, state?, when? }` (all given must
 * hold).
 */
export type MachineBreakpoint<C, S extends string, E> =
  | (keyof E & string)
  | S
  | {
      event?: keyof E & string;
      state?: S;
      /** Pauses only when this returns true; it sees the payload and the machine. */
      when?: (payload: unknown, ctx: MachineDebugContext<C, S, E>) => unknown;
    };

/** Options of `machine.debug`. */
export interface MachineDebugOptions<C, S extends string, E> {
  /** The events to send, in order. */
  events: Iterable<MachineEventInput<E>>;
  breakpoints?: readonly MachineBreakpoint<C, S, E>[];
  /** Names the session's trace (a random UUID by default). */
  runId?: string;
}

/** Where a machine debug session paused: before event `node` is sent with payload `args`. */
export type MachinePause<C, S extends string, E> = DebugPauseBase<
  keyof E & string,
  unknown,
  MachineDebugContext<C, S, E>
>;

/**
 * How a machine debug session ended: `"completed"` once every event was sent (or the machine
 * reached a terminal state), `"failed"` when an action threw (`error`), `"cancelled"` on abort.
 */
export interface MachineDebugRun<C, S extends string, E> {
  readonly status: "completed" | "failed" | "cancelled";
  readonly instance: MachineInstance<C, S, E>;
  /** What each send did, in order. */
  readonly sent: readonly SendResult<S, keyof E & string>[];
  readonly error?: Error;
}

/** A debug session of an event-driven machine (see `machine.debug`). */
export type MachineDebugSession<C, S extends string, E> = DebugSession<
  MachinePause<C, S, E>,
  MachineDebugRun<C, S, E>,
  unknown,
  readonly SendResult<S, keyof E & string>[]
>;

type Loose = Record<string, unknown>;
type Breakpoint = MachineBreakpoint<unknown, string, Loose>;

/** Makes the session; throws at once on a breakpoint naming neither an event nor a state. */
export function debugMachine(
  m: EventMachine<unknown, string, Loose>,
  context: unknown,
  options: MachineDebugOptions<unknown, string, Loose>,
): MachineDebugSession<unknown, string, Loose> {
  const name = m.name;
  if (typeof options !== "object" || options === null || options.events === undefined) {
    throw new TypeError(
      `debug '${name}': give the events to send as { events: [[type, payload?], ...] }`,
    );
  }
  const { breakpoints = [] } = options;
  const known = [...m.events, ...m.states];
  for (const b of breakpoints as readonly Breakpoint[]) {
    if (typeof b === "object" && b !== null) {
      if (b.event !== undefined) checkName(name, "event", b.event, m.events);
      if (b.state !== undefined) checkName(name, "state", b.state, m.states);
    } else checkName(name, "event or state", b, known);
  }
  const events = [...options.events];
  const runId = options.runId ?? randomUUID();
  let aborted = false;
  const sent: SendResult<string, string>[] = [];
  const core: DebugCore<
    MachinePause<unknown, string, Loose>,
    MachineDebugRun<unknown, string, Loose>
  > = new DebugCore(
    name,
    async () => {
      const emit = (e: RunEvent): void => core.onEvent(e);
      const inst = m.start(context);
      emit({ type: "run-start", runId, workflow: name, at: performance.now() });
      let status: MachineDebugRun<unknown, string, Loose>["status"] = "completed";
      let error: Error | undefined;
      for (const [event, ...rest] of events) {
        if (inst.done) break;
        const ctx: MachineDebugContext<unknown, string, Loose> = {
          event,
          state: inst.state,
          context: inst.context,
          history: [...inst.history],
        };
        let payload: unknown;
        try {
          payload = await core.gate((index) => ({
            paused: true,
            node: event,
            args: rest[0],
            ctx,
            index,
          }));
        } catch {
          aborted = true;
        }
        if (aborted) {
          status = "cancelled";
          break;
        }
        const t0 = performance.now();
        emit({ type: "node-start", runId, node: event, attempt: 1, at: t0 });
        try {
          sent.push(await inst.send(event, payload as never));
          const at = performance.now();
          emit({ type: "node-complete", runId, node: event, ms: at - t0, at });
        } catch (e) {
          error = e instanceof Error ? e : new Error(String(e));
          emit({ type: "node-fail", runId, node: event, error, at: performance.now() });
          status = "failed";
          break;
        }
      }
      if (aborted) status = "cancelled";
      emit({ type: "run-complete", runId, status, ms: 0, at: performance.now() });
      const run: MachineDebugRun<unknown, string, Loose> = { status, instance: inst, sent };
      return error ? { ...run, error } : run;
    },
    (pause) => {
      for (const b of breakpoints as readonly Breakpoint[]) {
        if (typeof b !== "object" || b === null) {
          if (b === pause.node || b === pause.ctx.state) return { hit: true };
          continue;
        }
        if (b.event !== undefined && b.event !== pause.node) continue;
        if (b.state !== undefined && b.state !== pause.ctx.state) continue;
        if (b.when === undefined) return { hit: true };
        const when = b.when;
        const m = test(() => when(pause.args, pause.ctx));
        if (m.hit) return m;
      }
      return { hit: false };
    },
    () => {
      aborted = true;
    },
  );
  return core.session(() => [...sent]);
}
