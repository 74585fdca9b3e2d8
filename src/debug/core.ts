/**
 * The part of a debug session every kind of workflow shares: the run goes on in the background
 * and calls `gate` before each unit of work (a DAG node, an FSM visit, a machine event); the gate
 * pauses there when the session steps or a breakpoint matches, and `continue`/`step` let it go.
 *
 * A paused session holds no timer nor handle: only an unsettled promise, which never keeps a
 * Node.js process alive. A process that has nothing else to do exits with the session paused.
 */
import { createTraceRecorder, type ChromeTrace, type TraceRecorder } from "../run/trace.js";
import type { RunEvent } from "../run/types.js";

/** Where a debug session stopped: before `node` runs, with the arguments it will get. */
export interface DebugPauseBase<N extends string, A, C> {
  readonly paused: true;
  /** The DAG node, FSM state or machine event about to run. */
  readonly node: N;
  /** What it will be called with; `session.setArgs` replaces it. */
  readonly args: A;
  readonly ctx: C;
  /** 0-based position of this unit among those the run reached (paused at or not). */
  readonly index: number;
  /** Set when a breakpoint's `when` threw: the session paused here so you can look. */
  readonly conditionError?: unknown;
}

/**
 * A debug session: a run that pauses before the units of work its breakpoints name. The same
 * shape for DAGs, function-return FSMs and event-driven machines; `P` is where it pauses, `Run`
 * what it ends with, `A` the arguments of a pause, `Res` what `results()` gives.
 */
export interface DebugSession<P, Run, A, Res> {
  /**
   * Runs to the next breakpoint (resolves to the pause) or to the end (resolves to the run's
   * result). The run starts on the first `continue` or `step`.
   */
  continue(): Promise<P | Run>;
  /** Runs the paused unit and pauses before the next one (from the start: pauses at the first). */
  step(): Promise<P | Run>;
  /** Replaces the arguments the paused unit will run with. Throws unless paused. */
  setArgs(args: A): void;
  /** What has completed so far. */
  results(): Res;
  /** The Chrome trace (Perfetto) of what ran so far. */
  trace(): ChromeTrace;
  /**
   * Ends the run: nothing more starts, the paused unit does not run, and the result (status
   * `"cancelled"`) is returned.
   */
  abort(reason?: unknown): Promise<Run>;
  /** The current pause; `undefined` while running, before the start and once done. */
  readonly paused: P | undefined;
  /** Whether the run has ended. */
  readonly done: boolean;
}

/** A breakpoint's test, as each kind resolves it. */
export type Matcher<P> = (pause: P) => boolean;

/** Thrown into a paused unit that `abort()` ended. */
export class DebugAbortedError extends Error {
  constructor(workflow: string) {
    super(`the debug session of '${workflow}' was aborted`);
    this.name = "DebugAbortedError";
  }
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

interface Pausable {
  readonly args: unknown;
  readonly index: number;
}

/**
 * The session's state machine. `start` begins the run (with `gate` wired in) and resolves to its
 * result; `matches` says whether a pause hits a breakpoint (`"error"` with the error when the
 * condition threw).
 */
export class DebugCore<P extends Pausable, Run> {
  paused: P | undefined;
  done = false;
  private started = false;
  private mode: "continue" | "step" | "abort" = "continue";
  private waiter: Waiter<P | Run> | undefined;
  private release: Waiter<unknown> | undefined;
  private nextArgs: unknown;
  private result: Run | undefined;
  private ending: Promise<Run> | undefined;
  private count = 0;
  readonly recorder: TraceRecorder = createTraceRecorder();

  constructor(
    private readonly workflow: string,
    private readonly begin: () => Promise<Run>,
    private readonly matches: (pause: P) => { hit: boolean; error?: unknown },
    /** Called by `abort()` before the paused unit is let go (cancels the run). */
    private readonly onAbort: (reason: unknown) => void,
  ) {}

  /** The next unit's 0-based index. */
  nextIndex(): number {
    return this.count;
  }

  /** Feeds a run event to the trace. */
  readonly onEvent = (e: RunEvent): void => this.recorder.onEvent(e);

  /** Called by the run before each unit; resolves to the arguments to run it with. */
  gate(make: (index: number) => P): Promise<unknown> {
    const pause = make(this.count++);
    if (this.mode === "abort") return Promise.reject(new DebugAbortedError(this.workflow));
    let hit = this.mode === "step";
    let conditionError: unknown;
    let failed = false;
    if (!hit) {
      const m = this.matches(pause);
      hit = m.hit;
      if ("error" in m) {
        failed = true;
        conditionError = m.error;
      }
    }
    if (!hit) return Promise.resolve(pause.args);
    const shown = failed ? { ...pause, conditionError } : pause;
    this.paused = shown;
    this.nextArgs = pause.args;
    return new Promise<unknown>((resolve, reject) => {
      this.release = { resolve, reject };
      this.settle(shown);
    });
  }

  private settle(v: P | Run): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve(v);
  }

  resume(mode: "continue" | "step"): Promise<P | Run> {
    if (this.done) return Promise.resolve(this.result as Run);
    if (this.waiter) {
      return Promise.reject(
        new Error(
          `debug session of '${this.workflow}': ${mode}() called while the run is going on; await the previous call`,
        ),
      );
    }
    this.mode = mode;
    const p = new Promise<P | Run>((resolve, reject) => (this.waiter = { resolve, reject }));
    if (!this.started) this.startRun();
    else this.letGo();
    return p;
  }

  private startRun(): void {
    this.started = true;
    this.ending = this.begin().then(
      (run) => {
        this.done = true;
        this.paused = undefined;
        this.result = run;
        this.settle(run);
        return run;
      },
      (e: unknown) => {
        this.done = true;
        this.paused = undefined;
        const w = this.waiter;
        this.waiter = undefined;
        w?.reject(e);
        throw e;
      },
    );
  }

  private letGo(): void {
    const r = this.release;
    this.release = undefined;
    this.paused = undefined;
    if (!r) return;
    if (this.mode === "abort") r.reject(new DebugAbortedError(this.workflow));
    else r.resolve(this.nextArgs);
  }

  setArgs(args: unknown): void {
    if (!this.paused) {
      throw new Error(
        `debug session of '${this.workflow}': setArgs() needs a paused session (${this.done ? "the run has ended" : "nothing is paused"})`,
      );
    }
    this.nextArgs = args;
  }

  /** The session object over this core (the same for every kind); `results` gives `results()`. */
  session<A, Res>(results: () => Res): DebugSession<P, Run, A, Res> {
    const core = this;
    return {
      continue: () => core.resume("continue"),
      step: () => core.resume("step"),
      setArgs: (args: A) => core.setArgs(args),
      abort: (reason?: unknown) => core.abort(reason),
      trace: (): ChromeTrace => core.recorder.toJSON(),
      results,
      get paused() {
        return core.paused;
      },
      get done() {
        return core.done;
      },
    };
  }

  async abort(reason: unknown): Promise<Run> {
    if (this.done) return this.result as Run;
    this.mode = "abort";
    this.onAbort(reason ?? new DebugAbortedError(this.workflow));
    if (!this.started) this.startRun();
    else this.letGo();
    // A continue() still waiting gets the result too.
    const run = await (this.ending as Promise<Run>);
    return run;
  }
}
