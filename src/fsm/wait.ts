/**
 * Waits in function-return state machines: a handler returns `wait(name, { timeoutMs })`, the
 * run parks with status `"waiting"`, and `machine.signal(runId, name, payload)` runs the state
 * again, where `ctx.received(name)` gives the payload.
 */

/** What a handler returns to park the run until signal `name` (or its deadline). */
export interface WaitFor<N extends string = string> {
  readonly kind: "wait";
  readonly name: N;
  readonly timeoutMs?: number;
}

/**
 * Parks the run until `machine.signal(runId, name, payload)`; the state then runs again and
 * `ctx.received(name)` returns the payload. Past `timeoutMs`, `ctx.received(name)` throws a
 * `WaitTimeoutError` (catch it to take another transition; uncaught, it fails the state).
 *
 * @example
 * ```ts
 * .state("awaitPayment", (input, ctx) => {
 *   const paid = ctx.received<{ amount: number }>("payment");
 *   return paid ? next("ship", paid.amount) : wait("payment", { timeoutMs: DAY });
 * })
 * ```
 */
export function wait<const N extends string>(
  name: N,
  options: { timeoutMs?: number } = {},
): WaitFor<N> {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`wait(name): name must be a non-empty string, got ${String(name)}`);
  }
  const w: { kind: "wait"; name: N; timeoutMs?: number } = { kind: "wait", name };
  if (options.timeoutMs !== undefined) w.timeoutMs = options.timeoutMs;
  return w;
}

export function isWaitFor(x: unknown): x is WaitFor {
  return (
    typeof x === "object" &&
    x !== null &&
    (x as { kind?: unknown }).kind === "wait" &&
    typeof (x as { name?: unknown }).name === "string"
  );
}
