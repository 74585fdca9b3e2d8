import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { closeThreadPool } from "../../src/index.js";
import { countPrimes, primeCount } from "../../examples/cpu-threads.js";

afterAll(() => closeThreadPool());

describe("examples/cpu-threads", () => {
  it("counts primes in four interleaved parts that add up to the whole", () => {
    const parts = [0, 1, 2, 3].map((p) => countPrimes(p, 100_000));
    expect(parts).toEqual([2413, 2409, 2373, 2397]);
    expect(parts.reduce((s, n) => s + n, 0)).toBe(9592);
  });

  it("gives the same count on worker threads as sequentially", async () => {
    const thr = await primeCount.run({ limit: 100_000 }, { mode: "threads" });
    const seq = await primeCount.run({ limit: 100_000 }, { mode: "sequential" });
    expect(thr.status).toBe("completed");
    expect([thr.output, seq.output]).toEqual([9592, 9592]);
  });

  it("runs from the command line and prints the count", () => {
    const out = execFileSync("npx", ["tsx", "examples/cpu-threads.ts", "100000"], {
      encoding: "utf8",
    });
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe("primes below 100000: 9592 (sequential: 9592)");
    expect(lines[1]).toMatch(/^sequential: \d+ ms$/);
    expect(lines[2]).toMatch(/^threads: +\d+ ms \(\d+\.\d\dx, \d+ threads on \d+ cores\)$/);
  });
});
