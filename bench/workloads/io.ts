/**
 * An I/O-bound fan-out: every middle node awaits a timer, as a node waiting on a network call
 * would. Ideal parallel time is one timer, whatever the width.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { looseDag } from "../../src/index.js";
import type { LooseDag } from "./trivial.js";

/** A wait node's function: sleeps `ms` and returns 1. */
export function ioWait(ms: number): () => Promise<number> {
  return async () => {
    await sleep(ms);
    return 1;
  };
}

/** The join: counts its arguments' values. */
export function countJoin(args: Record<string, unknown>): number {
  let n = 0;
  for (const k in args) n += args[k] as number;
  return n;
}

/** `input -> wait0..wait{width-1} -> join`; each wait node sleeps `ms` and returns 1. */
export function ioWide(width: number, ms: number): LooseDag {
  const wait = ioWait(ms);
  let b = looseDag(`io${width}`);
  const deps: Record<string, string> = {};
  for (let i = 0; i < width; i++) {
    b = b.node(`wait${i}`, { x: "input" }, wait);
    deps[`wait${i}`] = `wait${i}`;
  }
  return b.node("join", deps, countJoin).build();
}

/**
 * The same workflow by hand: the same wait functions under `Promise.all`, then the same join on
 * the same argument object. The best a single process can do without a scheduler.
 */
export function ioWideByHand(width: number, ms: number): () => Promise<number> {
  const wait = ioWait(ms);
  const keys = Array.from({ length: width }, (_, i) => `wait${i}`);
  return async () => {
    const values = await Promise.all(keys.map(() => wait()));
    const args: Record<string, unknown> = {};
    for (let i = 0; i < width; i++) args[keys[i]] = values[i];
    return countJoin(args);
  };
}
