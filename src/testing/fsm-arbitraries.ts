/**
 * fast-check arbitraries for random function-return state machines: a plain-data spec, a
 * builder that makes a runnable machine from it, and a reference interpreter that says what a
 * run must do, so a property can compare any run (plain, stepped, retried, resumed) against it.
 */
import type { Arbitrary } from "fast-check";
import fc from "./fast-check.js";
import { fsm } from "../fsm/fsm.js";
import type { FsmMachine, FsmRun, StateContext } from "../fsm/index.js";
import { next, stop } from "../fsm/transition.js";
import type { FsmStatus } from "../run/types.js";

/** One state of a random machine. Scripts and failures cycle: visit `v` uses entry `v % length`. */
export interface FsmSpecState {
  name: string;
  /** Per visit: the index of the state to go to, or -1 to stop. */
  script: number[];
  /** Per visit: how many attempts throw an {@link InjectedFailure} before one succeeds. */
  failures: number[];
  /** Tries per visit (`retry.attempts`); 1 means no retry policy. */
  attempts: number;
  /** The handler returns a promise settled a few macrotask turns later. */
  async: boolean;
}

/** A random function-return machine as plain data. */
export interface FsmSpec {
  states: FsmSpecState[];
  /** Index of the initial state. */
  initial: number;
  /** Indexes of terminal states. */
  terminal: number[];
  maxCycles: number;
}

/** Options of {@link fsmSpecArbitrary}. */
export interface FsmSpecOptions {
  minStates?: number;
  maxStates?: number;
  /** Largest `maxCycles` (default 40). */
  maxCycles?: number;
  /** Inject failing attempts (default false). */
  failures?: boolean;
  /** Give states retry policies (default: when `failures`). */
  retry?: boolean;
  /** Include async handlers (default false). */
  async?: boolean;
}

/**
 * Random machine specs.
 *
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(fsmSpecArbitrary({ failures: true }), fc.nat(100), async (spec, input) => {
 *   const metadata = {};
 *   const run = await buildFsm(spec).run(input, { metadata });
 *   expect(fsmOutcome(run, metadata)).toEqual(referenceFsmRun(spec, input).outcome);
 * }));
 * ```
 */
export function fsmSpecArbitrary(options: FsmSpecOptions = {}): Arbitrary<FsmSpec> {
  const { minStates = 1, maxStates = 6, maxCycles = 40, failures = false, async = false } = options;
  const retry = options.retry ?? failures;
  return fc.integer({ min: minStates, max: maxStates }).chain((n) =>
    fc.record({
      states: fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record<FsmSpecState>({
            name: fc.constant(`s${i}`),
            script: fc.array(fc.integer({ min: -1, max: n - 1 }), { minLength: 1, maxLength: 4 }),
            failures: failures
              ? fc.array(fc.constantFrom<number>(0, 0, 0, 1, 2, 3), { minLength: 1, maxLength: 3 })
              : fc.constant<number[]>([0]),
            attempts: retry ? fc.integer({ min: 1, max: 3 }) : fc.constant(1),
            async: async ? fc.boolean() : fc.constant(false),
          }),
        ),
      ),
      initial: fc.integer({ min: 0, max: n - 1 }),
      terminal: fc.subarray([...Array(n).keys()]),
      maxCycles: fc.integer({ min: 1, max: maxCycles }),
    }),
  );
}

/**
 * What a spec's handlers throw on an injected failing attempt (retried by their policy).
 *
 * @example
 * ```ts
 * run.error?.cause instanceof InjectedFailure; // the visit failed on every allowed attempt
 * ```
 */
export class InjectedFailure extends Error {
  constructor(state: string, visit: number, attempt: number) {
    super(`injected failure in ${state}, visit ${visit}, attempt ${attempt}`);
    this.name = "InjectedFailure";
  }
}

/**
 * What a spec's handler throws at the cycle given as `crashAtCycle` (never retried), standing in
 * for a process that died there.
 *
 * @example
 * ```ts
 * const r = await buildFsm(spec, { crashAtCycle: 2 }).run(1, { checkpoint: store, runId: "p" });
 * r.error?.cause instanceof SimulatedCrash; // true when the run got that far
 * ```
 */
export class SimulatedCrash extends Error {
  constructor(cycle: number) {
    super(`simulated crash at cycle ${cycle}`);
    this.name = "SimulatedCrash";
  }
}

/** Instrumentation for a built spec. */
export interface FsmProbe {
  /** Called at the start of every attempt of every handler. */
  onAttempt?(at: { state: string; visit: number; cycle: number; attempt: number }): void;
  /** Every handler throws a {@link SimulatedCrash} when `ctx.cycle` equals this. */
  crashAtCycle?: number;
}

/**
 * The value visit `visit` of state `index` computes (deterministic; chains through `previous`).
 *
 * @example
 * ```ts
 * fsmSpecValue(0, 0, 0, 5); // 36
 * ```
 */
export function fsmSpecValue(
  index: number,
  visit: number,
  previous: number,
  input: number,
): number {
  return (previous + 31 * (index + 1) + 7 * visit + input) % 1009;
}

/** What a spec's run leaves in `ctx.metadata`: the sum of the values and the states, in order. */
// A type alias (not an interface), so it can be passed as a run's `metadata` record.
export type FsmSpecMetadata = {
  sum?: number;
  trail?: string[];
};

/**
 * Builds a runnable machine from a spec (run input: a number). Each successful visit adds its
 * value to `ctx.metadata.sum` and its state to `ctx.metadata.trail`.
 *
 * @example
 * ```ts
 * const tries: number[] = [];
 * const m = buildFsm(spec, { onAttempt: ({ attempt }) => tries.push(attempt), crashAtCycle: 3 });
 * const r = await m.run(7, { checkpoint: store, runId: "p" }); // fails at cycle 3
 * ```
 */
export function buildFsm(
  spec: FsmSpec,
  probe: FsmProbe = {},
): FsmMachine<number, string, Record<string, unknown>> {
  const names = spec.states.map((s) => s.name);
  const handlers = fsmSpecHandlers(spec, probe);
  // Built in a loop from string[]: the loose builder, whose type stays the same call to call.
  let b = fsm<number>("random_fsm")
    .states(...names)
    .initial(names[spec.initial]);
  spec.states.forEach((s) => {
    const targets = [...new Set(s.script.filter((t) => t >= 0).map((t) => names[t]))];
    b = b.state(s.name, handlers[s.name] as never, {
      to: targets,
      ...(s.attempts > 1
        ? { retry: { attempts: s.attempts, retryOn: (e) => !(e instanceof SimulatedCrash) } }
        : {}),
    });
  });
  return b.build({ maxCycles: spec.maxCycles, terminal: spec.terminal.map((t) => names[t]) });
}

/**
 * The handlers of a spec's states, keyed by state name: what {@link buildFsm} registers, and a
 * registry for rebuilding the machine from its graph with `fsmFromGraph`.
 *
 * @example
 * ```ts
 * const again = fsmFromGraph(parseGraph(graphToJson(buildFsm(spec).graph)), fsmSpecHandlers(spec));
 * ```
 */
export function fsmSpecHandlers(
  spec: FsmSpec,
  probe: FsmProbe = {},
): Record<string, (input: number, ctx: StateContext) => unknown> {
  const names = spec.states.map((s) => s.name);
  const out: Record<string, (input: number, ctx: StateContext) => unknown> = {};
  spec.states.forEach((s, index) => {
    const body = (input: number, ctx: StateContext): unknown => {
      const visit = ctx.visits(s.name) - 1;
      probe.onAttempt?.({ state: s.name, visit, cycle: ctx.cycle, attempt: ctx.attempt });
      if (ctx.cycle === probe.crashAtCycle) throw new SimulatedCrash(ctx.cycle);
      if (ctx.attempt <= s.failures[visit % s.failures.length]) {
        throw new InjectedFailure(s.name, visit, ctx.attempt);
      }
      const previous = (ctx.previous?.value as number | undefined) ?? 0;
      const value = fsmSpecValue(index, visit, previous, input);
      const md = ctx.metadata as FsmSpecMetadata;
      md.sum = (md.sum ?? 0) + value;
      md.trail = [...(md.trail ?? []), s.name];
      const choice = s.script[visit % s.script.length];
      return choice < 0 ? stop(value) : next(names[choice], value);
    };
    out[s.name] = s.async
      ? (input: number, ctx: StateContext) => turns(1 + (index % 2)).then(() => body(input, ctx))
      : body;
  });
  return out;
}

function turns(n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    const tick = (): void => {
      if (--left <= 0) resolve();
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
}

/** What a run of a spec ends as, in the shape {@link fsmOutcome} reads from a real run. */
export interface FsmOutcome {
  status: FsmStatus;
  history: string[];
  /** Each visit's result, in order (`undefined` for a visit that failed). */
  values: (number | undefined)[];
  output: number | undefined;
  metadata: FsmSpecMetadata;
}

/**
 * The reference semantics: the outcome, and how many attempts each visit made, in order.
 *
 * @example
 * ```ts
 * const { outcome, tries } = referenceFsmRun(spec, 7);
 * outcome.status; // "stopped" | "terminal" | "max-cycles" | "failed"
 * ```
 */
export function referenceFsmRun(
  spec: FsmSpec,
  input: number,
): { outcome: FsmOutcome; tries: number[] } {
  const history: string[] = [];
  const values: (number | undefined)[] = [];
  const tries: number[] = [];
  const visits = new Map<number, number>();
  const metadata: FsmSpecMetadata = {};
  let index = spec.initial;
  let previous = 0;
  const done = (status: FsmStatus, output: number | undefined) => ({
    outcome: { status, history, values, output, metadata },
    tries,
  });
  for (;;) {
    const s = spec.states[index];
    const visit = visits.get(index) ?? 0;
    visits.set(index, visit + 1);
    history.push(s.name);
    const failing = s.failures[visit % s.failures.length];
    if (failing >= s.attempts) {
      tries.push(s.attempts);
      values.push(undefined);
      return done("failed", undefined);
    }
    tries.push(failing + 1);
    const value = fsmSpecValue(index, visit, previous, input);
    values.push(value);
    metadata.sum = (metadata.sum ?? 0) + value;
    metadata.trail = [...(metadata.trail ?? []), s.name];
    previous = value;
    if (spec.terminal.includes(index)) return done("terminal", value);
    const choice = s.script[visit % s.script.length];
    if (choice < 0) return done("stopped", value);
    if (history.length >= spec.maxCycles) return done("max-cycles", value);
    index = choice;
  }
}

/**
 * A real run's outcome, for comparison with {@link referenceFsmRun} (pass the run's metadata).
 *
 * @example
 * ```ts
 * const metadata = {};
 * const run = await buildFsm(spec).run(7, { metadata });
 * expect(fsmOutcome(run, metadata)).toEqual(referenceFsmRun(spec, 7).outcome);
 * ```
 */
export function fsmOutcome(
  run: FsmRun<string, Record<string, unknown>>,
  metadata: FsmSpecMetadata,
): FsmOutcome {
  const seen = new Map<string, number>();
  const values = run.history.map((s) => {
    const k = seen.get(s) ?? 0;
    seen.set(s, k + 1);
    return run.get(s, k) as number | undefined;
  });
  const outcome: FsmOutcome = {
    status: run.status,
    history: [...run.history],
    values,
    output: run.output as number | undefined,
    metadata: { ...metadata },
  };
  return outcome;
}
