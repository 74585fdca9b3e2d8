/**
 * What a state handler of a function-return state machine returns: `next(state, value)` to move
 * on, `stop(value)` to end the run. `value` is the state's result for this visit; the machine's
 * run result is typed per state from it.
 */

/** Go to state `to`; `value` is the current state's result for this visit. */
export interface Next<To extends string, V> {
  readonly kind: "next";
  readonly to: To;
  readonly value: V;
}

/** End the run with status `"stopped"`; `value` is the current state's result for this visit. */
export interface Stop<V> {
  readonly kind: "stop";
  readonly value: V;
}

/** Either outcome of a state handler. */
export type Transition<To extends string = string, V = unknown> = Next<To, V> | Stop<V>;

/** The result type carried by a handler's outcome (a union when branches differ). */
export type TransitionValue<T> = T extends { readonly value: infer V } ? V : never;

/**
 * Moves the machine to state `to`. The target is checked against the declared states at
 * compile time: `next("blue")` in a machine without a `blue` state does not compile.
 *
 * @example
 * ```ts
 * .state("red", () => next("green", "stopped cars"))
 * ```
 */
export function next<const To extends string, V = undefined>(to: To, value?: V): Next<To, V> {
  return { kind: "next", to, value: value as V };
}

/**
 * Ends the run (status `"stopped"`) after the current state.
 *
 * @example
 * ```ts
 * .state("yellow", (input, ctx) => ctx.visits("yellow") >= input.limit ? stop("done") : next("red"))
 * ```
 */
export function stop<V = undefined>(value?: V): Stop<V> {
  return { kind: "stop", value: value as V };
}

/** Whether `x` is something `next` or `stop` made (handlers written in plain JS may return anything). */
export function isTransition(x: unknown): x is Transition {
  if (typeof x !== "object" || x === null) return false;
  const kind = (x as { kind?: unknown }).kind;
  return (kind === "next" && typeof (x as { to?: unknown }).to === "string") || kind === "stop";
}
