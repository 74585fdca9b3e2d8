/**
 * Policies of function-return machine states: retry, timeout and hooks, per state with
 * machine-wide defaults. The DAG runtime's pieces do the work (`withTimeout`, `retryDelay`,
 * `sleep`, the `RetryOptions` type); this module adapts them to handlers that return
 * transitions, and runs one state visit under them.
 */
import type { NodeOptionsData } from "../graph/types.js";
import { optionsData } from "../dag/options-data.js";
import { withTimeout } from "../run/execute.js";
import type { RetryOptions } from "../run/options.js";
import { retryDelay, sleep } from "../run/policies.js";
import type { RunEvent } from "../run/types.js";
import type { StateContext } from "./run.js";
import { isTransition, next, stop, type Transition } from "./transition.js";

/**
 * Hooks around a state's handler: the DAG's `NodeHooks`, adapted to handlers that take the run
 * input and return a transition. `I` is the run input, `V` the state's result type, `E` what
 * `onError` may supply, `C` the context.
 *
 * @example
 * ```ts
 * .state("charge", charge, {
 *   retry: { attempts: 3 },
 *   hooks: {
 *     before: (order) => ({ ...order, currency: order.currency ?? "EUR" }),
 *     after: (payment) => ({ ...payment, checkedAt: Date.now() }),
 *     onError: (error) => next("failed", String(error)),
 *     cleanup: (ctx) => console.log(`left ${ctx.state}`),
 *   },
 * })
 * ```
 */
export interface StateHooks<I = never, V = unknown, E = never, C = StateContext> {
  /** Runs once per visit, before the first attempt; may return a replacement input for the handler. */
  before?: (input: I, ctx: C) => I | void | Promise<I | void>;
  /** Runs after the handler succeeded; may return a replacement for the transition's value. */
  after?: (value: V, input: I, ctx: C) => V | void | Promise<V | void>;
  /**
   * Runs when the handler failed for good (after its retries, or on a timeout); may supply a
   * transition (`next(...)`/`stop(...)`) that the visit takes instead of failing the run.
   */
  // `undefined` is spelled out so that `cond ? next(...) : undefined` infers `E` as the transition.
  onError?: (
    error: unknown,
    input: I,
    ctx: C,
  ) => E | undefined | void | Promise<E | undefined | void>;
  /** Always runs last in a visit, whatever happened. */
  cleanup?: (ctx: C) => void | Promise<void>;
}

/**
 * Retry, timeout and hooks of one state (see {@link StateHooks} for the type parameters).
 *
 * @example
 * ```ts
 * const policies: StatePolicies = { retry: { attempts: 3, delayMs: 100, backoff: 2 }, timeoutMs: 5_000 };
 * ```
 */
export interface StatePolicies<I = never, V = unknown, E = never, C = StateContext> {
  /**
   * Retries a handler that throws or times out, within the same visit (so `ctx.visits` and
   * `ctx.cycle` do not change; `ctx.attempt` counts). `attempts` counts every try, the first
   * included.
   */
  retry?: RetryOptions;
  /** Aborts `ctx.signal` and fails the attempt with a `NodeTimeoutError` naming the state. */
  timeoutMs?: number;
  hooks?: StateHooks<I, V, E, C>;
}

/**
 * Hooks of `build({ defaults })`, run for every state that has no hook of the same name. They
 * serve states of every result type, so `after` observes (its return value is ignored) and
 * `onError` supplies a transition without a value.
 *
 * @example
 * ```ts
 * const hooks: DefaultStateHooks<Order, "charge" | "ship" | "failed"> = {
 *   after: (value, _order, ctx) => log.info(`${ctx.state} gave`, value),
 *   onError: () => next("failed"),
 * };
 * ```
 */
export interface DefaultStateHooks<I = never, S extends string = string> extends Omit<
  StateHooks<I, unknown, Transition<S, undefined>, StateContext<S>>,
  "after"
> {
  /** Runs after a handler succeeded (observes only). */
  after?: (value: unknown, input: I, ctx: StateContext<S>) => void | Promise<void>;
}

/**
 * Machine-wide policies: each state's own `retry` and `timeoutMs` win, and its own hooks replace
 * the default hooks of the same name.
 *
 * @example
 * ```ts
 * .build({ defaults: { retry: { attempts: 2 }, timeoutMs: 10_000, hooks: { onError: () => next("failed") } } })
 * ```
 */
export interface FsmDefaults<I = never, S extends string = string> {
  retry?: RetryOptions;
  timeoutMs?: number;
  hooks?: DefaultStateHooks<I, S>;
}

/** Hooks as the runner calls them (the builder typed them). */
export interface RawHooks {
  before?: (input: unknown, ctx: StateContext) => unknown;
  after?: (value: unknown, input: unknown, ctx: StateContext) => unknown;
  onError?: (error: unknown, input: unknown, ctx: StateContext) => unknown;
  cleanup?: (ctx: StateContext) => unknown;
}

/** A state's policies with the defaults merged in. */
export interface ResolvedPolicies {
  retry?: RetryOptions;
  timeoutMs?: number;
  hooks?: RawHooks;
}

/** What policy objects look like before they are checked (typed ones are a special case). */
interface LoosePolicies {
  retry?: unknown;
  timeoutMs?: unknown;
  hooks?: unknown;
}

const HOOK_NAMES = ["before", "after", "onError", "cleanup"] as const;

/**
 * Throws a `TypeError` naming the machine, the option and `owner` (`'charge'`, `the defaults`)
 * unless the policies are well formed.
 */
export function checkPolicies(machine: string, owner: string, p: LoosePolicies): void {
  const bad = (what: string, rule: string, got: unknown): TypeError =>
    new TypeError(`machine '${machine}': ${what} of ${owner} ${rule}, got ${show(got)}`);
  const t = p.timeoutMs;
  if (t !== undefined && !(typeof t === "number" && t > 0 && Number.isFinite(t))) {
    throw bad("timeoutMs", "must be a positive number", t);
  }
  if (p.retry !== undefined) {
    if (typeof p.retry !== "object" || p.retry === null) {
      throw bad("retry", "must be an object like { attempts: 3 }", p.retry);
    }
    const r = p.retry as Record<string, unknown>;
    if (!(Number.isInteger(r.attempts) && (r.attempts as number) >= 1)) {
      throw bad(
        "retry.attempts",
        "must be a positive integer (every try, the first included)",
        r.attempts,
      );
    }
    for (const k of ["delayMs", "maxDelayMs", "backoff"] as const) {
      const v = r[k];
      if (v !== undefined && !(typeof v === "number" && v >= 0 && Number.isFinite(v))) {
        throw bad(`retry.${k}`, "must be a finite number of at least 0", v);
      }
    }
    const j = r.jitter;
    if (j !== undefined && typeof j !== "boolean" && !(typeof j === "number" && j >= 0 && j <= 1)) {
      throw bad("retry.jitter", "must be a boolean or a number from 0 to 1", j);
    }
    if (r.retryOn !== undefined && typeof r.retryOn !== "function") {
      throw bad("retry.retryOn", "must be a function", r.retryOn);
    }
  }
  if (p.hooks !== undefined) {
    if (typeof p.hooks !== "object" || p.hooks === null)
      throw bad("hooks", "must be an object", p.hooks);
    const h = p.hooks as Record<string, unknown>;
    for (const k of Object.keys(h)) {
      if (!(HOOK_NAMES as readonly string[]).includes(k)) {
        throw bad(`hooks.${k}`, `is not a hook (hooks are ${HOOK_NAMES.join(", ")})`, h[k]);
      }
      if (h[k] !== undefined && typeof h[k] !== "function") {
        throw bad(`hooks.${k}`, "must be a function", h[k]);
      }
    }
  }
}

/** Merges machine defaults into a state's own policies; `undefined` when neither has any. */
export function resolvePolicies(
  defaults: LoosePolicies | undefined,
  own: LoosePolicies,
): ResolvedPolicies | undefined {
  const out: ResolvedPolicies = {};
  const retry = (own.retry ?? defaults?.retry) as RetryOptions | undefined;
  if (retry) out.retry = retry;
  const timeoutMs = (own.timeoutMs ?? defaults?.timeoutMs) as number | undefined;
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  const base = { ...(defaults?.hooks as RawHooks | undefined) };
  const after = base.after;
  // A default `after` observes only: it serves states of every result type.
  if (after) base.after = async (...a) => void (await after(...a));
  const hooks: RawHooks = { ...base, ...definedOnly(own.hooks as RawHooks | undefined) };
  if (Object.values(hooks).some((h) => h !== undefined)) out.hooks = hooks;
  return Object.keys(out).length > 0 ? out : undefined;
}

function definedOnly(h: RawHooks | undefined): RawHooks {
  const out: RawHooks = {};
  for (const k of HOOK_NAMES) if (h?.[k]) (out as Record<string, unknown>)[k] = h[k];
  return out;
}

/** The data part of a state's (or the defaults') policies, for the graph IR. */
export function policiesData(p: LoosePolicies | undefined): NodeOptionsData | undefined {
  if (!p) return undefined;
  return optionsData({
    retry: p.retry as RetryOptions | undefined,
    timeoutMs: p.timeoutMs as number | undefined,
    hooks: p.hooks ? {} : undefined,
  });
}

/**
 * A handler (or an `onError` hook) returned something the machine cannot take: not a
 * transition, or `next` to an undeclared state. It is a bug, so it is never retried; it is the
 * `cause` of the run's `NodeError`.
 *
 * @example
 * ```ts
 * const r = await machine.run(input);
 * if (r.error?.cause instanceof InvalidTransitionError) console.error("fix the handler:", r.error.message);
 * ```
 */
export class InvalidTransitionError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidTransitionError";
  }
}

/** What one visit needs from the stepper. */
export interface VisitEnv {
  state: string;
  runId: string;
  handler: (input: unknown, ctx: StateContext) => unknown;
  policies: ResolvedPolicies | undefined;
  input: unknown;
  /** The run's cancellation signal (one that never aborts when the run has none). */
  runSignal: AbortSignal;
  /** The context of attempt `attempt`, whose `signal` is `signal`. */
  context(attempt: number, signal: AbortSignal): StateContext;
  emit(event: RunEvent): void;
  /** The outcome as a transition, or an {@link InvalidTransitionError} saying what is wrong. */
  check(outcome: unknown, from: "handler" | "onError"): Transition;
}

/** How a visit ended. */
export type VisitOutcome =
  | { ok: true; transition: Transition; attempts: number }
  | { ok: false; cancelled: boolean; error: unknown; attempts: number };

/**
 * Runs one visit: `before`, then up to `retry.attempts` tries of the handler (each under
 * `timeoutMs`, with backoff between them), then `after` on success or `onError` on final
 * failure, and `cleanup` whatever happened. The run's signal cancels it at any point.
 */
export async function runVisit(env: VisitEnv): Promise<VisitOutcome> {
  const hooks = env.policies?.hooks;
  const attempts = { n: 1 };
  let outcome: VisitOutcome;
  try {
    outcome = await tryVisit(env, attempts);
  } catch (error) {
    outcome = failed(env, error, attempts.n);
  }
  if (hooks?.cleanup) {
    try {
      await hooks.cleanup(env.context(attempts.n, env.runSignal));
    } catch (error) {
      // A failing cleanup fails a visit that had succeeded; an earlier error is kept.
      if (outcome.ok) outcome = failed(env, error, attempts.n);
    }
  }
  return outcome;
}

function failed(env: VisitEnv, error: unknown, attempts: number): VisitOutcome {
  const cancelled = env.runSignal.aborted;
  return { ok: false, cancelled, error: cancelled ? env.runSignal.reason : error, attempts };
}

async function tryVisit(env: VisitEnv, attempts: { n: number }): Promise<VisitOutcome> {
  const hooks = env.policies?.hooks;
  const retry = env.policies?.retry;
  const max = Math.max(1, retry?.attempts ?? 1);
  const hookCtx = (): StateContext => env.context(attempts.n, env.runSignal);
  let input = env.input;
  if (hooks?.before) {
    const replaced = await hooks.before(input, hookCtx());
    if (replaced !== undefined) input = replaced;
  }
  for (;;) {
    const attempt = attempts.n;
    if (attempt > 1) {
      env.emit({ type: "node-start", runId: env.runId, node: env.state, attempt, at: Date.now() });
    }
    let t: Transition;
    try {
      t = await attemptOnce(env, input, attempt);
    } catch (error) {
      if (env.runSignal.aborted) return failed(env, error, attempt);
      const retryable =
        attempt < max &&
        !(error instanceof InvalidTransitionError) &&
        (retry?.retryOn ? retry.retryOn(error, attempt) : true);
      if (!retryable) return recover(env, error, input, attempt);
      const wait = retryDelay(attempt, retry);
      env.emit({
        type: "node-retry",
        runId: env.runId,
        node: env.state,
        attempt: attempt + 1,
        delayMs: wait,
        error: error instanceof Error ? error : new Error(String(error)),
        at: Date.now(),
      });
      // A listener of the retry event may have cancelled the run already.
      if (env.runSignal.aborted) return failed(env, error, attempt);
      if (wait > 0) await sleep(wait, env.runSignal);
      attempts.n = attempt + 1;
      continue;
    }
    if (hooks?.after) {
      const replaced = await hooks.after(t.value, input, hookCtx());
      if (replaced !== undefined) t = t.kind === "next" ? next(t.to, replaced) : stop(replaced);
    }
    return { ok: true, transition: t, attempts: attempt };
  }
}

/** Final failure: `onError` may supply a transition; otherwise the visit fails. */
async function recover(
  env: VisitEnv,
  error: unknown,
  input: unknown,
  attempts: number,
): Promise<VisitOutcome> {
  const onError = env.policies?.hooks?.onError;
  if (onError) {
    const supplied = await onError(error, input, env.context(attempts, env.runSignal));
    if (supplied !== undefined) {
      return { ok: true, transition: env.check(supplied, "onError"), attempts };
    }
  }
  return failed(env, error, attempts);
}

/** One call of the handler, under the state's timeout, abandoned when the run is cancelled. */
async function attemptOnce(env: VisitEnv, input: unknown, attempt: number): Promise<Transition> {
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort(env.runSignal.reason);
  if (env.runSignal.aborted) throw env.runSignal.reason;
  env.runSignal.addEventListener("abort", onAbort, { once: true });
  try {
    const pending = env.handler(input, env.context(attempt, ctl.signal));
    const timeoutMs = env.policies?.timeoutMs;
    const timed =
      timeoutMs === undefined ? pending : withTimeout(pending, timeoutMs, env.state, ctl);
    const outcome = await raceAbort(Promise.resolve(timed), ctl.signal);
    // Aborted by the timeout (its reason is the NodeTimeoutError) or by the run's signal.
    if (outcome === ABORTED) throw ctl.signal.reason;
    return env.check(outcome, "handler");
  } finally {
    env.runSignal.removeEventListener("abort", onAbort);
  }
}

const ABORTED = Symbol("aborted");

/** Waits for `p` unless `signal` aborts first (a handler that ignores its signal is abandoned). */
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

/** Checks an outcome: a transition (`next` to a state in `states`, or `stop`). */
export function checkTransition(
  outcome: unknown,
  from: "handler" | "onError",
  states: ReadonlySet<string>,
): Transition {
  const who = from === "handler" ? "handler" : "onError hook";
  if (!isTransition(outcome)) {
    throw new InvalidTransitionError(
      `${who} returned ${describe(outcome)}; return next(state, value) or stop(value)`,
    );
  }
  if (outcome.kind === "next" && !states.has(outcome.to)) {
    throw new InvalidTransitionError(
      `${from === "handler" ? "" : `${who}: `}next('${outcome.to}'): no such state (declared: ${[...states].join(", ")})`,
    );
  }
  return outcome;
}

function describe(x: unknown): string {
  if (x === undefined || x === null) return String(x);
  if (typeof x === "object") return "an object that is not a transition";
  return `a ${typeof x}`;
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  if (v === null || typeof v !== "object") return String(v);
  return Array.isArray(v) ? "an array" : "an object";
}
