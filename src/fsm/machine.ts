/**
 * Event-driven state machines (deployment, approval and order-lifecycle style): typed states and
 * events, transitions with guards and actions, a wildcard source, `send` / `can` / `available`,
 * history, and snapshots that resume later.
 *
 * @example
 * ```ts
 * import { machine } from "weftjs";
 * const door = machine<{ opens: number }>("door")
 *   .states("closed", "open", "locked")
 *   .events("open", "close", "lock", "unlock")
 *   .transition("closed", "open", "open", { action: (c) => ({ opens: c.opens + 1 }) })
 *   .transition("open", "close", "closed")
 *   .transition("closed", "lock", "locked")
 *   .transition("locked", "unlock", "closed")
 *   .build();
 * const d = door.start({ opens: 0 });
 * await d.send("open");   // { ok: true, from: "closed", to: "open", ... }
 * d.can("lock");          // false: only a closed door locks
 * d.available();          // ["close"]
 * ```
 */
import type { Simplify } from "../dag/type-utils.js";
import { isReservedName, reservedMessage } from "../graph/reserved.js";
import { assertValidGraph } from "../graph/validate.js";
import type { Graph, GraphEdge } from "../graph/types.js";
import { checkDeclared, checkNames } from "./names.js";
import { checkSnapshot } from "./snapshot.js";
import {
  debugMachine,
  type MachineDebugOptions,
  type MachineDebugSession,
} from "../debug/machine.js";

/** `send(event, payload)`: the payload may be left out when the event's payload type is `undefined`. */
export type PayloadArgs<P> = [P] extends [undefined] ? [payload?: P] : [payload: P];

/**
 * The payload arguments of event `K`, distributed over `K` so that an unknown event name is
 * reported as such rather than as a wrong argument count.
 */
export type EventArgs<E, K extends keyof E> = K extends unknown ? PayloadArgs<E[K]> : never;

/** Which transition is being taken (given to guards and actions). */
export interface TransitionInfo<S extends string, K extends string> {
  readonly event: K;
  readonly from: S;
  readonly to: S;
}

/** Options of one transition. */
export interface TransitionOptions<C, S extends string, K extends string, P> {
  /**
   * The transition is taken only when this returns true. Keep it a pure, synchronous check: `can`
   * and `available` call it too.
   */
  guard?: (context: Readonly<C>, payload: P, info: TransitionInfo<S, K>) => boolean;
  /**
   * Runs before the state changes. What it returns (other than `undefined`) becomes the new
   * context. If it throws (or rejects), the machine stays where it was and `send` rejects with a
   * {@link TransitionError}.
   */
  action?: (context: C, payload: P, info: TransitionInfo<S, K>) => C | void | Promise<C | void>;
  /** Description, shown in the graph and diagrams. */
  doc?: string;
}

/** One transition taken, as recorded in `history`. */
export type HistoryEntry<S extends string, E> = {
  [K in keyof E & string]: {
    event: K;
    from: S;
    to: S;
    /** `Date.now()` when the transition completed. */
    at: number;
    payload?: E[K];
  };
}[keyof E & string];

/** What `send` did. `ok: false` leaves the machine as it was and says why. */
export type SendResult<S extends string, K extends string> =
  | { ok: true; event: K; from: S; to: S }
  | {
      ok: false;
      event: K;
      from: S;
      /**
       * `"done"`: the machine is in a terminal state; `"no-transition"`: the event has no
       * transition from the current state; `"guard"`: every such transition's guard said no.
       */
      reason: "done" | "no-transition" | "guard";
    };

/** A running machine's state as plain data; `machine.restore(snapshot)` continues from it. */
export interface MachineSnapshot<C, S extends string, E> {
  version: 1;
  machine: string;
  state: S;
  context: C;
  done: boolean;
  history: HistoryEntry<S, E>[];
}

/**
 * The snapshot type of a machine, for values read back from storage:
 * `machine.restore(JSON.parse(text) as SnapshotOf<typeof machine>)`.
 */
export type SnapshotOf<M> =
  M extends EventMachine<infer C, infer S, infer E> ? MachineSnapshot<C, S, E> : never;

/** An action threw: the transition was not taken. `cause` is what the action threw. */
export class TransitionError extends Error {
  readonly machine: string;
  readonly event: string;
  readonly from: string;
  readonly to: string;
  constructor(machine: string, event: string, from: string, to: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`machine '${machine}': action of ${from} --${event}--> ${to} failed: ${inner}`, {
      cause,
    });
    this.name = "TransitionError";
    this.machine = machine;
    this.event = event;
    this.from = from;
    this.to = to;
  }
}

/** A running event-driven machine. */
export interface MachineInstance<C, S extends string, E> {
  readonly machine: string;
  /** The current state. */
  readonly state: S;
  /** The current context (replaced by actions that return one). */
  readonly context: C;
  /** Whether the machine is in a terminal state (it then ignores every event). */
  readonly done: boolean;
  /** Transitions taken, oldest first. */
  readonly history: readonly HistoryEntry<S, E>[];
  /**
   * Sends an event. Sends are processed one at a time in call order (an async action finishes
   * before the next event is looked at). Resolves to what happened; rejects with a
   * {@link TransitionError} when an action throws.
   */
  send<K extends keyof E & string>(
    event: K,
    ...payload: EventArgs<E, K>
  ): Promise<SendResult<S, K>>;
  /** Whether `send(event, payload)` would take a transition now (guards included). */
  can<K extends keyof E & string>(event: K, ...payload: EventArgs<E, K>): boolean;
  /**
   * Events that have a transition from the current state. Guards of payload-less events (those
   * declared with `.events(...)`) are checked; an event that carries a payload is listed whenever
   * it has a transition from here, since its guards need the payload (use `can` with one).
   */
  available(): (keyof E & string)[];
  /** The state, context and history as plain data (copied, so later changes do not leak in). */
  snapshot(): MachineSnapshot<C, S, E>;
  /** Calls `listener` after every transition taken; returns the unsubscribe function. */
  subscribe(listener: (entry: HistoryEntry<S, E>) => void): () => void;
}

/** `start(context)`, with `context` optional when `C` allows `undefined`. */
export type StartArgs<C> = undefined extends C ? [context?: C] : [context: C];

/** A built event-driven machine: start instances, or restore them from snapshots. */
export interface EventMachine<C, S extends string, E> {
  readonly kind: "machine";
  readonly name: string;
  readonly states: readonly S[];
  /** Every event: declared payload-less ones and those used by transitions. */
  readonly events: readonly (keyof E & string)[];
  readonly initial: S;
  readonly terminal: readonly S[];
  /** The machine as graph IR; a wildcard transition becomes one edge per non-terminal state. */
  readonly graph: Graph;
  /** A new instance in the initial state with the given context. */
  start(...args: StartArgs<C>): MachineInstance<C, S, E>;
  /** An instance continuing from a snapshot; refuses a snapshot of another machine or an unknown state. */
  restore(snapshot: MachineSnapshot<C, S, E>): MachineInstance<C, S, E>;
  /**
   * A debug session: sends `events` to a fresh instance one at a time and pauses before those
   * its breakpoints name (an event type or a state, or `{ event?, state?, when? }`), or before
   * each with `step()`; `setArgs` replaces the paused event's payload. A breakpoint naming
   * neither an event nor a state is a compile error. See docs/debugger.md.
   *
   * @example
   * ```ts
   * const session = deploy.debug(undefined, {
   *   events: [["submit"], ["approve", { by: "ann" }], ["ship"]],
   *   breakpoints: ["approve"],
   * });
   * const stop = await session.continue(); // { node: "approve", args: { by: "ann" }, ctx: { state: "review", ... } }
   * const end = await session.continue();  // { status: "completed", instance, sent }
   * ```
   */
  debug(context: C, options: MachineDebugOptions<C, S, E>): MachineDebugSession<C, S, E>;
}

/** `machine<C, P>(name)`: declare the states next. */
export interface MachineStart<C, P> {
  /**
   * Declares every state (names are distinct, non-empty, without '.' and not '*'). Given a
   * `string[]` (machines built in loops), any string is a state.
   */
  states<const N extends string>(...names: N[]): MachineBuilder<C, N, P>;
}

/** Builder of an event-driven machine with context `C`, states `S` and events `E` (name to payload). */
export interface MachineBuilder<C, S extends string, E> {
  /** Declares events that carry no payload. */
  events<const N extends string>(...names: N[]): MachineBuilder<C, S, E & { [K in N]: undefined }>;
  /** The state instances start in (the first declared state by default). */
  initial(state: S): MachineBuilder<C, S, E>;
  /** States that end the machine: once in one, every event is refused with reason `"done"`. */
  terminal(...states: S[]): MachineBuilder<C, S, E>;
  /**
   * On `event` in state `from` (a state, a list of states, or `"*"` for every non-terminal state),
   * go to `to`. When several transitions match, those from a named state are tried before
   * wildcard ones, each group in declaration order; the first whose guard passes is taken.
   */
  transition<K extends keyof E & string>(
    from: S | readonly S[] | "*",
    event: K,
    to: S,
    options?: TransitionOptions<C, S, K, E[K]>,
  ): MachineBuilder<C, S, E>;
  /** The machine. Throws a `GraphValidationError` for unreachable states or states that can never reach a terminal one. */
  build(): EventMachine<C, S, Simplify<E>>;
}

/**
 * Starts an event-driven machine. `C` is the context type; `P` maps each event that carries a
 * payload to the payload's type (events without one are declared with `.events(...)`).
 *
 * @example
 * ```ts
 * const approval = machine<{ approvals: string[] }, { approve: { by: string } }>("approval")
 *   .states("pending", "approved")
 *   .terminal("approved")
 *   .transition("pending", "approve", "approved", {
 *     action: (c, { by }) => ({ approvals: [...c.approvals, by] }),
 *   })
 *   .build();
 * ```
 */
export function machine<C = undefined, P extends Record<string, unknown> = {}>(
  name: string,
): MachineStart<C, P> {
  if (typeof name !== "string" || name === "")
    throw new TypeError("machine(name): name is required");
  return {
    states: (...names: string[]) => {
      checkNames(name, "state", names);
      return eventBuilder({
        name,
        states: names,
        initial: names[0],
        terminal: [],
        plainEvents: [],
        transitions: [],
      });
    },
  } as unknown as MachineStart<C, P>;
}

/** A transition as the runtime keeps it. */
interface Rule {
  from: readonly string[] | "*";
  event: string;
  to: string;
  guard?: (context: unknown, payload: unknown, info: TransitionInfo<string, string>) => boolean;
  action?: (context: unknown, payload: unknown, info: TransitionInfo<string, string>) => unknown;
  doc?: string;
}

interface EventBuilderData {
  name: string;
  states: readonly string[];
  initial: string;
  terminal: readonly string[];
  plainEvents: readonly string[];
  transitions: readonly Rule[];
}

type AnyBuilder = MachineBuilder<unknown, string, Record<string, unknown>>;

function eventBuilder(data: EventBuilderData): AnyBuilder {
  const declared = new Set(data.states);
  return {
    events(...names: string[]) {
      checkNames(data.name, "event", names);
      for (const n of names) {
        if (data.plainEvents.includes(n)) {
          throw new TypeError(`machine '${data.name}': duplicate event '${n}'`);
        }
      }
      return eventBuilder({ ...data, plainEvents: [...data.plainEvents, ...names] });
    },
    initial(state: string) {
      checkDeclared(data.name, "initial state", state, declared);
      return eventBuilder({ ...data, initial: state });
    },
    terminal(...states: string[]) {
      for (const s of states) checkDeclared(data.name, "terminal state", s, declared);
      return eventBuilder({ ...data, terminal: [...new Set([...data.terminal, ...states])] });
    },
    transition(
      from: string | readonly string[],
      event: string,
      to: string,
      options: TransitionOptions<unknown, string, string, unknown> = {},
    ) {
      const sources = from === "*" ? "*" : typeof from === "string" ? [from] : [...from];
      if (sources !== "*") {
        if (sources.length === 0)
          throw new TypeError(`machine '${data.name}': transition on '${event}' has no source`);
        for (const s of sources) checkDeclared(data.name, `source of '${event}'`, s, declared);
      }
      checkDeclared(data.name, `target of '${event}'`, to, declared);
      if (typeof event !== "string" || event === "" || event.includes(".")) {
        throw new TypeError(`machine '${data.name}': event name '${String(event)}' is not allowed`);
      }
      if (isReservedName(event)) {
        throw new TypeError(`machine '${data.name}': ${reservedMessage("event name", event)}`);
      }
      for (const key of ["guard", "action"] as const) {
        const f: unknown = options?.[key];
        if (f !== undefined && typeof f !== "function") {
          throw new TypeError(
            `machine '${data.name}': the ${key} of transition '${event}' is not a function`,
          );
        }
      }
      const rule: Rule = { from: sources, event, to };
      if (options.guard) rule.guard = options.guard as Rule["guard"];
      if (options.action) rule.action = options.action as Rule["action"];
      if (options.doc) rule.doc = options.doc;
      return eventBuilder({ ...data, transitions: [...data.transitions, rule] });
    },
    build() {
      return buildEventMachine(data);
    },
  } as unknown as AnyBuilder;
}

/** The compiled form: per state and event, the rules to try in order. */
interface Compiled {
  name: string;
  states: ReadonlySet<string>;
  terminal: ReadonlySet<string>;
  plainEvents: ReadonlySet<string>;
  rules: ReadonlyMap<string, ReadonlyMap<string, readonly Rule[]>>;
}

function buildEventMachine(
  data: EventBuilderData,
): EventMachine<unknown, string, Record<string, unknown>> {
  const terminal = new Set(data.terminal);
  const rules = new Map<string, Map<string, Rule[]>>();
  for (const s of data.states) rules.set(s, new Map());
  // Named sources first, then wildcards: a state's own handling of an event wins over "*".
  const ordered = [
    ...data.transitions.filter((r) => r.from !== "*"),
    ...data.transitions.filter((r) => r.from === "*"),
  ];
  for (const r of ordered) {
    const sources = r.from === "*" ? data.states.filter((s) => !terminal.has(s)) : r.from;
    for (const s of sources) {
      const byEvent = rules.get(s) as Map<string, Rule[]>;
      const list = byEvent.get(r.event) ?? [];
      list.push(r);
      byEvent.set(r.event, list);
    }
  }
  const events = [...new Set([...data.plainEvents, ...data.transitions.map((r) => r.event)])];
  const graph = eventGraph(data, ordered, events);
  assertValidGraph(graph);
  const compiled: Compiled = {
    name: data.name,
    states: new Set(data.states),
    terminal,
    plainEvents: new Set(data.plainEvents),
    rules,
  };
  const facts = {
    name: data.name,
    states: compiled.states,
    terminal,
    events: new Set(events),
  };
  return {
    kind: "machine",
    name: data.name,
    states: data.states,
    events,
    initial: data.initial,
    terminal: [...data.terminal],
    graph,
    start: (context?: unknown) =>
      new Instance(compiled, data.initial, context, []) as MachineInstance<
        unknown,
        string,
        Record<string, unknown>
      >,
    debug(
      context: unknown,
      options: MachineDebugOptions<unknown, string, Record<string, unknown>>,
    ) {
      return debugMachine(this, context, options);
    },
    restore: (snapshot) => {
      // Checked whole before anything is made, so a refused snapshot changes nothing.
      const checked = checkSnapshot(facts, snapshot);
      return new Instance(
        compiled,
        checked.state,
        checked.context,
        checked.history as Entry[],
      ) as MachineInstance<unknown, string, Record<string, unknown>>;
    },
  };
}

function eventGraph(data: EventBuilderData, ordered: readonly Rule[], events: string[]): Graph {
  const edges: GraphEdge[] = [];
  const terminal = new Set(data.terminal);
  for (const r of ordered) {
    const wildcard = r.from === "*";
    const sources = wildcard ? data.states.filter((s) => !terminal.has(s)) : (r.from as string[]);
    for (const from of sources) {
      const e: GraphEdge = { from, to: r.to, event: r.event };
      if (r.guard) e.guard = true;
      if (r.action) e.action = true;
      if (wildcard) e.wildcard = true;
      edges.push(e);
    }
  }
  return {
    version: 1,
    kind: "fsm",
    name: data.name,
    nodes: data.states.map((name) => ({ name, kind: "state" as const })),
    edges,
    fsm: { initial: data.initial, terminal: [...data.terminal], events, style: "event" },
  };
}

type Entry = HistoryEntry<string, Record<string, unknown>>;

class Instance {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(entry: Entry) => void>();

  constructor(
    private readonly m: Compiled,
    public state: string,
    public context: unknown,
    public readonly history: Entry[],
  ) {}

  get machine(): string {
    return this.m.name;
  }

  get done(): boolean {
    return this.m.terminal.has(this.state);
  }

  /** The rule `event` would take now, or why none. */
  private pick(event: string, payload: unknown): Rule | "done" | "no-transition" | "guard" {
    if (this.done) return "done";
    const candidates = this.m.rules.get(this.state)?.get(event);
    if (!candidates?.length) return "no-transition";
    for (const r of candidates) {
      const info = { event, from: this.state, to: r.to };
      if (!r.guard || r.guard(this.context, payload, info)) return r;
    }
    return "guard";
  }

  can(event: string, payload?: unknown): boolean {
    return typeof this.pick(event, payload) === "object";
  }

  available(): string[] {
    if (this.done) return [];
    const out: string[] = [];
    for (const event of this.m.rules.get(this.state)?.keys() ?? []) {
      if (!this.m.plainEvents.has(event) || this.can(event)) out.push(event);
    }
    return out;
  }

  send(event: string, payload?: unknown): Promise<SendResult<string, string>> {
    const result = this.queue.then(() => this.apply(event, payload));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async apply(event: string, payload: unknown): Promise<SendResult<string, string>> {
    const from = this.state;
    const rule = this.pick(event, payload);
    if (typeof rule === "string") return { ok: false, event, from, reason: rule };
    let next: unknown;
    if (rule.action) {
      try {
        next = await rule.action(this.context, payload, { event, from, to: rule.to });
      } catch (e) {
        throw new TransitionError(this.m.name, event, from, rule.to, e);
      }
    }
    const entry = { event, from, to: rule.to, at: Date.now() } as Entry;
    if (payload !== undefined) entry.payload = payload;
    // History first: if recording fails, the state has not moved.
    this.history.push(entry);
    this.state = rule.to;
    if (next !== undefined) this.context = next;
    for (const l of this.listeners) l(entry);
    return { ok: true, event, from, to: rule.to };
  }

  snapshot(): MachineSnapshot<unknown, string, Record<string, unknown>> {
    try {
      return structuredClone({
        version: 1,
        machine: this.m.name,
        state: this.state,
        context: this.context,
        done: this.done,
        history: this.history,
      });
    } catch (e) {
      throw new TypeError(
        `machine '${this.m.name}': snapshot failed, the context or a payload is not plain data: ${
          e instanceof Error ? e.message : String(e)
        }`,
        { cause: e },
      );
    }
  }

  subscribe(listener: (entry: Entry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
