/**
 * A CPU-bound fan-out for the worker-thread benchmark. The workflow is exported from this module
 * and names it as its `module`, so worker threads can import it and find each node's function.
 */
import { threadId } from "node:worker_threads";
import { looseDag } from "../../src/index.js";

/** Middle nodes of {@link cpuWide}. */
export const CPU_WIDTH = 8;

/** Deterministic busy work: `iterations` rounds of integer hashing. */
export function spin(iterations: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < iterations; i++) h = Math.imul(h ^ (h >>> 15), 2246822519) + i;
  return h >>> 0;
}

/** What a busy node gives: its hash and the thread it ran on (0 is the main thread). */
export interface Spun {
  hash: number;
  thread: number;
}

/** What the join gives: the hashes summed, and how many busy nodes ran off the main thread. */
export interface CpuOutput {
  total: number;
  offMain: number;
}

const deps: Record<string, string> = {};
let b = looseDag("cpu_wide", { module: import.meta.url });
for (let i = 0; i < CPU_WIDTH; i++) {
  b = b.node(`busy${i}`, { iterations: "input.iterations" }, ({ iterations }): Spun => ({
    hash: spin(iterations as number, i),
    thread: threadId,
  }));
  deps[`busy${i}`] = `busy${i}`;
}

/** `input -> busy0..busy7 -> join`: eight independent CPU-bound nodes and a light join. */
export const cpuWide = b
  .node(
    "join",
    deps,
    (args): CpuOutput => {
      let total = 0;
      let offMain = 0;
      for (const k in args) {
        const s = args[k] as Spun;
        total = (total + s.hash) >>> 0;
        if (s.thread !== 0) offMain++;
      }
      return { total, offMain };
    },
    { thread: false },
  )
  .build();

/** The same computation without weft, for the expected output. */
export function cpuBaseline(iterations: number): number {
  let total = 0;
  for (let i = 0; i < CPU_WIDTH; i++) total = (total + spin(iterations, i)) >>> 0;
  return total;
}
