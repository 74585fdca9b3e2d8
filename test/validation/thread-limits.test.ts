import { afterAll, describe, expect, it } from "vitest";
import { closeThreadPool, ResourceLimitError } from "../../src/index.js";
import { limited } from "./fixtures/limits.js";

afterAll(() => closeThreadPool());

describe("thread nodes' resource limits", () => {
  it("fails a node over its heap or CPU budget; the run and the other nodes go on", async () => {
    const r = await limited.run(undefined, {
      mode: "threads",
      onError: "continue",
      threads: { maxThreads: 2 },
    });
    expect(r.status).toBe("partial");
    expect(r.get("fine")).toBe(42);
    expect(r.get("after")).toBe(43);

    const hog = r.errors.find((e) => e.node === "hog")?.cause;
    expect(hog).toBeInstanceOf(ResourceLimitError);
    expect((hog as ResourceLimitError).limit).toBe("maxOldGenerationSizeMb");
    expect((hog as Error).message).toBe(
      "node 'hog' ran out of memory in its worker thread (resourceLimits.maxOldGenerationSizeMb: 32 MB); the thread was stopped and the pool replaces it",
    );

    const spin = r.errors.find((e) => e.node === "spin")?.cause as ResourceLimitError;
    expect(spin).toBeInstanceOf(ResourceLimitError);
    expect([spin.limit, spin.max]).toEqual(["cpuTimeMs", 300]);
    expect(spin.used).toBeGreaterThan(300);
    expect(spin.message).toMatch(
      /^node 'spin' went over its CPU time budget \(cpuTimeMs: 300\): its worker thread was busy for \d+ ms; the thread was terminated and the pool replaces it$/,
    );

    // The pools replaced the dead threads: the same nodes run again.
    const again = await limited.run(undefined, {
      mode: "threads",
      onError: "continue",
      threads: { maxThreads: 2 },
    });
    expect(again.get("after")).toBe(43);
    expect(again.errors.map((e) => e.node).sort()).toEqual(["hog", "spin"]);
  }, 120_000);
});
