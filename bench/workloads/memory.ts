/**
 * A chain whose every node makes a new buffer of `bytes`, so how much memory a run holds depends
 * on how long it keeps results: all of them (`retain: "all"`), or each until its consumer is done
 * (`retain: "outputs"`).
 */
import { looseDag } from "../../src/index.js";
import type { LooseDag } from "./trivial.js";

/** Makes the value of node `i`: a fresh buffer filled with `i`'s low byte, touched so it is resident. */
export function bufferOf(i: number, bytes: number, prev: Uint8Array | undefined): Uint8Array {
  if (prev && prev.length !== bytes)
    throw new Error(`node ${i}: got a buffer of ${prev.length} bytes`);
  return new Uint8Array(bytes).fill(i & 255);
}

/**
 * `b0 -> b1 -> … -> b{n-1}`. `probe(i)` is called as node `i` starts (memory sampling); the
 * output is the last buffer, filled with `(n - 1) & 255`.
 */
export function bufferChain(n: number, bytes: number, probe?: (i: number) => void): LooseDag {
  const node = (i: number) => (a: Record<string, unknown>) => {
    probe?.(i);
    return bufferOf(i, bytes, a.prev as Uint8Array | undefined);
  };
  let b = looseDag(`buffers${n}`).node("b0", {}, node(0));
  for (let i = 1; i < n; i++) b = b.node(`b${i}`, { prev: `b${i - 1}` }, node(i));
  return b.build();
}

/** The same chain as a plain loop that keeps only the latest buffer. */
export function bufferBaseline(n: number, bytes: number, probe?: (i: number) => void): Uint8Array {
  let v: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    probe?.(i);
    v = bufferOf(i, bytes, v);
  }
  return v as Uint8Array;
}
