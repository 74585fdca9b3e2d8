/**
 * The typed builder of function-return state machines: each state has a handler that returns
 * `next(state, value)` or `stop(value)`.
 *
 * @example
 * ```ts
 * import { fsm, next, stop } from "weftjs";
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
import type {
  Add,
  ChunkSize,
  Fits,
  IsNever,
  Simplify,
  TypeError as CompileError,
} from "../dag/type-utils.js";
import type { Graph } from "../graph/types.js";
import { EventChannel } from "../run/event-channel.js";
import { InputError, type RunEvent } from "../run/types.js";
import { admitInput } from "../run/validate-input.js";
import type { SchemaInput, SchemaOutput, StandardSchema } from "../run/standard-schema.js";
import { fsmGraph, type StateFacts } from "./graph.js";
import { loadReplay, machineHash } from "./journal.js";
import { checkDeclared, checkNames } from "./names.js";
import {
  checkPolicies,
  resolvePolicies,
  type FsmDefaults,
  type ResolvedPolicies,
  type StatePolicies,
} from "./policies.js";
import {
  checkStore,
  Stepper,
  type FsmResumeOptions,
  type FsmRun,
  type FsmRunArgs,
  type FsmRunOptions,
  type FsmStepper,
  type MachineDef,
  type RawHandler,
  type StateContext,
  type StateHandler,
} from "./run.js";
import type { Transition, TransitionValue } from "./transition.js";
import type { WaitFor } from "./wait.js";
import { signalMachine, storedWaits, type FsmSignalOptions } from "./signal.js";
import { debugFsm, type FsmDebugOptions, type FsmDebugSession } from "../debug/fsm.js";

/** Cycle limit when `build` is given none. */
export const DEFAULT_MAX_CYCLES = 1000;

/**
 * Options of `build`.
 *
 * @example
 * ```ts
 * .build({ maxCycles: 100, terminal: ["done"], defaults: { retry: { attempts: 2 }, timeoutMs: 5_000 } })
 * ```
 */
export interface FsmBuildOptions<S extends string, I = never> {
  /** Most handlers one run executes; reaching it ends the run with status `"max-cycles"`. */
  maxCycles?: number;
  /** States that end the run (status `"terminal"`) once their handler has run. */
  terminal?: readonly S[];
  /** Policies for every state: a state's own `retry`/`timeoutMs` and hooks of the same name win. */
  defaults?: FsmDefaults<I, S>;
}

/**
 * Options of one state: where it may go, its policies (`retry`, `timeoutMs`, `hooks`; see
 * {@link StatePolicies}) and a description. `I` is the run input, `V` the state's result type,
 * `E` the transitions its `onError` hook may supply, `C` its context.
 *
 * @example
 * ```ts
 * .state("charge", charge, {
 *   to: ["ship", "failed"],
 *   retry: { attempts: 3, delayMs: 200, backoff: 2, retryOn: (e) => e instanceof DeclinedError },
 *   timeoutMs: 10_000,
 *   hooks: { onError: (e) => next("failed", String(e)) },
 * })
 * ```
 */
export interface StateOptions<
  To extends string = string,
  I = never,
  V = unknown,
  E = never,
  C = StateContext,
> extends StatePolicies<I, V, E, C> {
  /**
   * The states the handler may go to. When given, `next` to any other state does not compile,
   * and the machine's graph has exactly these transitions (otherwise they are read, best effort,
   * from the handler's source).
   */
  to?: readonly To[];
  /** Description, shown in the graph and diagrams. */
  doc?: string;
}

/**
 * `fsm<I>(name)`: declare the states next. `I` is what handlers receive as the input, `RI` what
 * `run()` takes (they differ when an input schema transforms the input).
 */
export interface FsmStart<I, RI = I> {
  /**
   * Declares every state of the machine (names are distinct, non-empty, without '.'). Given a
   * `string[]` instead of literals (machines built in loops), the builder is loose: its type does
   * not change from call to call, any string is a state, and results are `unknown`.
   */
  states<const N extends string>(
    ...names: N[]
  ): FsmBuilder<I, N, InitialResults<N>, never, {}, [], RI>;
}

/** Results known before any handler: none, or (loose builders) `unknown` for every state. */
export type InitialResults<S extends string> = string extends S ? Record<string, unknown> : {};

/**
 * `name`, or (for a state that already has a handler) a message that makes the call a type error.
 * `H` is the union of states with handlers: testing membership in it costs the same at every
 * call, where `keyof R` of the growing result intersection costs one step per earlier state.
 */
type StateName<S extends string, H extends string, K extends string> = string extends S
  ? K
  : Fits<K, H> extends true
    ? `state '${K}' already has a handler`
    : K;

/** The signature of `build` once every declared state has a handler. */
export type BuildMachine<I, S extends string, R, RI = I> = (
  options?: FsmBuildOptions<S, I>,
) => FsmMachine<RI, S, Simplify<R>>;

/**
 * `build`, or, while some declared states have no handler, a type with no call signature whose
 * text names them: the compile error then lands on `.build(...)` alone, in one line
 * (`Type 'TypeError<"state 'yellow' has no handler">' has no call signatures`).
 */
export type BuildOf<I, S extends string, R, H extends string, RI = I> = string extends S
  ? BuildMachine<I, S, R, RI>
  : IsNever<Exclude<S, H>> extends true
    ? BuildMachine<I, S, R, RI>
    : CompileError<MissingMessage<Exclude<S, H>>>;

/** One message per state without a handler. */
type MissingMessage<M extends string> = M extends string ? `state '${M}' has no handler` : never;

/**
 * The builder after state `K`'s handler, with result `V`: the open chunk `O` grows by one flat
 * mapped type, or, at {@link ChunkSize} states, is closed into `R`. Reading `R`'s keys walks
 * every member of the intersection, so keeping recent states in `O` and closing chunks of
 * several states keeps each handler's `ctx.get` cheap in a long machine.
 */
type WithResult<
  I,
  S extends string,
  R,
  H extends string,
  O,
  Cnt extends readonly unknown[],
  K extends string,
  V,
  RI,
> = Cnt["length"] extends ChunkSize
  ? FsmBuilder<I, S, R & Add<O, K, V>, H, {}, [], RI>
  : FsmBuilder<I, S, R, H, Add<O, K, V>, [...Cnt, 0], RI>;

/**
 * Builder of a function-return state machine with input `I`, states `S`, results (state name to
 * the type of the values its handler passes to `next`/`stop`) and `H`, the states that have a
 * handler so far. The results are kept in two parts so that each call costs the checker the same
 * however long the machine grows: `R`, closed chunks of states, intersected, and `O`, the last
 * few states as one flat mapped type (`Cnt` counts them).
 */
export interface FsmBuilder<
  I,
  S extends string,
  R,
  H extends string = never,
  O = {},
  Cnt extends readonly unknown[] = [],
  RI = I,
> {
  /** The state a run starts in (the first declared state by default). */
  initial(state: S): FsmBuilder<I, S, R, H, O, Cnt, RI>;
  /**
   * The handler of state `name`; once per state. What it passes to `next`/`stop` (and what an
   * `onError` hook supplies) becomes the state's result type, and `next` targets must be
   * declared states (or among `options.to`).
   */
  state<
    K extends S,
    T extends Transition<To, unknown> | WaitFor,
    const To extends S = S,
    E extends Transition<To, unknown> = never,
  >(
    name: StateName<S, H, K>,
    handler: StateHandler<I, S, R & O, T>,
    options?: StateOptions<To, I, TransitionValue<NoInfer<T>>, E, StateContext<S, R & O>>,
  ): string extends S
    ? FsmBuilder<I, S, R, H, O, Cnt, RI>
    : WithResult<I, S, R, H | K, O, Cnt, K, TransitionValue<T | E>, RI>;
  /**
   * The machine. Every declared state needs a handler first: until then `build` is not callable,
   * and the compile error on `.build(...)` names the states missing.
   */
  readonly build: BuildOf<I, S, R & O, H, RI>;
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
  /**
   * Finishes a run journaled with `run(input, { checkpoint, runId })` whose process died (or
   * that failed or was cancelled): journaled visits are replayed from the store, not run again,
   * and the machine continues from where the journal ends, with the input stored for the run.
   *
   * @example
   * ```ts
   * const store = sqliteStore("orders.sqlite");
   * // after a crash, in a new process:
   * const r = await orders.resume("order-42", { checkpoint: store });
   * ```
   */
  resume(runId: string, options: FsmResumeOptions): Promise<FsmRun<S, R>>;
  /**
   * Sends signal `name` to a run parked by a handler's `wait(name)`: the state runs again and
   * `ctx.received(name)` gives `payload`. Refused with a `SignalError` when the run is not
   * waiting for it.
   *
   * @example
   * ```ts
   * await orders.signal("order-42", "payment", { amount: 30 }, { checkpoint: store });
   * ```
   */
  signal(
    runId: string,
    name: string,
    payload: unknown,
    options: FsmSignalOptions,
  ): Promise<FsmRun<S, R>>;
  /** Runs the machine and yields its events as they happen; `.result` resolves to the run. */
  stream(...args: FsmRunArgs<I>): FsmRunStream<S, R>;
  /** A stepper that runs one handler per `step()`. */
  start(...args: FsmRunArgs<I>): FsmStepper<S, R>;
  /**
   * A debug session: pauses before the visits of the states `breakpoints` name (a state, or
   * `{ node, when }` with a condition on the input and the visit), or before every visit with
   * `step()`. A breakpoint naming no state is a compile error. See docs/debugger.md.
   *
   * @example
   * ```ts
   * const session = light.debug({ limit: 3 }, {
   *   breakpoints: [{ node: "yellow", when: (_input, { visit }) => visit === 2 }],
   * });
   * const stop = await session.continue(); // { node: "yellow", ctx: { visit: 2, ... }, ... }
   * const run = await session.continue();  // the FsmRun
   * ```
   */
  debug(input: I, options?: FsmDebugOptions<I, S>): FsmDebugSession<I, S, R, FsmRun<S, R>>;
}

/** The events of one run as an async iterable (ends after `run-complete`), and its result. */
export interface FsmRunStream<S extends string, R> extends AsyncIterable<RunEvent> {
  readonly result: Promise<FsmRun<S, R>>;
}

interface StateDef extends StateFacts {
  handler: RawHandler;
}

interface BuilderData {
  name: string;
  states: readonly string[];
  initial: string;
  defs: ReadonlyMap<string, StateDef>;
  /** The input's Standard Schema (`fsm(name, { input })`). */
  schema?: StandardSchema;
}

/**
 * Starts a function-return state machine named `name` whose runs take input `I`. Given
 * `{ input: schema }` (any Standard Schema validator: zod, valibot, arktype...), the input type
 * comes from the schema: `run()` and `start()` take its input type and validate before the first
 * handler runs (an `InputError` lists every issue; `start()` refuses an asynchronous validator),
 * and handlers receive its output. `resume` does not validate again.
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
export function fsm<Sc extends StandardSchema>(
  name: string,
  options: { input: Sc },
): FsmStart<SchemaOutput<Sc>, SchemaInput<Sc>>;
export function fsm<I = undefined>(name: string): FsmStart<I>;
export function fsm<I = undefined>(
  name: string,
  options?: { input?: StandardSchema },
): FsmStart<I> {
  if (typeof name !== "string" || name === "") throw new TypeError("fsm(name): name is required");
  const schema = options?.input;
  if (schema !== undefined && typeof schema?.["~standard"]?.validate !== "function") {
    throw new TypeError(
      `machine '${name}': option 'input' must be a Standard Schema validator (zod, valibot, arktype...)`,
    );
  }
  return {
    states: (...names: string[]) => {
      checkNames(name, "state", names);
      return builder({ name, states: names, initial: names[0], defs: new Map(), schema });
    },
  } as unknown as FsmStart<I>;
}

type LooseOptions = StateOptions<string, unknown, unknown, unknown, unknown>;

// The typed surface is the FsmBuilder interface; this object is its untyped implementation.
// Each call returns a new builder, so a partly built machine can be reused.
function builder(data: BuilderData): FsmBuilder<never, string, never> {
  const declared = new Set(data.states);
  return {
    initial(state: string) {
      checkDeclared(data.name, "initial state", state, declared);
      return builder({ ...data, initial: state });
    },
    state(name: string, handler: unknown, options: LooseOptions = {}) {
      checkDeclared(data.name, "state", name, declared);
      if (data.defs.has(name)) {
        throw new TypeError(`machine '${data.name}': state '${name}' already has a handler`);
      }
      if (typeof handler !== "function") {
        throw new TypeError(
          `machine '${data.name}': the handler of state '${name}' is not a function`,
        );
      }
      if (typeof options !== "object" || options === null) {
        throw new TypeError(
          `machine '${data.name}': the options of state '${name}' are not an object`,
        );
      }
      checkPolicies(data.name, `'${name}'`, options);
      for (const to of options.to ?? [])
        checkDeclared(data.name, `target of '${name}'`, to, declared);
      const { to, doc, retry, timeoutMs, hooks } = options;
      const def: StateDef = {
        handler: handler as RawHandler,
        policies: { retry, timeoutMs, hooks },
      };
      if (to) def.to = to;
      if (doc) def.doc = doc;
      const defs = new Map(data.defs);
      defs.set(name, def);
      return builder({ ...data, defs });
    },
    build(options: FsmBuildOptions<string, unknown> = {}) {
      return buildMachine(data, options);
    },
  } as unknown as FsmBuilder<never, string, never>;
}

function buildMachine(
  data: BuilderData,
  options: FsmBuildOptions<string, unknown>,
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
  const defaults = options.defaults;
  if (defaults !== undefined) {
    if (typeof defaults !== "object" || defaults === null) {
      throw new TypeError(`machine '${data.name}': build option 'defaults' is not an object`);
    }
    checkPolicies(data.name, "the defaults", defaults);
  }
  const handlers = new Map<string, RawHandler>();
  const policies = new Map<string, ResolvedPolicies>();
  for (const [s, d] of data.defs) {
    handlers.set(s, d.handler);
    const resolved = resolvePolicies(defaults, d.policies);
    if (resolved) policies.set(s, resolved);
  }
  const graph = fsmGraph(
    { name: data.name, states: data.states, initial: data.initial, terminal, maxCycles, defaults },
    data.defs,
  );
  const def: MachineDef = {
    name: data.name,
    states: data.states,
    initial: data.initial,
    terminal: new Set(terminal),
    maxCycles,
    handlers,
    policies,
    hash: machineHash(graph),
  };
  // Built once: a run without schemas and input options calls nothing more (see admitInput).
  const label = `machine '${data.name}'`;
  const schemas = data.schema === undefined ? undefined : { standard: data.schema };
  const start = (input?: unknown, runOptions?: FsmRunOptions) =>
    new Stepper<string, Record<string, unknown>>(
      def,
      admitInput(label, schemas, graph.input?.schema, input, runOptions ?? {}, true),
      runOptions,
    );
  // async, so bad options reject the returned promise rather than throw.
  const run = async (input?: unknown, runOptions?: FsmRunOptions) => {
    const admitted = admitInput(
      label,
      schemas,
      graph.input?.schema,
      input,
      runOptions ?? {},
      false,
    );
    return new Stepper<string, Record<string, unknown>>(
      def,
      admitted instanceof Promise ? await admitted : admitted,
      runOptions,
    ).finish();
  };
  const machine: FsmMachine<unknown, string, Record<string, unknown>> = {
    kind: "fsm",
    name: data.name,
    states: data.states,
    initial: data.initial,
    terminal,
    maxCycles,
    graph,
    start,
    run,
    debug: (input: unknown, debugOptions?: FsmDebugOptions<unknown, string>) =>
      debugFsm(
        data.name,
        data.states,
        (runOptions) => start(input, runOptions),
        (stepper) => stepper.finish(),
        input,
        debugOptions,
      ),
    resume: async (runId: string, resumeOptions: FsmResumeOptions) => {
      if (typeof runId !== "string" || runId === "") {
        throw new InputError(`machine '${data.name}': resume needs the id of the run to finish`);
      }
      const store = resumeOptions?.checkpoint;
      if (store === undefined) {
        throw new InputError(
          `machine '${data.name}': resume of run '${runId}' needs the 'checkpoint' store it was journaled to`,
        );
      }
      checkStore(store, "resume option 'checkpoint'");
      const { input, visits } = await loadReplay(store, runId, {
        machine: data.name,
        graphHash: def.hash,
        initial: data.initial,
        states: declared,
      });
      const runOptions: FsmRunOptions = { ...resumeOptions, runId };
      const waits = await storedWaits(store, runId, data.name);
      return new Stepper<string, Record<string, unknown>>(
        def,
        input,
        runOptions,
        visits,
        waits,
        true,
      ).finish();
    },
    signal(runId: string, name: string, payload: unknown, options: FsmSignalOptions) {
      return signalMachine(this, runId, name, payload, options);
    },
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
  machineDefs.set(machine, def);
  return machine;
}

/** The runner's view of each built machine (for runners outside this module: distributed runs). */
const machineDefs = new WeakMap<object, MachineDef>();

/** The definition the runner uses for `machine`; `undefined` for anything not built by `fsm()`. */
export function machineDefOf(machine: object): MachineDef | undefined {
  return machineDefs.get(machine);
}
