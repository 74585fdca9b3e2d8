/**
 * An I/O-bound fan-out: every middle node awaits a timer, as a node waiting on a network call
 * would. Ideal parallel time is one timer, whatever the width.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { looseDag } from "../../src/index.js";
import type { LooseDag } from "./trivial.js";

/** `input -> wait0..wait{width-1} -> join`; each wait node sleeps `ms` and returns 1. */
export function ioWide(width: number, ms: number): LooseDag {
  let b = looseDag(`io${width}`);
  const deps: Record<string, string> = {};
  for (let i = 0; i < width; i++) {
    b = b.node(`wait${i}`, { x: "input" }, async () => {
      await sleep(ms);
      return 1;
    });
    deps[`wait${i}`] = `wait${i}`;
  }
  return b
    .node("join", deps, (args) => {
      let n = 0;
      for (const k in args) n += args[k] as number;
      return n;
    })
    .build();
}
