/**
 * Debug sessions of function-return state machines: the session drives the machine's stepper
 * and pauses before state visits (each visit is one unit; a state visited three times can pause
 * three times).
 */
import type { FsmRunOptions, Stepper } from "../fsm/run.js";
import { DebugCore, type DebugPauseBase, type DebugSession } from "./core.js";
import { checkName, matchNamed } from "./breakpoints.js";

/** What a paused FSM visit is about to be, and what `when` sees. */
export interface FsmDebugContext<S extends string> {
  /** The state whose handler runs next. */
  readonly state: S;
  /** 0-based visit of `state` this will be (0: its first). */
  readonly visit: number;
  /** Handlers run before this one (the visit's `ctx.cycle`). */
  readonly cycle: number;
  /** States entered so far, oldest first. */
  readonly history: readonly S[];
  /** The run's shared `ctx.metadata`. */
  readonly metadata: Record<string, unknown>;
}

/**
 * A breakpoint of an FSM debug session: a state (pauses at each of its visits), or a state and a
 * condition on the run input and the visit.
 */
export type FsmBreakpoint<I, S extends string> =
  | S
  | {
      node: S;
      /** Pauses only when this returns true. */
      when?: (input: I, ctx: FsmDebugContext<S>) => unknown;
    };

/** Options of `machine.debug`: run options and breakpoints. */
export interface FsmDebugOptions<I, S extends string> extends Omit<FsmRunOptions, "signal"> {
  breakpoints?: readonly FsmBreakpoint<I, S>[];
}

/** Where an FSM debug session paused: before a visit of `node`, whose handler gets `args`. */
export type FsmPause<I, S extends string> = DebugPauseBase<S, I, FsmDebugContext<S>>;

/** Each visited state's latest result. */
export type FsmResults<S extends string, R> = { [K in S]?: K extends keyof R ? R[K] : unknown };

/**
 * A debug session of a state machine run (see `machine.debug`); `setArgs` replaces the input the
 * paused visit's handler gets (that visit only).
 */
export type FsmDebugSession<I, S extends string, R, Run> = DebugSession<
  FsmPause<I, S>,
  Run,
  I,
  FsmResults<S, R>
>;

type Breakpoint = FsmBreakpoint<unknown, string>;

/** Makes the session; throws at once on a breakpoint naming no state. */
export function debugFsm<Run>(
  name: string,
  states: readonly string[],
  start: (options: FsmRunOptions) => Stepper<string, Record<string, unknown>>,
  finish: (stepper: Stepper<string, Record<string, unknown>>) => Promise<Run>,
  input: unknown,
  options: FsmDebugOptions<unknown, string> = {},
): DebugSession<FsmPause<unknown, string>, Run, unknown, Record<string, unknown>> {
  const { breakpoints = [], ...runOptions } = options;
  if (!Array.isArray(breakpoints)) {
    throw new TypeError(`debug '${name}': 'breakpoints' must be an array`);
  }
  const byState = new Map<string, Breakpoint[]>();
  for (const b of breakpoints as readonly Breakpoint[]) {
    const state = typeof b === "object" && b !== null ? b.node : b;
    checkName(name, "state", state, states);
    const list = byState.get(state) ?? [];
    list.push(b);
    byState.set(state, list);
  }
  const controller = new AbortController();
  let stepper: Stepper<string, Record<string, unknown>> | undefined;
  const metadata = runOptions.metadata ?? {};
  const core: DebugCore<FsmPause<unknown, string>, Run> = new DebugCore(
    name,
    async () => {
      const user = runOptions.onEvent;
      const s = start({
        ...runOptions,
        metadata,
        signal: controller.signal,
        onEvent: (e) => {
          core.onEvent(e);
          user?.(e);
        },
      });
      stepper = s;
      while (!s.done) {
        const state = s.current;
        const ctx: FsmDebugContext<string> = {
          state,
          visit: s.visits(state),
          cycle: s.cycles,
          history: [...s.history],
          metadata,
        };
        let args: unknown = input;
        try {
          args = await core.gate((index) => ({
            paused: true,
            node: state,
            args: input,
            ctx,
            index,
          }));
        } catch {
          // Aborted: the signal is aborted, so the step below ends the run cancelled.
        }
        if (args !== input) s.nextInput = { value: args };
        await s.step();
      }
      return finish(s);
    },
    (pause) => matchNamed(byState.get(pause.node), pause.args, pause.ctx),
    (reason) => controller.abort(reason),
  );
  return core.session(() => {
    const out: Record<string, unknown> = {};
    if (!stepper) return out;
    for (const state of states) {
      if (stepper.visits(state) > 0) out[state] = stepper.get(state);
    }
    return out;
  });
}
