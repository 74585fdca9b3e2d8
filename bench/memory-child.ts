/**
 * Runs one memory measurement in a fresh process (started by memory.ts with `--expose-gc`) and
 * prints its figures as one JSON line. Usage:
 * memory-child.ts baseline|all|outputs NODES BYTES SAMPLE_EVERY.
 *
 * Every SAMPLE_EVERY nodes a full GC runs before sampling, so the figures are what the run still
 * holds (live), not garbage waiting for a collection.
 */
import { bufferBaseline, bufferChain } from "./workloads/memory.js";

export interface MemoryFigures {
  mode: string;
  nodes: number;
  bytes: number;
  /** Largest live ArrayBuffer memory seen during the run, MB. */
  peakLiveMB: number;
  /** Largest resident set seen during the run, MB. */
  peakRssMB: number;
  /** Live ArrayBuffer memory held after the run, while its result is still referenced, MB. */
  heldAfterMB: number;
  ms: number;
}

const MB = 2 ** 20;

const [mode, nodesText, bytesText, everyText] = process.argv.slice(2);
const sampleEvery = Number(everyText ?? 100);
const nodes = Number(nodesText);
const bytes = Number(bytesText);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("memory-child needs --expose-gc");
if (!["baseline", "all", "outputs"].includes(mode)) throw new Error(`unknown mode '${mode}'`);

let peakLive = 0;
let peakRss = 0;
const probe = (i: number) => {
  if (i % sampleEvery !== 0) return;
  gc();
  const m = process.memoryUsage();
  peakLive = Math.max(peakLive, m.arrayBuffers);
  peakRss = Math.max(peakRss, m.rss);
};

const wf = mode === "baseline" ? undefined : bufferChain(nodes, bytes, probe);
gc();
const t0 = performance.now();
let held: unknown;
if (wf) {
  const run = wf.runSync(undefined, { retain: mode === "outputs" ? "outputs" : "all" });
  if (run.status !== "completed") throw new Error(`run ${run.status}: ${run.errors[0]?.message}`);
  const out = run.output as Uint8Array;
  if (out[0] !== ((nodes - 1) & 255)) throw new Error("wrong output buffer");
  held = run;
} else {
  held = bufferBaseline(nodes, bytes, probe);
}
const ms = performance.now() - t0;
gc();
const after = process.memoryUsage();
const figures: MemoryFigures = {
  mode,
  nodes,
  bytes,
  peakLiveMB: Math.max(peakLive, after.arrayBuffers) / MB,
  peakRssMB: Math.max(peakRss, after.rss) / MB,
  heldAfterMB: after.arrayBuffers / MB,
  ms,
};
// Keeps the result reachable until the sample above has been taken.
if (held === undefined) throw new Error("no result");
process.stdout.write(`${JSON.stringify(figures)}\n`);
