/**
 * CPU-bound nodes on worker threads: count the primes below a limit in four parts, then merge.
 * With `mode: "threads"` the four parts run on a pool of worker threads, one per core; the merge
 * is light and stays on the main thread (`thread: false`).
 *
 * A worker finds the node functions by importing this module (`module: import.meta.url`) and
 * looking up the exported workflow by name, so the workflow is exported and the code that runs it
 * is guarded by `isMain`.
 *
 * Run: npx tsx examples/cpu-threads.ts [limit]   (default 6,500,000: about 200 ms per part)
 */
import os from "node:os";
import { closeThreadPool, dag, warmThreadPool } from "weftjs";
import { isMain } from "./main.js";

const BLOCK = 1_000;
const PARTS = 4;

/**
 * Primes below `limit` in blocks `part`, `part + 4`, `part + 8`, ... of 1,000 numbers: the parts
 * interleave, so each does about the same work.
 */
export function countPrimes(part: number, limit: number): number {
  let count = 0;
  for (let start = part * BLOCK; start < limit; start += PARTS * BLOCK) {
    const end = Math.min(limit, start + BLOCK);
    for (let n = Math.max(2, start); n < end; n++) if (isPrime(n)) count++;
  }
  return count;
}

function isPrime(n: number): boolean {
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

export const primeCount = dag<{ limit: number }>("prime_count", { module: import.meta.url })
  .node("part0", { limit: "input.limit" }, ({ limit }) => countPrimes(0, limit))
  .node("part1", { limit: "input.limit" }, ({ limit }) => countPrimes(1, limit))
  .node("part2", { limit: "input.limit" }, ({ limit }) => countPrimes(2, limit))
  .node("part3", { limit: "input.limit" }, ({ limit }) => countPrimes(3, limit))
  .node(
    "merge",
    { a: "part0", b: "part1", c: "part2", d: "part3" },
    ({ a, b, c, d }) => a + b + c + d,
    { thread: false },
  )
  .build();

if (isMain(import.meta.url)) {
  const limit = Number(process.argv[2] ?? 6_500_000);
  if (!Number.isSafeInteger(limit) || limit < 0) {
    console.error(`limit must be a whole number, 0 or more; got '${process.argv[2]}'`);
    process.exit(2);
  }
  // Each worker starts and imports this module once; start them first so the timing shows the
  // work alone.
  const threads = await warmThreadPool(primeCount);

  const seq = await primeCount.run({ limit }, { mode: "sequential" });
  const thr = await primeCount.run({ limit }, { mode: "threads" });
  await closeThreadPool();

  console.log(`primes below ${limit}: ${thr.orThrow()} (sequential: ${seq.orThrow()})`);
  const s = seq.metrics.totalMs;
  const t = thr.metrics.totalMs;
  console.log(`sequential: ${s.toFixed(0)} ms`);
  console.log(
    `threads:    ${t.toFixed(0)} ms (${(s / t).toFixed(2)}x, ${threads} threads on ${os.availableParallelism()} cores)`,
  );
}
