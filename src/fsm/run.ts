/**
 * Running a function-return state machine: the stepper that `machine.start(input)` gives, and the
 * run result that `machine.run(input)` (which drives a stepper to the end) returns.
 */
import { randomUUID } from "node:crypto";
import { withTimeout } from "../run/execute.js";
import {
  NodeError,
  RunFailedError,
  type FsmStatus,
  type NodeContext,
  type NodeStatus,
  type Progress,
  type RunEvent,
  type RunMetrics,
  type RunRecord,
} from "../run/types.js";
import { isTransition, type Transition } from "./transition.js";

/**
 * What a state handler receives as its second argument. It is a {@link NodeContext} (so helpers
 * written for DAG nodes work in states too; `node` is the state and `attempt` is always 1) plus
 * what is particular to state machines.
 */
export interface StateContext<S extends string = string, R = {}> extends NodeContext {
  /** The state being executed. */
  readonly state: S;
  /** How many handlers ran before this one in this run (0 for the initial state). */
  readonly cycle: number;
  /** The state that ran before this one and its result, or `undefined` on the first cycle. */
  readonly previous: { readonly state: S; readonly value: unknown } | undefined;
  /** Entries of `state` so far in this run, the current one included. */
  visits(state: S): number;
  /**
   * Result of an earlier visit of `state` (the latest, or the 0-based `visit`); `undefined` when
   * it has not run (that often). Typed for states whose handlers were declared before this one.
   */
  get<K extends S & keyof R>(state: K, visit?: number): R[K] | undefined;
  get(state: S, visit?: number): unknown;
}

/** A state handler: gets the run input and the context, returns `next(...)` or `stop(...)`. */
export type StateHandler<I, S extends string, R, T> = (
  input: I,
  ctx: StateContext<S, R>,
) => T | Promise<T>;

/** Options of one run. */
export interface FsmRunOptions {
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
}

/** `run(input, options)`, with `input` optional when the machine's input type allows `undefined`. */
export type FsmRunArgs<I> = undefined extends I
  ? [input?: I, options?: FsmRunOptions]
  : [input: I, options?: FsmRunOptions];

/** A state name, or a state and a 0-based visit: `"yellow"`, `"yellow.2"`. */
export type StateRef<K extends string> = K | `${K}.${number}`;

/** What one `step()` did. */
export interface FsmStep<S extends string, R> {
  /** The state whose handler ran. */
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
  /** Handlers executed. */
  readonly cycles: number;
  /** The last state that ran (`undefined` if the run was cancelled before the first). */
  readonly state: S | undefined;
  /** The result of the last state that ran (the `stop` value, the terminal state's result, ...). */
  readonly output: R[keyof R] | undefined;
  /** The error of a failed or cancelled run; `cause` is what the handler threw. */
  readonly error: Error | undefined;
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
  timeouts: ReadonlyMap<string, number>;
}

/** Splits `"yellow.2"` into `["yellow", 2]`; a plain name (or an explicit `visit`) passes through. */
function parseStateRef(ref: string, visit: number | undefined): [string, number | undefined] {
  if (visit !== undefined) return [ref, visit];
  const dot = ref.lastIndexOf(".");
  if (dot < 0) return [ref, undefined];
  const n = Number(ref.slice(dot + 1));
  return Number.isInteger(n) ? [ref.slice(0, dot), n] : [ref, undefined];
}

const ABORTED = Symbol("aborted");

/** Waits for `p` unless `signal` aborts first. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** The one execution core: `run` is `start(...).finish()`. */
export class Stepper<S extends string, R> implements FsmStepper<S, R> {
  readonly runId: string;
  current: S;
  done = false;
  status: FsmStatus | undefined;
  readonly history: S[] = [];
  cycles = 0;
  private readonly results = new Map<string, unknown[]>();
  private readonly nodeMs: Record<string, number> = {};
  private readonly metadata: Record<string, unknown>;
  private readonly maxCycles: number;
  private readonly startedAt = performance.now();
  private endedAt = 0;
  private error: Error | undefined;
  private output: unknown;
  private failedState: string | undefined;
  private busy = false;

  constructor(
    private readonly def: MachineDef,
    private readonly input: unknown,
    private readonly options: FsmRunOptions = {},
  ) {
    this.runId = options.runId ?? randomUUID();
    this.current = def.initial as S;
    this.metadata = options.metadata ?? {};
    this.maxCycles = options.maxCycles ?? def.maxCycles;
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
    const external = this.options.signal;
    if (external?.aborted) return this.cancel(state, external, false);

    // The visit counts from entry (in ctx.visits, and in the run even if the handler fails); its
    // slot holds the result once there is one.
    const list = this.results.get(state) ?? [];
    this.results.set(state, list);
    const visit = list.push(undefined) - 1;
    this.history.push(state);
    const cycle = this.cycles++;

    // The handler's signal aborts on the run's signal, or (through withTimeout, as DAG nodes
    // time out) when the state's timeout passes.
    const timeoutMs = this.def.timeouts.get(state);
    const ctl = new AbortController();
    const onExternal = (): void => ctl.abort(external?.reason);
    external?.addEventListener("abort", onExternal, { once: true });
    const last = this.history.length >= 2 ? this.history[this.history.length - 2] : undefined;
    const ctx = this.context(state, cycle, ctl.signal, last);

    this.emit({ type: "node-start", runId: this.runId, node: state, attempt: 1, at: Date.now() });
    const t0 = performance.now();
    let outcome: unknown;
    try {
      const handler = this.def.handlers.get(state) as RawHandler;
      const pending = handler(this.input, ctx as StateContext);
      const timed = timeoutMs === undefined ? pending : withTimeout(pending, timeoutMs, state, ctl);
      outcome = await raceAbort(Promise.resolve(timed), ctl.signal);
    } catch (e) {
      return this.fail(state, e);
    } finally {
      external?.removeEventListener("abort", onExternal);
      this.nodeMs[state] = (this.nodeMs[state] ?? 0) + (performance.now() - t0);
    }
    if (outcome === ABORTED) {
      if (external?.aborted) return this.cancel(state, external, true);
      return this.fail(state, ctl.signal.reason);
    }
    if (!isTransition(outcome)) {
      return this.fail(
        state,
        new TypeError(
          `handler returned ${describe(outcome)}; return next(state, value) or stop(value)`,
        ),
      );
    }
    const t = outcome as Transition;
    if (t.kind === "next" && !this.def.handlers.has(t.to)) {
      return this.fail(
        state,
        new TypeError(`next('${t.to}'): no such state (declared: ${this.def.states.join(", ")})`),
      );
    }
    list[visit] = t.value;
    this.output = t.value;
    const ms = performance.now() - t0;
    this.emit({ type: "node-complete", runId: this.runId, node: state, ms, at: Date.now() });

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
  ): StateContext<S, R> {
    const self = this;
    return {
      state,
      node: state,
      cycle,
      attempt: 1,
      runId: this.runId,
      signal,
      metadata: this.metadata,
      previous: last === undefined ? undefined : { state: last, value: this.output },
      visits: (s: S) => self.visits(s),
      get: ((s: string, visit?: number) => self.get(s as never, visit)) as StateContext<
        S,
        R
      >["get"],
      emit: (progress: Progress) =>
        self.emit({ type: "progress", runId: self.runId, node: state, progress, at: Date.now() }),
    };
  }

  private end(state: S, value: unknown, status: FsmStatus, pending: S | undefined): FsmStep<S, R> {
    this.done = true;
    this.status = status;
    this.current = state;
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

  private fail(state: S, cause: unknown): FsmStep<S, R> {
    const error = new NodeError(state, cause);
    this.error = error;
    this.failedState = state;
    this.output = undefined;
    this.emit({ type: "node-fail", runId: this.runId, node: state, error, at: Date.now() });
    return this.end(state, undefined, "failed", undefined);
  }

  private cancel(state: S, signal: AbortSignal, entered: boolean): FsmStep<S, R> {
    const reason: unknown = signal.reason;
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

  /** Per-state record for {@link FsmRun.toJSON}. */
  nodeRecords(): RunRecord["nodes"] {
    const nodes: RunRecord["nodes"] = {};
    for (const s of this.def.states) {
      const list = this.results.get(s);
      const failed = s === this.failedState;
      const status: NodeStatus = failed ? "failed" : list?.length ? "completed" : "pending";
      const rec: RunRecord["nodes"][string] = { status };
      if (this.nodeMs[s] !== undefined) rec.ms = this.nodeMs[s];
      if (list?.length) rec.result = list[list.length - 1];
      if (failed && this.error) rec.error = this.error.message;
      nodes[s] = rec;
    }
    return nodes;
  }

  private runMetrics(): RunMetrics {
    return {
      totalMs: this.endedAt - this.startedAt,
      nodeMs: { ...this.nodeMs },
      executed: this.cycles,
      skipped: 0,
      failed: this.status === "failed" ? 1 : 0,
      order: [...this.history],
    };
  }

  get workflow(): string {
    return this.def.name;
  }
}

function describe(x: unknown): string {
  if (x === undefined || x === null) return String(x);
  if (typeof x === "object") return "an object that is not a transition";
  return `a ${typeof x}`;
}

class FsmRunResult<S extends string, R> implements FsmRun<S, R> {
  readonly runId: string;
  readonly workflow: string;
  readonly status: FsmStatus;
  readonly history: readonly S[];
  readonly cycles: number;
  readonly state: S | undefined;

  constructor(
    private readonly stepper: Stepper<S, R>,
    readonly error: Error | undefined,
    private readonly value: unknown,
    readonly metrics: RunMetrics,
  ) {
    this.runId = stepper.runId;
    this.workflow = stepper.workflow;
    this.status = stepper.status as FsmStatus;
    this.history = [...stepper.history];
    this.cycles = stepper.cycles;
    this.state = this.history.length > 0 ? stepper.current : undefined;
  }

  get output(): R[keyof R] | undefined {
    return this.value as R[keyof R] | undefined;
  }

  get<K extends S & keyof R>(ref: StateRef<K>, visit?: number): R[K] | undefined {
    return this.stepper.get(ref, visit);
  }

  visits(state: S): number {
    return this.stepper.visits(state);
  }

  orThrow(): this {
    if (this.status === "stopped" || this.status === "terminal") return this;
    const errors = this.error instanceof NodeError ? [this.error] : [];
    throw new RunFailedError(this.workflow, this.status, errors);
  }

  toJSON(): RunRecord {
    const record: RunRecord = {
      runId: this.runId,
      workflow: this.workflow,
      status: this.status,
      nodes: this.stepper.nodeRecords(),
      metrics: this.metrics,
      errors: this.error ? [{ node: this.stepper.current, message: this.error.message }] : [],
      history: [...this.history],
    };
    if (this.value !== undefined) record.output = this.value;
    return record;
  }
}
