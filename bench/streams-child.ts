/**
 * One measurement of the `streams` family, in its own `node --expose-gc` process: N items
 * through three stages (source → double → sum), by weft stream nodes or by a hand-written chain
 * of async generators. Prints one JSON line of figures.
 */
import { dag } from "../src/index.js";

export interface StreamFigures {
  items: number;
  ms: number;
  sum: number;
  /** Live heap (after a full GC) at evenly spaced points of the run, MB. */
  heapMB: number[];
  peakRssMB: number;
}

const MB = 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc;

function sampler(n: number, samples: number): (i: number) => void {
  const every = Math.max(1, Math.floor(n / samples));
  return (i) => {
    if (i % every === 0 && gc) {
      gc();
      heap.push(process.memoryUsage().heapUsed / MB);
    }
  };
}

const heap: number[] = [];

async function handWritten(n: number, sample: (i: number) => void): Promise<number> {
  async function* source(): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) {
      sample(i);
      yield i;
    }
  }
  async function* double(xs: AsyncIterable<number>): AsyncGenerator<number> {
    for await (const x of xs) yield x * 2;
  }
  let sum = 0;
  for await (const x of double(source())) sum += x;
  return sum;
}

async function weft(n: number, sample: (i: number) => void, buffer: number): Promise<number> {
  const wf = dag<{ n: number }>("streams")
    .stream(
      "source",
      { n: "input.n" },
      async function* ({ n }) {
        for (let i = 0; i < n; i++) {
          sample(i);
          yield i;
        }
      },
      { buffer },
    )
    .stream(
      "double",
      { xs: "source" },
      async function* ({ xs }) {
        for await (const x of xs) yield x * 2;
      },
      { buffer },
    )
    .node("sum", { xs: "double" }, async ({ xs }) => {
      let sum = 0;
      for await (const x of xs) sum += x;
      return sum;
    })
    .build();
  const run = await wf.run({ n });
  if (run.status !== "completed") throw new Error(`run ${run.status}: ${run.errors[0]?.message}`);
  return run.output as number;
}

const [mode, nArg, bufArg] = process.argv.slice(2);
const n = Number(nArg);
const sample = sampler(n, 10);
const t0 = performance.now();
const sum =
  mode === "weft" ? await weft(n, sample, Number(bufArg ?? 16)) : await handWritten(n, sample);
const ms = performance.now() - t0;
if (gc) {
  gc();
  heap.push(process.memoryUsage().heapUsed / MB);
}
const figures: StreamFigures = {
  items: n,
  ms,
  sum,
  heapMB: heap,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
};
console.log(JSON.stringify(figures));
