/**
 * The typed surface of durable waits: `signal<T>()` names a wait's payload type, and a builder
 * records each signal wait in a phantom entry of its output map, so `wf.signal(runId, name,
 * payload)` accepts only the workflow's wait names, each with its own payload type.
 */
import type { CheckpointStore } from "../run/store/types.js";
import type { RunOptions } from "../run/options.js";

declare const payloadBrand: unique symbol;
declare const waitsKey: unique symbol;

/** The payload type of a wait, made by {@link signal}. */
export interface Signal<T> {
  readonly kind: "signal";
  readonly [payloadBrand]?: T;
}

/**
 * Declares what a `.wait` node receives: its output is the payload of the signal that ends the
 * wait, of type `T`.
 *
 * @example
 * ```ts
 * dag<{ doc: string }>("approval")
 *   .node("draft", { doc: "input.doc" }, draft)
 *   .wait("approve", { d: "draft" }, signal<{ ok: boolean; by: string }>(), { timeoutMs: 3 * DAY })
 *   .node("publish", { ok: "approve.ok" }, publish)
 * ```
 */
export function signal<T>(): Signal<T> {
  return { kind: "signal" };
}

/** The phantom entry of a builder's output map that lists its signal waits and payloads. */
export interface WaitsEntry<W> {
  readonly [waitsKey]: W;
}

/** The signal waits of an output map: wait name to payload type (`never` when it has none). */
export type WaitsOf<R> = R extends WaitsEntry<infer W> ? W : never;

/** The names of the signal waits of an output map. */
export type SignalName<R> = keyof WaitsOf<R> & string;

/** The payload a signal to wait `N` carries. */
export type SignalPayload<R, N> = N extends keyof WaitsOf<R> ? WaitsOf<R>[N] : never;

/** Options of `wf.signal`. */
export interface SignalOptions extends Omit<RunOptions, "checkpoint" | "runId"> {
  /** The store holding the waiting run. */
  checkpoint: CheckpointStore;
  /**
   * Makes the signal idempotent: a second signal with the same key is not applied again and
   * resolves to the run as it is. Without a key, a second signal is refused (the run no longer
   * waits for it).
   */
  idempotencyKey?: string;
}
