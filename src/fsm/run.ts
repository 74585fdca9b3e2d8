/**
 * Running a function-return state machine: the stepper that `machine.start(input)` gives (the
 * one execution core: `run` and `resume` drive a stepper to the end), and the types of runs.
 */
import type { InputRunOptions } from "../run/validate-input.js";
import { randomUUID } from "../peers/builtins.js";
import { setOwn } from "../graph/reserved.js";
import type { CheckpointStore } from "../run/store/types.js";
import {
  InputError,
  NodeError,
  type FsmStatus,
  type NodeContext,
  type Progress,
  type RunEvent,
  type RunMetrics,
  type RunRecord,
} from "../run/types.js";
import { fsmJournal, type FsmJournal, type ReplayedVisit } from "./journal.js";
import { checkTransition, runVisit, type ResolvedPolicies } from "./policies.js";
import { FsmRunResult } from "./result.js";
import { next, stop, type Transition } from "./transition.js";
import { isWaitFor, type WaitFor } from "./wait.js";
import { saveWaits, WaitTimeoutError, type WaitRecord } from "../run/waits.js";
import type { WaitingNode } from "../run/types.js";

/**
 * What a state handler receives as its second argument. It is a {@link NodeContext} (so helpers
 * written for DAG nodes work in states too; `node` is the state) plus what is particular to
 * state machines.
 */
export interface StateContext<S extends string = string, R = {}> extends NodeContext {
  /** The state being executed. */
  readonly state: S;
  /** How many handlers ran before this one in this run (0 for the initial state). */
  readonly cycle: number;
  /** The state that ran before this one and its result, or `undefined` on the first cycle. */
  readonly previous: { readonly state: S; readonly value: unknown } | undefined;
  /** Entries of `state` so far in this run, the current one included (retries do not count). */
  visits(state: S): number;
  /**
   * Result of an earlier visit of `state` (the latest, or the 0-based `visit`); `undefined` when
   * it has not run (that often). Typed for states whose handlers were declared before this one.
   */
  get<K extends S & keyof R>(state: K, visit?: number): R[K] | undefined;
  get(state: S, visit?: number): unknown;
  /**
   * The payload of signal `name` when the run was signalled after this state returned
   * `wait(name)`; `undefined` while none came. Throws a `WaitTimeoutError` once the wait's
   * deadline has passed without one.
   */
  received<T = unknown>(name: string): T | undefined;
}

/** A state handler: gets the run input and the context, returns `next(...)` or `stop(...)`. */
export type StateHandler<I, S extends string, R, T> = (
  input: I,
  ctx: StateContext<S, R>,
) => T | Promise<T>;

/** Options of one run. */
export interface FsmRunOptions extends InputRunOptions {
  /** Id of the run (a random UUID by default). */
  runId?: string;
  /** Cancels the run: the current handler's `ctx.signal` aborts and the status is `"cancelled"`. */
  signal?: AbortSignal;
  /** Initial contents of `ctx.metadata`, shared by every state of the run. */
  metadata?: Record<string, unknown>;
  /** Receives the run's events as they happen (`run-complete` last). */
  onEvent?: (event: RunEvent) => void;
  /** Overrides the machine's `maxCycles` for this run. */
  maxCycles?: number;
  /**
   * Who starts (resumes, signals) the run, as the `checkpoint` store's audit trail records it.
   * Default `"unknown"`.
   */
  actor?: string;
  /**
   * Journals each state visit to this store (under `runId`) before the machine moves on, so
   * `machine.resume(runId, { checkpoint })` can finish the run after a crash.
   */
  checkpoint?: CheckpointStore;
  /**
   * With `checkpoint`: journal a copy of `ctx.metadata` after each visit, so a resumed run
   * continues with the metadata the last journaled visit left (default `true`). Metadata must
   * then be storable (plain data, Map, Set, Date, ...); turn this off for metadata that is not,
   * and resumed runs start from `options.metadata` instead.
   */
  journalMetadata?: boolean;
  /**
   * Sees every transition before the machine takes it (`to` is `undefined` for a `stop`), after
   * the state's handler has run. Returning `false` (or a promise of it) vetoes it: the run fails
   * with a {@link TransitionVetoedError} naming both states, and nothing is journaled for the
   * visit, so a resumed run asks again.
   *
   * @example
   * ```ts
   * await machine.run(input, {
   *   onTransition: ({ from, to }) => !(from === "review" && to === "approved" && !signedOff),
   * });
   * ```
   */
  onTransition?: (transition: {
    from: string;
    to: string | undefined;
    value: unknown;
  }) => boolean | void | Promise<boolean | void>;
}

/** A transition refused by an `onTransition` hook. */
export class TransitionVetoedError extends Error {
  readonly from: string;
  readonly to: string | undefined;
  constructor(from: string, to: string | undefined) {
    super(
      to === undefined
        ? `the stop in state '${from}' was vetoed`
        : `transition '${from}' -> '${to}' was vetoed`,
    );
    this.name = "TransitionVetoedError";
    this.from = from;
    this.to = to;
  }
}

/**
 * Options of `machine.resume(runId, options)`: a run's options, with the store required (the run
 * id is the one resumed, and the input is the one stored with the run).
 *
 * @example
 * ```ts
 * const options: FsmResumeOptions = { checkpoint: sqliteStore("runs.sqlite"), metadata: {} };
 * const r = await orders.resume("order-42", options);
 * ```
 */
export interface FsmResumeOptions extends Omit<FsmRunOptions, "runId" | "checkpoint"> {
  /** The store the run was journaled to. */
  checkpoint: CheckpointStore;
}

/** `run(input, options)`, with `input` optional when the machine's input type allows `undefined`. */
export type FsmRunArgs<I> = undefined extends I
  ? [input?: I, options?: FsmRunOptions]
  : [input: I, options?: FsmRunOptions];

/** A state name, or a state and a 0-based visit: `"yellow"`, `"yellow.2"`. */
export type StateRef<K extends string> = K | `${K}.${number}`;

/** What one `step()` did. */
export interface FsmStep<S extends string, R> {
  /** The state whose handler ran (or whose journaled visit was replayed). */
  state: S;
  /** Its result for this visit (`undefined` if it failed). */
  value: R[keyof R] | undefined;
  /** The state the machine moved to, when it moved. */
  next: S | undefined;
  /** Whether the run is over; `status` says how. */
  done: boolean;
  status: FsmStatus | undefined;
}

/** The outcome of a state machine run. */
export interface FsmRun<S extends string, R> {
  readonly runId: string;
  readonly workflow: string;
  /**
   * `"stopped"`: a handler returned `stop`; `"terminal"`: a terminal state ran; `"max-cycles"`:
   * the cycle limit was reached first; `"failed"`: a handler threw or returned something invalid;
   * `"cancelled"`: the run's signal aborted.
   */
  readonly status: FsmStatus;
  /** States entered, in order (one entry per cycle). */
  readonly history: readonly S[];
  /** Visits (handlers executed, or replayed from a journal on resume). */
  readonly cycles: number;
  /** The last state that ran (`undefined` if the run was cancelled before the first). */
  readonly state: S | undefined;
  /** The result of the last state that ran (the `stop` value, the terminal state's result, ...). */
  readonly output: R[keyof R] | undefined;
  /** Runs with status `"waiting"`: the wait a handler returned, since when, until when. */
  readonly waiting: WaitingNode[];
  /** The error of a failed or cancelled run; `cause` is what the handler threw. */
  readonly error: Error | undefined;
  /** As for DAG runs: the failures, each a `NodeError` naming the state (empty when none). */
  readonly errors: NodeError[];
  /** `executed` counts handlers run by this process (replayed visits of a resume are not). */
  readonly metrics: RunMetrics;
  /** Result of `state` on its latest visit, or on the 0-based `visit` (`"state.2"` works too). */
  get<K extends S & keyof R>(ref: StateRef<K>, visit?: number): R[K] | undefined;
  /** Times `state` was entered. */
  visits(state: S): number;
  /** Throws a {@link RunFailedError} unless the run stopped or reached a terminal state. */
  orThrow(): this;
  /** The run as plain data. */
  toJSON(): RunRecord;
}

/** Step-by-step execution, for debugging and human-in-the-loop flows. */
export interface FsmStepper<S extends string, R> {
  readonly runId: string;
  /** The state the next `step()` runs; once done, the last state that ran. */
  readonly current: S;
  readonly done: boolean;
  /** Set once done. */
  readonly status: FsmStatus | undefined;
  readonly history: readonly S[];
  readonly cycles: number;
  /** Runs the current state's handler and follows its transition. Throws once done. */
  step(): Promise<FsmStep<S, R>>;
  /** Steps until done and gives the run result. */
  finish(): Promise<FsmRun<S, R>>;
  /** Result of an earlier visit, as on {@link FsmRun.get}. */
  get<K extends S & keyof R>(ref: StateRef<K>, visit?: number): R[K] | undefined;
}

/** A handler as the runner calls it (the builder typed it). */
export type RawHandler = (input: unknown, ctx: StateContext) => unknown;

/** What the runner needs from a built machine (untyped: the public types are on the machine). */
export interface MachineDef {
  name: string;
  states: readonly string[];
  initial: string;
  terminal: ReadonlySet<string>;
  maxCycles: number;
  handlers: ReadonlyMap<string, RawHandler>;
  /** Each state's policies with the machine defaults merged in (absent: none). */
  policies: ReadonlyMap<string, ResolvedPolicies>;
  /** What journaled runs are checked against on resume. */
  hash: string;
}

/** Splits `"yellow.2"` into `["yellow", 2]`; a plain name (or an explicit `visit`) passes through. */
function parseStateRef(ref: string, visit: number | undefined): [string, number | undefined] {
  if (visit !== undefined) return [ref, visit];
  const dot = ref.lastIndexOf(".");
  if (dot < 0) return [ref, undefined];
  const n = Number(ref.slice(dot + 1));
  return Number.isInteger(n) ? [ref.slice(0, dot), n] : [ref, undefined];
}

/** Throws unless `store` looks like a checkpoint store. */
export function checkStore(store: unknown, option: string): asserts store is CheckpointStore {
  const needed = ["beginRun", "record", "finishRun", "loadRun"] as const;
  if (typeof store === "object" && store !== null) {
    const s = store as Record<string, unknown>;
    const missing = needed.filter((k) => typeof s[k] !== "function");
    if (missing.length === 0) return;
    throw new InputError(
      `${option} must be a checkpoint store (memoryStore(), sqliteStore(path)); ` +
        `this one has no ${missing.join(", ")}`,
    );
  }
  throw new InputError(
    `${option} must be a checkpoint store (memoryStore(), sqliteStore(path)), got ${
      store === null ? "null" : typeof store
    }`,
  );
}

/** The one execution core: `run` is `start(...).finish()`, `resume` replays then finishes. */
export class Stepper<S extends string, R> implements FsmStepper<S, R> {
  readonly runId: string;
  current: S;
  done = false;
  status: FsmStatus | undefined;
  readonly history: S[] = [];
  cycles = 0;
  private executed = 0;
  private readonly results = new Map<string, unknown[]>();
  private readonly nodeMs: Record<string, number> = {};
  /** Attempts of each state's latest visit run by this process. */
  private readonly attempts: Record<string, number> = {};
  private readonly metadata: Record<string, unknown>;
  private readonly maxCycles: number;
  private readonly states: ReadonlySet<string>;
  private readonly runSignal: AbortSignal;
  private readonly journal: FsmJournal | undefined;
  private beginning: Promise<void> | undefined;
  private readonly startedAt = performance.now();
  private endedAt = 0;
  private error: Error | undefined;
  private output: unknown;
  private failedState: string | undefined;
  private busy = false;
  /** Set when a handler returned `wait(...)`. */
  waiting: WaitingNode[] = [];
  /** Signal payloads read by the visit in progress. */
  private reading: string[] = [];
  /** Payloads taken by journaled visits: not offered again. */
  private readonly consumed = new Set<string>();
  private remoteTotalMs: number | undefined;
  /** The debugger's replacement input for the next visit's handler only (`session.setArgs`). */
  nextInput: { value: unknown } | undefined;

  /**
   * @param replay - visits journaled by an earlier process (resume): the first steps replay
   * them in order instead of running their handlers.
   */
  constructor(
    private readonly def: MachineDef,
    private readonly input: unknown,
    private readonly options: FsmRunOptions = {},
    private readonly replay: readonly ReplayedVisit[] = [],
    /** The waits and signal payloads of a resumed waiting run. */
    private readonly waits?: WaitRecord,
    resuming = false,
  ) {
    this.runId = options.runId ?? randomUUID();
    this.current = def.initial as S;
    this.metadata = options.metadata ?? {};
    this.maxCycles = options.maxCycles ?? def.maxCycles;
    this.states = new Set(def.states);
    this.runSignal = options.signal ?? new AbortController().signal;
    if (options.checkpoint !== undefined) {
      checkStore(options.checkpoint, "run option 'checkpoint'");
      this.journal = fsmJournal({
        store: options.checkpoint,
        runId: this.runId,
        machine: def.name,
        graphHash: def.hash,
        input,
        journalMetadata: options.journalMetadata ?? true,
        actor: options.actor,
        resuming,
      });
    }
    this.emit({ type: "run-start", runId: this.runId, workflow: def.name, at: Date.now() });
  }

  get<K extends S & keyof R>(ref: StateRef<K>, visit?: number): R[K] | undefined {
    const [state, v] = parseStateRef(ref, visit);
    const list = this.results.get(state);
    if (!list) return undefined;
    return (v === undefined ? list[list.length - 1] : list[v]) as R[K] | undefined;
  }

  visits(state: string): number {
    return this.results.get(state)?.length ?? 0;
  }

  async step(): Promise<FsmStep<S, R>> {
    if (this.done) throw new Error(`machine '${this.def.name}' run ${this.runId} is already done`);
    if (this.busy) throw new Error(`machine '${this.def.name}': step() called while a step runs`);
    this.busy = true;
    try {
      // The run is opened in the store once, before its first visit (a failure rejects every step).
      if (this.journal) {
        const journal = this.journal;
        this.beginning ??= (async () => journal.begin())();
        await this.beginning;
      }
      return await this.runState();
    } finally {
      this.busy = false;
    }
  }

  async finish(): Promise<FsmRun<S, R>> {
    while (!this.done) await this.step();
    return new FsmRunResult<S, R>(this, this.error, this.output, this.runMetrics());
  }

  private async runState(): Promise<FsmStep<S, R>> {
    const state = this.current;
    if (this.runSignal.aborted) return this.cancel(state, false);
    const replayed = this.replay[this.cycles];
    if (replayed) return this.replayVisit(state, replayed);

    const { list, visit, cycle, last } = this.enter(state);
    this.executed++;
    this.reading = [];
    this.emit({ type: "node-start", runId: this.runId, node: state, attempt: 1, at: Date.now() });
    const t0 = performance.now();
    const out = await runVisit({
      state,
      runId: this.runId,
      handler: this.def.handlers.get(state) as RawHandler,
      policies: this.def.policies.get(state),
      input: this.takeInput(),
      runSignal: this.runSignal,
      // Handlers are typed by the builder; the runner sees them untyped.
      context: (attempt, signal) =>
        this.context(state, cycle, signal, last, attempt) as unknown as StateContext,
      emit: (e) => this.emit(e),
      // A wait is not a transition: it parks the run (below) before any hook or journal.
      check: (outcome, from) =>
        from === "handler" && isWaitFor(outcome)
          ? (outcome as unknown as Transition)
          : checkTransition(outcome, from, this.states),
    });
    const ms = performance.now() - t0;
    this.nodeMs[state] = (this.nodeMs[state] ?? 0) + ms;
    this.attempts[state] = out.attempts;
    if (!out.ok) {
      if (out.cancelled) return this.cancel(state, true);
      return this.fail(state, visit, out.error, out.attempts, ms);
    }
    const t = out.transition;
    if (isWaitFor(t)) return this.park(state, t);
    const hook = this.options.onTransition;
    if (hook) {
      const to = t.kind === "next" ? (t.to as string) : undefined;
      let allowed: boolean | void;
      try {
        allowed = await hook({ from: state, to, value: t.value });
      } catch (e) {
        return this.fail(state, visit, e, out.attempts, ms);
      }
      if (allowed === false) {
        return this.fail(state, visit, new TransitionVetoedError(state, to), out.attempts, ms);
      }
    }
    if (this.journal) {
      // Journaled before the machine moves on: a crash after this point never runs it again.
      try {
        await this.journal.visit(state, visit, t, this.metadata, ms);
      } catch (e) {
        return this.fail(state, visit, e, out.attempts, ms);
      }
    }
    for (const name of this.reading) this.consumed.add(name);
    this.emit({ type: "node-complete", runId: this.runId, node: state, ms, at: Date.now() });
    return this.settle(state, list, visit, t);
  }

  private takeInput(): unknown {
    const next = this.nextInput;
    if (next === undefined) return this.input;
    this.nextInput = undefined;
    return next.value;
  }

  /** The wait `name` parked earlier in this run, if any. */
  private priorWait(name: string): WaitingNode | undefined {
    return this.waits?.waiting.find((w) => w.node === name);
  }

  /** A handler returned `wait(...)`: the run ends "waiting", its wait saved for any process. */
  private async park(state: S, w: WaitFor): Promise<FsmStep<S, R>> {
    const prior = this.priorWait(w.name);
    const since = prior?.since ?? Date.now();
    const parked: WaitingNode = { node: w.name, since };
    const deadline = prior
      ? prior.deadline
      : w.timeoutMs === undefined
        ? undefined
        : since + w.timeoutMs;
    if (deadline !== undefined) parked.deadline = deadline;
    this.waiting = [parked];
    this.output = undefined;
    const store = this.options.checkpoint;
    if (store) {
      try {
        await saveWaits(store, this.runId, this.waitRecord([parked]));
      } catch (e) {
        return this.fail(state, this.visits(state) - 1, e, 1, 0);
      }
    }
    this.emit({ type: "run-waiting", runId: this.runId, waiting: this.waiting, at: Date.now() });
    return this.end(state, undefined, "waiting", undefined);
  }

  /** The wait record to store: payloads not yet taken by a journaled visit are kept. */
  private waitRecord(waiting: WaitingNode[]): WaitRecord {
    const received: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.waits?.received ?? {})) {
      if (!this.consumed.has(k)) received[k] = v;
    }
    return { workflow: this.def.name, waiting, applied: this.waits?.applied ?? {}, received };
  }

  private received(name: string): unknown {
    const got = this.waits?.received;
    if (got && Object.prototype.hasOwnProperty.call(got, name) && !this.consumed.has(name)) {
      this.reading.push(name);
      return got[name];
    }
    const prior = this.priorWait(name);
    if (prior?.deadline !== undefined && Date.now() >= prior.deadline) {
      throw new WaitTimeoutError(name, prior.since, prior.deadline);
    }
    return undefined;
  }

  /** Counts a visit from entry (in ctx.visits, and in the run even if the handler fails). */
  private enter(state: S): { list: unknown[]; visit: number; cycle: number; last: S | undefined } {
    const last = this.history.length > 0 ? this.history[this.history.length - 1] : undefined;
    const list = this.results.get(state) ?? [];
    this.results.set(state, list);
    const visit = list.push(undefined) - 1;
    this.history.push(state);
    const cycle = this.cycles++;
    return { list, visit, cycle, last };
  }

  /** Takes a journaled visit's transition without running the handler. */
  private replayVisit(state: S, replayed: ReplayedVisit): Promise<FsmStep<S, R>> {
    const { list, visit } = this.enter(state);
    const { record } = replayed;
    if (replayed.ms !== undefined) this.nodeMs[state] = (this.nodeMs[state] ?? 0) + replayed.ms;
    if (record.metadata) {
      // The same object stays shared (callers may hold it); its contents become the journaled ones.
      for (const k of Object.keys(this.metadata)) delete this.metadata[k];
      Object.assign(this.metadata, record.metadata);
    }
    const t: Transition =
      record.kind === "next" ? next(record.to as string, record.value) : stop(record.value);
    return this.settle(state, list, visit, t);
  }

  /** Records a visit's result and follows its transition. */
  private async settle(
    state: S,
    list: unknown[],
    visit: number,
    t: Transition,
  ): Promise<FsmStep<S, R>> {
    list[visit] = t.value;
    this.output = t.value;
    if (this.def.terminal.has(state)) return this.end(state, t.value, "terminal", undefined);
    if (t.kind === "stop") return this.end(state, t.value, "stopped", undefined);
    if (this.cycles >= this.maxCycles) return this.end(state, t.value, "max-cycles", t.to as S);
    this.current = t.to as S;
    return { state, value: t.value as R[keyof R], next: t.to as S, done: false, status: undefined };
  }

  private context(
    state: S,
    cycle: number,
    signal: AbortSignal,
    last: S | undefined,
    attempt: number,
  ): StateContext<S, R> {
    const previous = last === undefined ? undefined : { state: last, value: this.output };
    return {
      state,
      node: state,
      cycle,
      attempt,
      runId: this.runId,
      signal,
      metadata: this.metadata,
      previous,
      visits: (s: S) => this.visits(s),
      get: ((s: string, visit?: number) => this.get(s as never, visit)) as StateContext<
        S,
        R
      >["get"],
      received: ((name: string) => this.received(name)) as StateContext<S, R>["received"],
      emit: (progress: Progress) =>
        this.emit({ type: "progress", runId: this.runId, node: state, progress, at: Date.now() }),
    };
  }

  private async end(
    state: S,
    value: unknown,
    status: FsmStatus,
    pending: S | undefined,
  ): Promise<FsmStep<S, R>> {
    this.done = true;
    this.status = status;
    this.current = state;
    // A resumed waiting run that ends: its taken payloads and parked waits are cleared.
    if (status !== "waiting" && this.waits && this.options.checkpoint) {
      await saveWaits(this.options.checkpoint, this.runId, this.waitRecord([]));
    }
    await this.journal?.finish(status);
    this.endedAt = performance.now();
    this.emit({
      type: "run-complete",
      runId: this.runId,
      status,
      ms: this.endedAt - this.startedAt,
      at: Date.now(),
    });
    return { state, value: value as R[keyof R] | undefined, next: pending, done: true, status };
  }

  private async fail(
    state: S,
    visit: number,
    cause: unknown,
    attempts: number,
    ms: number,
  ): Promise<FsmStep<S, R>> {
    const error = new NodeError(state, cause, attempts);
    this.error = error;
    this.failedState = state;
    this.output = undefined;
    if (this.journal) {
      // Best effort: the run fails with the visit's own error whatever the store says.
      try {
        await this.journal.failed(state, visit, error.message, ms);
      } catch {
        // the failure is reported through the run's error
      }
    }
    this.emit({ type: "node-fail", runId: this.runId, node: state, error, at: Date.now() });
    return this.end(state, undefined, "failed", undefined);
  }

  private cancel(state: S, entered: boolean): Promise<FsmStep<S, R>> {
    const reason: unknown = this.runSignal.reason;
    const why = reason instanceof Error ? reason.message : String(reason ?? "aborted");
    this.error = new Error(`machine '${this.def.name}' cancelled in state '${state}': ${why}`, {
      cause: reason,
    });
    if (entered) this.failedState = state;
    this.output = undefined;
    const last = entered ? state : (this.history[this.history.length - 1] ?? state);
    return this.end(last, undefined, "cancelled", undefined);
  }

  private emit(event: RunEvent): void {
    this.options.onEvent?.(event);
  }

  /**
   * Ends a run rebuilt from another process's journal (its visits replayed by `step()`) the way
   * it ended there: failed or cancelled in the current state. `entered`: the state's visit
   * began (a cancel between visits did not enter one). Runs no handler and journals nothing.
   */
  async conclude(how: {
    status: "failed" | "cancelled";
    error: Error;
    entered: boolean;
    attempts?: number;
  }): Promise<void> {
    if (this.done) throw new Error(`machine '${this.def.name}' run ${this.runId} is already done`);
    const state = this.current;
    if (how.entered) this.enter(state);
    if (how.attempts !== undefined) this.attempts[state] = how.attempts;
    this.error = how.error;
    if (how.entered) this.failedState = state;
    this.output = undefined;
    const last = how.entered ? state : (this.history[this.history.length - 1] ?? state);
    await this.end(last, undefined, how.status, undefined);
  }

  /**
   * For a run rebuilt from a journal: count its visits as executed (they ran, in other
   * processes), report `totalMs` and each state's attempts as measured where they ran.
   */
  adoptRemote(totalMs: number, attempts: Record<string, number>): void {
    this.executed = this.history.length;
    this.remoteTotalMs = totalMs;
    for (const [state, n] of Object.entries(attempts)) {
      if (this.states.has(state)) this.attempts[state] = n;
    }
  }

  /** Per-state record for {@link FsmRun.toJSON}. */
  nodeRecords(): RunRecord["nodes"] {
    const nodes: RunRecord["nodes"] = {};
    for (const s of this.def.states) {
      const list = this.results.get(s);
      const failed = s === this.failedState;
      const rec: RunRecord["nodes"][string] = {
        status: failed ? "failed" : list?.length ? "completed" : "pending",
      };
      if (this.nodeMs[s] !== undefined) rec.ms = roundMs(this.nodeMs[s]);
      if (this.attempts[s] !== undefined) rec.attempts = this.attempts[s];
      if (list?.length) rec.result = list[list.length - 1];
      if (failed && this.error) rec.error = this.error.message;
      setOwn(nodes, s, rec);
    }
    return nodes;
  }

  private runMetrics(): RunMetrics {
    return {
      totalMs: roundMs(this.remoteTotalMs ?? this.endedAt - this.startedAt),
      nodeMs: Object.fromEntries(Object.entries(this.nodeMs).map(([k, v]) => [k, roundMs(v)])),
      executed: this.executed,
      skipped: 0,
      failed: this.status === "failed" ? 1 : 0,
      order: [...this.history],
    };
  }

  get workflow(): string {
    return this.def.name;
  }
}

/** Times to the microsecond, as DAG run records have them (sums of clock reads carry float noise). */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
