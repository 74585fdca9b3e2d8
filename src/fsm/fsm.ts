/**
 * The typed builder of function-return state machines: each state has a handler that returns
 * `next(state, value)` or `stop(value)`.
 *
 * @example
 * ```ts
 * import { fsm, next, stop } from "weft";
 * const light = fsm<{ limit: number }>("traffic_light")
 *   .states("red", "green", "yellow")
 *   .initial("red")
 *   .state("red", () => next("green", "red"))
 *   .state("green", () => next("yellow", "green"))
 *   .state("yellow", (input, ctx) =>
 *     ctx.visits("yellow") >= input.limit ? stop("yellow") : next("red", "yellow"))
 *   .build({ maxCycles: 50 });
 * const r = await light.run({ limit: 3 }); // r.status === "stopped", r.cycles === 9
 * ```
 */
import type { Simplify } from "../dag/type-utils.js";
import type { Graph, GraphEdge, GraphNode } from "../graph/types.js";
import { EventChannel } from "../run/event-channel.js";
import type { RunEvent } from "../run/types.js";
import { checkDeclared, checkNames } from "./names.js";
import {
  Stepper,
  type FsmRun,
  type FsmRunArgs,
  type FsmRunOptions,
  type FsmStepper,
  type MachineDef,
  type RawHandler,
  type StateHandler,
} from "./run.js";
import type { Transition, TransitionValue } from "./transition.js";

/** Cycle limit when `build` is given none. */
export const DEFAULT_MAX_CYCLES = 1000;

/** Options of `build`. */
export interface FsmBuildOptions<S extends string> {
  /** Most handlers one run executes; reaching it ends the run with status `"max-cycles"`. */
  maxCycles?: number;
  /** States that end the run (status `"terminal"`) once their handler has run. */
  terminal?: readonly S[];
}

/** Options of one state. */
export interface StateOptions<To extends string> {
  /**
   * The states the handler may go to. When given, `next` to any other state does not compile,
   * and the machine's graph has exactly these transitions (otherwise they are read, best effort,
   * from the handler's source).
   */
  to?: readonly To[];
  /** Fails the run when the handler takes longer (its `ctx.signal` aborts). */
  timeoutMs?: number;
  /** Description, shown in the graph and diagrams. */
  doc?: string;
}

/** `fsm<I>(name)`: declare the states next. */
export interface FsmStart<I> {
  /**
   * Declares every state of the machine (names are distinct, non-empty, without '.'). Given a
   * `string[]` instead of literals (machines built in loops), the builder is loose: its type does
   * not change from call to call, any string is a state, and results are `unknown`.
   */
  states<const N extends string>(...names: N[]): FsmBuilder<I, N, InitialResults<N>>;
}

/** Results known before any handler: none, or (loose builders) `unknown` for every state. */
export type InitialResults<S extends string> = string extends S ? Record<string, unknown> : {};

/** `name`, or (for a state that already has a handler) a message that makes the call a type error. */
type StateName<S extends string, R, K extends string> = string extends S
  ? K
  : K extends keyof R
    ? `state '${K}' already has a handler`
    : K;

/** Missing handlers, as a type error at `build()` that names each state. */
type MissingHandlers<S extends string, R> = [Exclude<S, keyof R>] extends [never]
  ? unknown
  : { [K in Exclude<S, keyof R> as `state '${K}' has no handler`]: true };

/**
 * Builder of a function-return state machine with input `I`, states `S`, and results `R` (state
 * name to the type of the values its handler passes to `next`/`stop`).
 */
export interface FsmBuilder<I, S extends string, R> {
  /** The state a run starts in (the first declared state by default). */
  initial(state: S): FsmBuilder<I, S, R>;
  /**
   * The handler of state `name`; once per state. What it passes to `next`/`stop` becomes the
   * state's result type, and `next` targets must be declared states (or among `options.to`).
   */
  state<K extends S, T extends Transition<To, unknown>, const To extends S = S>(
    name: StateName<S, R, K>,
    handler: StateHandler<I, S, R, T>,
    options?: StateOptions<To>,
  ): FsmBuilder<I, S, string extends S ? R : R & { [P in K]: TransitionValue<T> }>;
  /** The machine. Every declared state needs a handler first (a compile error names the ones missing). */
  build(
    this: FsmBuilder<I, S, R> & MissingHandlers<S, R>,
    options?: FsmBuildOptions<S>,
  ): FsmMachine<I, S, Simplify<R>>;
}

/** A built function-return state machine. */
export interface FsmMachine<I, S extends string, R> {
  readonly kind: "fsm";
  readonly name: string;
  readonly states: readonly S[];
  readonly initial: S;
  readonly terminal: readonly S[];
  readonly maxCycles: number;
  /** The machine as graph IR (states, known transitions, initial and terminal states). */
  readonly graph: Graph;
  /** Runs from the initial state until a stop, a terminal state, the cycle limit or a failure. */
  run(...args: FsmRunArgs<I>): Promise<FsmRun<S, R>>;
  /** Runs the machine and yields its events as they happen; `.result` resolves to the run. */
  stream(...args: FsmRunArgs<I>): FsmRunStream<S, R>;
  /** A stepper that runs one handler per `step()`. */
  start(...args: FsmRunArgs<I>): FsmStepper<S, R>;
}

/** The events of one run as an async iterable (ends after `run-complete`), and its result. */
export interface FsmRunStream<S extends string, R> extends AsyncIterable<RunEvent> {
  readonly result: Promise<FsmRun<S, R>>;
}

interface StateDef {
  handler: RawHandler;
  options: StateOptions<string>;
}

interface BuilderData {
  name: string;
  states: readonly string[];
  initial: string;
  defs: ReadonlyMap<string, StateDef>;
}

/**
 * Starts a function-return state machine named `name` whose runs take input `I`.
 *
 * @example
 * ```ts
 * const m = fsm<{ n: number }>("countdown")
 *   .states("tick")
 *   .state("tick", (input, ctx) =>
 *     ctx.visits("tick") < input.n ? next("tick", ctx.visits("tick")) : stop("done"))
 *   .build();
 * ```
 */
export function fsm<I = undefined>(name: string): FsmStart<I> {
  if (typeof name !== "string" || name === "") throw new TypeError("fsm(name): name is required");
  return {
    states: (...names: string[]) => {
      checkNames(name, "state", names);
      return builder({ name, states: names, initial: names[0], defs: new Map() });
    },
  } as unknown as FsmStart<I>;
}

// The typed surface is the FsmBuilder interface; this object is its untyped implementation.
// Each call returns a new builder, so a partly built machine can be reused.
function builder(data: BuilderData): FsmBuilder<never, string, never> {
  const declared = new Set(data.states);
  return {
    initial(state: string) {
      checkDeclared(data.name, "initial state", state, declared);
      return builder({ ...data, initial: state });
    },
    state(name: string, handler: unknown, options: StateOptions<string> = {}) {
      checkDeclared(data.name, "state", name, declared);
      if (data.defs.has(name)) {
        throw new TypeError(`machine '${data.name}': state '${name}' already has a handler`);
      }
      if (typeof handler !== "function") {
        throw new TypeError(
          `machine '${data.name}': the handler of state '${name}' is not a function`,
        );
      }
      const t = options.timeoutMs;
      if (t !== undefined && !(typeof t === "number" && t > 0 && Number.isFinite(t))) {
        throw new TypeError(
          `machine '${data.name}': timeoutMs of '${name}' must be a positive number`,
        );
      }
      for (const to of options.to ?? [])
        checkDeclared(data.name, `target of '${name}'`, to, declared);
      const defs = new Map(data.defs);
      defs.set(name, { handler: handler as StateDef["handler"], options });
      return builder({ ...data, defs });
    },
    build(options: FsmBuildOptions<string> = {}) {
      return buildMachine(data, options);
    },
  } as unknown as FsmBuilder<never, string, never>;
}

function buildMachine(
  data: BuilderData,
  options: FsmBuildOptions<string>,
): FsmMachine<unknown, string, Record<string, unknown>> {
  const declared = new Set(data.states);
  const missing = data.states.filter((s) => !data.defs.has(s));
  if (missing.length > 0) {
    throw new TypeError(
      `machine '${data.name}': no handler for state ${missing.map((s) => `'${s}'`).join(", ")}`,
    );
  }
  const terminal = [...(options.terminal ?? [])];
  for (const t of terminal) checkDeclared(data.name, "terminal state", t, declared);
  const maxCycles = options.maxCycles ?? DEFAULT_MAX_CYCLES;
  if (!Number.isInteger(maxCycles) || maxCycles < 1) {
    throw new TypeError(`machine '${data.name}': maxCycles must be a positive integer`);
  }
  const handlers = new Map<string, StateDef["handler"]>();
  const timeouts = new Map<string, number>();
  for (const [s, d] of data.defs) {
    handlers.set(s, d.handler);
    if (d.options.timeoutMs !== undefined) timeouts.set(s, d.options.timeoutMs);
  }
  const def: MachineDef = {
    name: data.name,
    states: data.states,
    initial: data.initial,
    terminal: new Set(terminal),
    maxCycles,
    handlers,
    timeouts,
  };
  const graph = fsmGraph(data, terminal, maxCycles);
  const start = (input?: unknown, runOptions?: FsmRunOptions) =>
    new Stepper<string, Record<string, unknown>>(def, input, runOptions);
  const run = (input?: unknown, runOptions?: FsmRunOptions) => start(input, runOptions).finish();
  return {
    kind: "fsm",
    name: data.name,
    states: data.states,
    initial: data.initial,
    terminal,
    maxCycles,
    graph,
    start,
    run,
    stream: (input?: unknown, runOptions: FsmRunOptions = {}) => {
      const channel = new EventChannel<RunEvent>();
      const result = run(input, {
        ...runOptions,
        onEvent: (e) => {
          runOptions.onEvent?.(e);
          channel.push(e);
          if (e.type === "run-complete") channel.close();
        },
      });
      result.catch((e: unknown) => channel.fail(e));
      return Object.assign(channel, { result });
    },
  };
}

function fsmGraph(data: BuilderData, terminal: string[], maxCycles: number): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const s of data.states) {
    const d = data.defs.get(s) as StateDef;
    const node: GraphNode = { name: s, kind: "state" };
    const scanned = scanHandler(d.handler, data.states);
    const targets = d.options.to ? [...new Set(d.options.to)] : scanned.targets;
    if (targets) node.targets = targets;
    if (scanned.canStop !== undefined) node.canStop = scanned.canStop;
    if (d.handler.name && d.handler.name !== s) node.fn = { name: d.handler.name };
    if (d.options.timeoutMs !== undefined) node.options = { timeoutMs: d.options.timeoutMs };
    if (d.options.doc) node.doc = d.options.doc;
    nodes.push(node);
    for (const to of targets ?? []) edges.push({ from: s, to });
  }
  return {
    version: 1,
    kind: "fsm",
    name: data.name,
    nodes,
    edges,
    fsm: { initial: data.initial, terminal, maxCycles, style: "function" },
  };
}

/**
 * Reads a handler's transitions from its source text: the targets of `next("...")` calls and
 * whether it calls `stop(`. Best effort, for graphs and diagrams of machines built at run time
 * (the compiler reads them from the TypeScript source instead): targets are `undefined` unless
 * every `next(` call names a declared state literally, and `canStop` is `undefined` when nothing
 * is known.
 */
export function scanHandler(
  handler: (...args: never[]) => unknown,
  states: readonly string[],
): { targets?: string[]; canStop?: boolean } {
  const src = Function.prototype.toString.call(handler);
  // `next(`, and `(0, mod.next)(` as CommonJS transpilers write an imported call.
  const calls = [...src.matchAll(/\bnext\)?\s*\(\s*(?:(["'`])([^"'`]*)\1)?/g)];
  const canStop = /\bstop\)?\s*\(/.test(src);
  if (calls.length === 0) return canStop ? { targets: [], canStop } : {};
  const declared = new Set(states);
  const targets: string[] = [];
  for (const m of calls) {
    const to = m[2];
    if (to === undefined || !declared.has(to)) return canStop ? { canStop } : {};
    if (!targets.includes(to)) targets.push(to);
  }
  return { targets, canStop };
}
