import { describe, expect, it } from "vitest";
import { branch, dag, NodeError, RunFailedError, type RunEvent } from "../../src/index.js";

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
}

describe("DAG runtime", () => {
  it("mixes sync and async nodes and reports metrics", async () => {
    const wf = dag<{ n: number }>("mix")
      .node("a", { n: "input.n" }, ({ n }) => n + 1)
      .node("b", { a: "a" }, async ({ a }) => {
        await tick();
        return a * 10;
      })
      .node("c", { a: "a", b: "b" }, ({ a, b }) => a + b)
      .build();
    const run = await wf.run({ n: 1 });
    expect(run.status).toBe("completed");
    expect(run.output).toBe(22);
    expect(run.get("b")).toBe(20);
    expect(run.metrics.executed).toBe(3);
    expect(run.metrics.order).toEqual(["a", "b", "c"]);
    expect(Object.keys(run.metrics.nodeMs).sort()).toEqual(["a", "b", "c"]);
    expect(run.orThrow()).toBe(22);
    const rec = run.toJSON();
    expect(rec.nodes.c).toMatchObject({ status: "completed", result: 22 });
    expect(rec.status).toBe("completed");
  });

  it("skips per-node clock reads with timings: false unless something reports them", async () => {
    const wf = dag<{ n: number }>("untimed")
      .node("a", { n: "input.n" }, async ({ n }) => n + 1)
      .node("b", { a: "a" }, async ({ a }) => a * 2)
      .build();
    const bare = await wf.run({ n: 1 }, { timings: false });
    expect(bare.output).toBe(4);
    expect(bare.metrics.nodeMs).toEqual({});
    expect(bare.metrics.executed).toBe(2);
    expect(bare.metrics.order).toEqual(["a", "b"]);
    expect(bare.toJSON().nodes.a).toEqual({ status: "completed", result: 2 });
    const events: RunEvent[] = [];
    const observed = await wf.run({ n: 1 }, { timings: false, onEvent: (e) => events.push(e) });
    expect(Object.keys(observed.metrics.nodeMs).sort()).toEqual(["a", "b"]);
    expect(events.filter((e) => e.type === "node-complete")).toHaveLength(2);
  });

  it("resolves (not rejects) on failure, wraps the error with the node name and keeps the cause", async () => {
    const boom = new Error("disk full");
    const wf = dag("fail")
      .node("a", {}, () => 1)
      .node("b", { a: "a" }, () => {
        throw boom;
      })
      .node("c", { b: "b" }, ({ b }) => b)
      .build();
    const run = await wf.run();
    expect(run.status).toBe("failed");
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toBeInstanceOf(NodeError);
    expect(run.errors[0].node).toBe("b");
    expect(run.errors[0].message).toBe("node 'b' failed: disk full");
    expect(run.errors[0].cause).toBe(boom);
    expect(run.statusOf("c")).toBe("skipped");
    expect(() => run.orThrow()).toThrow(RunFailedError);
    expect(() => run.orThrow()).toThrow(/workflow 'fail' failed: node 'b' failed: disk full/);
  });

  it("fail-fast aborts in-flight nodes through their signal", async () => {
    let sawAbort = false;
    const wf = dag("ff")
      .node("slow", {}, async (_, ctx) => {
        try {
          await waitForAbort(ctx.signal);
        } finally {
          sawAbort = ctx.signal.aborted;
        }
      })
      .node("bad", {}, async () => {
        await tick();
        throw new Error("bad");
      })
      .node("after", { s: "slow" }, () => 1)
      .build();
    const run = await wf.run(undefined, { mode: "parallel" });
    expect(run.status).toBe("failed");
    expect(sawAbort).toBe(true);
    expect(run.statusOf("slow")).toBe("failed");
    expect(run.statusOf("after")).toBe("skipped");
  });

  it("continue lets independent branches finish and reports partial", async () => {
    const wf = dag("cont")
      .node("bad", {}, () => {
        throw new Error("x");
      })
      .node("down", { b: "bad" }, () => 1)
      .node("ok", {}, async () => {
        await tick();
        return 2;
      })
      .node("ok2", { o: "ok" }, ({ o }) => o + 1)
      .node("cleanup", { d: "down" }, () => "cleaned", { runIf: "always" })
      .node("alert", { d: "down" }, () => "alerted", { runIf: "any-failed" })
      .node("quiet", { o: "ok" }, () => "never", { runIf: "any-failed" })
      .build();
    const run = await wf.run(undefined, { onError: "continue" });
    expect(run.status).toBe("partial");
    expect(run.get("ok2")).toBe(3);
    expect(run.statusOf("down")).toBe("skipped");
    expect(run.get("cleanup")).toBe("cleaned");
    expect(run.get("alert")).toBe("alerted");
    expect(run.statusOf("quiet")).toBe("skipped");
    expect(run.toJSON().nodes.down.skipReason).toBe("upstream 'bad' failed");
  });

  it("an error handler can supply a value, continue or stop", async () => {
    const wf = dag("handler")
      .node("a", {}, (): number => {
        throw new Error("a");
      })
      .node("b", { a: "a" }, ({ a }) => a * 2)
      .build();
    const seen: string[] = [];
    const supplied = await wf.run(undefined, {
      onError: (node, error) => {
        seen.push(`${node}: ${error.message}`);
        return { value: 21 };
      },
    });
    expect(supplied.status).toBe("completed");
    expect(supplied.output).toBe(42);
    expect(seen).toEqual(["a: node 'a' failed: a"]);
    expect((await wf.run(undefined, { onError: () => "continue" })).status).toBe("partial");
    expect((await wf.run(undefined, { onError: () => "stop" })).status).toBe("failed");
  });

  it("skips untaken branches and everything downstream of them", async () => {
    const wf = dag<{ n: number }>("branches")
      .condition("even", { n: "input.n" }, ({ n }) => branch(n % 2 === 0, n))
      .node("half", { n: "even.true" }, ({ n }) => n / 2)
      .node("triple", { n: "even.false" }, ({ n }) => n * 3 + 1)
      .node("halfAgain", { h: "half" }, ({ h }) => h / 2)
      .any("next", { v: ["half", "triple"] }, ({ v }) => v)
      .build();
    const odd = await wf.run({ n: 3 });
    expect(odd.statusOf("half")).toBe("skipped");
    expect(odd.statusOf("halfAgain")).toBe("skipped");
    expect(odd.output).toEqual({ from: "triple", value: 10 });
    expect(odd.get("even.false")).toBe(3);
    expect(odd.get("even.true")).toBeUndefined();
    const even = await wf.run({ n: 8 });
    expect(even.get("halfAgain")).toBe(2);
    expect(even.output).toEqual({ from: "half", value: 4 });
  });

  it("passes ctx: runId, node, attempt, shared metadata and progress events", async () => {
    const events: RunEvent[] = [];
    const wf = dag("ctx")
      .node("a", {}, (_, ctx) => {
        ctx.metadata.fromA = ctx.node;
        ctx.emit({ message: "half way", done: 1, total: 2 });
        return { runId: ctx.runId, attempt: ctx.attempt };
      })
      .node("b", { a: "a" }, (_, ctx) => ctx.metadata.fromA)
      .build();
    const run = await wf.run(undefined, {
      runId: "r-1",
      metadata: { user: "ann" },
      onEvent: (e) => events.push(e),
    });
    expect(run.get("a")).toEqual({ runId: "r-1", attempt: 1 });
    expect(run.output).toBe("a");
    expect(events.map((e) => e.type)).toEqual([
      "run-start",
      "node-start",
      "progress",
      "node-complete",
      "node-start",
      "node-complete",
      "run-complete",
    ]);
    const progress = events.find((e) => e.type === "progress");
    expect(progress).toMatchObject({
      node: "a",
      progress: { message: "half way", done: 1, total: 2 },
    });
  });

  it("streams events as an async iterator ending with run-complete", async () => {
    const wf = dag("s")
      .node("a", {}, async () => 1)
      .node("b", { a: "a" }, ({ a }) => a + 1)
      .build();
    const stream = wf.stream();
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types.at(-1)).toBe("run-complete");
    expect(types.filter((t) => t === "node-complete")).toHaveLength(2);
    expect((await stream.result).output).toBe(2);
  });

  it("map runs items with a concurrency limit and keeps item order", async () => {
    let running = 0;
    let peak = 0;
    const wf = dag<{ xs: number[] }>("map")
      .map(
        "sq",
        { items: "input.xs" },
        async ({ item }) => {
          running++;
          peak = Math.max(peak, running);
          await tick(1 + (item % 3));
          running--;
          return item * item;
        },
        { concurrency: 2 },
      )
      .build();
    const run = await wf.run({ xs: [1, 2, 3, 4, 5, 6, 7] });
    expect(run.output).toEqual([1, 4, 9, 16, 25, 36, 49]);
    expect(peak).toBe(2);
    const bad = await dag<{ xs: unknown }>("m2")
      .map("x", { items: "input.xs" } as never, () => 1)
      .build()
      .run({ xs: 5 });
    expect(bad.errors[0].message).toBe("map 'x': 'items' must be an array, got number");
  });

  it("runs nested workflows and reports their failures as the node's", async () => {
    const child = dag<{ x: number }>("child")
      .node("check", { x: "input.x" }, ({ x }) => {
        if (x < 0) throw new Error("negative");
        return x * 2;
      })
      .build();
    const parent = dag<{ x: number }>("parent").sub("c", child, { x: "input.x" }).build();
    expect((await parent.run({ x: 2 })).output).toBe(4);
    const bad = await parent.run({ x: -1 });
    expect(bad.status).toBe("failed");
    expect(bad.errors[0].message).toBe(
      "node 'c' failed: nested workflow 'child' failed: node 'check' failed: negative",
    );
  });

  it("sequential mode runs one node at a time", async () => {
    let running = 0;
    let peak = 0;
    const slow = async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      return 1;
    };
    const wf = dag("seq").node("a", {}, slow).node("b", {}, slow).node("c", {}, slow).build();
    await wf.run(undefined, { mode: "sequential" });
    expect(peak).toBe(1);
    await wf.run(undefined, { mode: "parallel" });
    expect(peak).toBe(3);
  });

  it("cancels through an AbortSignal, leaving no node running", async () => {
    const controller = new AbortController();
    let finished = 0;
    const wf = dag("cancel")
      .node("a", {}, async (_, ctx) => {
        try {
          await waitForAbort(ctx.signal);
        } finally {
          finished++;
        }
      })
      .node("b", { a: "a" }, () => 1)
      .build();
    const p = wf.run(undefined, { signal: controller.signal });
    await tick();
    controller.abort();
    const run = await p;
    expect(run.status).toBe("cancelled");
    expect(finished).toBe(1);
    expect(run.statusOf("b")).toBe("skipped");
  });

  it("enforces a whole-run timeout", async () => {
    const wf = dag("slow")
      .node("a", {}, (_, ctx) => waitForAbort(ctx.signal))
      .build();
    const run = await wf.run(undefined, { timeoutMs: 10 });
    expect(run.status).toBe("failed");
    expect(run.errors.map((e) => e.message).join(";")).toMatch(/timed out after 10 ms/);
  });

  it("runSync runs synchronous workflows without promises and refuses async nodes", () => {
    const wf = dag<{ n: number }>("sync")
      .node("a", { n: "input.n" }, ({ n }) => n + 1)
      .node("b", { a: "a" }, ({ a }) => a * 2)
      .build();
    const run = wf.runSync({ n: 1 });
    expect(run.output).toBe(4);
    const asyncWf = dag("async")
      .node("a", {}, async () => 1)
      .build();
    const r = asyncWf.runSync();
    expect(r.status).toBe("failed");
    expect(r.errors[0].message).toMatch(/runSync cannot wait for; use run\(\)/);
  });

  it("releases intermediate results with retain: outputs", async () => {
    const wf = dag("retain")
      .node("a", {}, () => "big")
      .node("b", { a: "a" }, ({ a }) => a.length)
      .node("c", { b: "b" }, ({ b }) => b + 1)
      .build();
    const kept = await wf.run();
    expect(kept.get("a")).toBe("big");
    const released = await wf.run(undefined, { retain: "outputs" });
    expect(released.get("a")).toBeUndefined();
    expect(released.output).toBe(4);
  });

  it("runs partial selections: until, from with reuse, between", async () => {
    const calls: string[] = [];
    const step =
      (name: string, k: number) =>
      ({ v }: { v: number }) => {
        calls.push(name);
        return v + k;
      };
    const wf = dag<{ v: number }>("partial")
      .node("a", { v: "input.v" }, step("a", 1))
      .node("b", { v: "a" }, step("b", 10))
      .node("c", { v: "b" }, step("c", 100))
      .node("d", { v: "c" }, step("d", 1000))
      .build();
    const first = await wf.run({ v: 0 }, { until: "b" });
    expect(calls).toEqual(["a", "b"]);
    expect(first.get("b")).toBe(11);
    expect(first.statusOf("c")).toBe("skipped");
    calls.length = 0;
    const rest = await wf.run({ v: 0 }, { from: "c", reuse: first });
    expect(calls).toEqual(["c", "d"]);
    expect(rest.output).toBe(1111);
    calls.length = 0;
    const mid = await wf.run({ v: 0 }, { between: ["b", "c"], reuse: first });
    expect(calls).toEqual(["b", "c"]);
    expect(mid.get("c")).toBe(111);
    await expect(wf.run({ v: 0 }, { until: "zzz" })).rejects.toThrow(
      "run option 'until': workflow 'partial' has no node 'zzz' (nodes: a, b, c, d)",
    );
  });

  it("checks condition and select results", async () => {
    const wf = dag("c")
      .condition("x", {}, () => true as never)
      .build();
    const run = await wf.run();
    expect(run.errors[0].message).toBe("condition 'x' must return branch(cond, value)");
  });
});

describe("run input", () => {
  it("rejects a missing input object with an error naming the fields nodes read", async () => {
    const wf = dag<{ path: string; n: number }>("needs")
      .node("a", { p: "input.path", n: "input.n" }, ({ p, n }) => p.repeat(n))
      .build();
    await expect(wf.run(undefined as never)).rejects.toThrow(
      "workflow 'needs' needs an input object with 'path', 'n'; got undefined",
    );
    expect(() => wf.runSync(42 as never)).toThrow(/got number/);
  });
});
