import { describe, expect, it } from "vitest";
import { dag, looseDag } from "../../src/index.js";

describe("queue growth, policies in chains, runSync without timings", () => {
  it("a ready queue past its initial size still pops by priority", async () => {
    let b = looseDag("wide");
    // 600 roots; every third one has a two-node tail, so it has priority 3.
    for (let i = 0; i < 600; i++) {
      b = b.node(`r${i}`, {}, () => i);
      if (i % 3 === 0) {
        b = b.node(`t${i}`, { v: `r${i}` }, ({ v }) => v);
        b = b.node(`u${i}`, { v: `t${i}` }, ({ v }) => v);
      }
    }
    const wf = b.build();
    const run = await wf.run(undefined, { concurrency: 1 });
    expect(run.status).toBe("completed");
    expect(run.metrics.executed).toBe(1000);
    const order = run.metrics.order;
    // Heads of tails first (declaration order), each followed by its fused tail.
    expect(order.slice(0, 6)).toEqual(["r0", "t0", "u0", "r3", "t3", "u3"]);
    expect(order.slice(600, 603)).toEqual(["r1", "r2", "r4"]);
    const untimed = wf.runSync(undefined, { timings: false, concurrency: 1 });
    expect(untimed.metrics.order).toEqual(order);
    expect(untimed.metrics.nodeMs).toEqual({});
  });

  it("retry on a chain head, fallback on a link, plain links after", async () => {
    let tries = 0;
    const wf = dag("policies")
      .node(
        "a",
        {},
        async () => {
          tries++;
          if (tries < 2) throw new Error("flaky");
          return 1;
        },
        { retry: { attempts: 3, delayMs: 0 } },
      )
      .node("b", { a: "a" }, async ({ a }) => a + 1)
      .node(
        "c",
        { b: "b" },
        async (): Promise<number> => {
          throw new Error("c");
        },
        { fallback: 10 },
      )
      .node("d", { c: "c" }, async ({ c }) => c + 1)
      .build();
    for (const timings of [true, false]) {
      tries = 0;
      const run = await wf.run(undefined, { timings });
      expect(run.status).toBe("completed");
      expect(run.output).toBe(11);
      expect(run.toJSON().nodes.a.attempts).toBe(2);
      expect(run.metrics.executed).toBe(4);
    }
  });

  it("runSync with timings: false", () => {
    const wf = dag<{ n: number }>("sync-untimed")
      .node("a", { n: "input.n" }, ({ n }) => n + 1)
      .node("b", { a: "a" }, ({ a }) => a * 2)
      .node("c", { a: "a", b: "b" }, ({ a, b }) => a + b)
      .build();
    const run = wf.runSync({ n: 1 }, { timings: false });
    expect(run.output).toBe(6);
    expect(run.metrics.executed).toBe(3);
    expect(run.metrics.nodeMs).toEqual({});
    expect(run.toJSON().nodes.c).toEqual({ status: "completed", result: 6 });
    // A second run is not affected by the first one's (shared, empty) time arrays.
    const timed = wf.runSync({ n: 1 });
    expect(Object.keys(timed.metrics.nodeMs).sort()).toEqual(["a", "b", "c"]);
  });

  it("a run timed out while a chain waits reports failed with the chain's rest skipped (no timings)", async () => {
    const wf = looseDag("to")
      .node("a", {}, async () => 1)
      .node(
        "b",
        { a: "a" },
        (_: unknown, ctx: { signal: AbortSignal }) =>
          new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(5))),
      )
      .node("c", { b: "b" }, async ({ b }) => b)
      .build();
    const run = await wf.run(undefined, { timeoutMs: 5, timings: false });
    expect(run.status).toBe("failed");
    expect(run.statusOf("b")).toBe("completed");
    expect(run.statusOf("c")).toBe("skipped");
  });
});
