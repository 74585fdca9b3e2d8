import { describe, expect, it } from "vitest";
import {
  branch,
  dag,
  looseDag,
  memoryStore,
  planOf,
  select,
  type RunEvent,
} from "../../src/index.js";

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
}

type Fn = (args: Record<string, unknown>, ctx: { signal: AbortSignal }) => unknown;

/** A chain a -> b -> c -> d of the given link functions, and a sibling root `s`. */
function chain(links: Record<string, Fn>, sibling?: Fn) {
  let b = looseDag("chain");
  let prev: string | undefined;
  for (const [name, fn] of Object.entries(links)) {
    b = b.node(name, prev ? { v: prev } : {}, fn as never);
    prev = name;
  }
  if (sibling) b = b.node("s", {}, sibling as never);
  return b.build();
}

const inc: Fn = async ({ v }) => ((v as number | undefined) ?? 0) + 1;
const incSync: Fn = ({ v }) => ((v as number | undefined) ?? 0) + 1;

describe("async chains", () => {
  it("runs an async chain to the end with and without timings", async () => {
    const wf = chain({ a: inc, b: inc, c: inc, d: inc });
    for (const timings of [true, false]) {
      const run = await wf.run(undefined, { timings });
      expect(run.status).toBe("completed");
      expect(run.output).toBe(4);
      expect(run.metrics.order).toEqual(["a", "b", "c", "d"]);
      expect(run.metrics.executed).toBe(4);
      expect(Object.keys(run.metrics.nodeMs).sort()).toEqual(timings ? ["a", "b", "c", "d"] : []);
      const rec = run.toJSON();
      expect(rec.nodes.c.result).toBe(3);
      if (timings) expect(rec.nodes.c.ms).toBeTypeOf("number");
      else expect(rec.nodes.c).toEqual({ status: "completed", result: 3 });
    }
  });

  it("fail-fast in the middle of an async chain: dependents skipped, siblings aborted", async () => {
    let siblingAborted = false;
    const wf = chain(
      {
        a: inc,
        b: async () => {
          await tick();
          throw new Error("b broke");
        },
        c: inc,
        d: inc,
      },
      async (_, ctx) => {
        try {
          await waitForAbort(ctx.signal);
        } finally {
          siblingAborted = ctx.signal.aborted;
        }
      },
    );
    for (const timings of [true, false]) {
      siblingAborted = false;
      const run = await wf.run(undefined, { timings });
      expect(run.status).toBe("failed");
      expect(run.statusOf("a")).toBe("completed");
      expect(run.statusOf("b")).toBe("failed");
      expect(run.statusOf("c")).toBe("skipped");
      expect(run.statusOf("d")).toBe("skipped");
      expect(run.statusOf("s")).toBe("failed");
      expect(siblingAborted).toBe(true);
      expect(run.errors.map((e) => e.node)).toEqual(["b", "s"]);
      expect(run.toJSON().nodes.c.skipReason).toBe("run stopped after 'b' failed");
      expect(run.metrics.executed).toBe(1);
      expect(run.metrics.order).toEqual(["a", "s", "b"]);
    }
  });

  it("a sibling's failure stops an async chain at its next link", async () => {
    const started: string[] = [];
    const link =
      (name: string): Fn =>
      async ({ v }) => {
        started.push(name);
        await tick();
        return ((v as number | undefined) ?? 0) + 1;
      };
    const wf = chain({ a: link("a"), b: link("b"), c: link("c") }, () => {
      throw new Error("sibling");
    });
    const run = await wf.run(undefined);
    expect(run.status).toBe("failed");
    expect(started).toEqual(["a"]);
    expect(run.statusOf("a")).toBe("completed");
    expect(run.statusOf("b")).toBe("skipped");
    expect(run.statusOf("c")).toBe("skipped");
  });

  it("links returning a value synchronously or throwing synchronously", async () => {
    const ok = await chain({ a: inc, b: incSync, c: inc, d: incSync }).run(undefined);
    expect(ok.output).toBe(4);
    expect(ok.metrics.order).toEqual(["a", "b", "c", "d"]);
    const boom = chain({
      a: inc,
      b: () => {
        throw new Error("sync throw");
      },
      c: inc,
    });
    const failed = await boom.run(undefined);
    expect(failed.status).toBe("failed");
    expect(failed.statusOf("b")).toBe("failed");
    expect(failed.errors[0].message).toBe("node 'b' failed: sync throw");
    expect(failed.statusOf("c")).toBe("skipped");
    const cont = await boom.run(undefined, { onError: "continue" });
    expect(cont.status).toBe("partial");
    expect(cont.toJSON().nodes.c.skipReason).toBe("upstream 'b' failed");
  });

  it("onError: continue and a handler's { value } inside a chain", async () => {
    const wf = chain({
      a: inc,
      b: async () => {
        throw new Error("nope");
      },
      c: inc,
      d: inc,
    });
    const cont = await wf.run(undefined, { onError: "continue" });
    expect(cont.status).toBe("partial");
    expect(cont.statusOf("c")).toBe("skipped");
    expect(cont.statusOf("d")).toBe("skipped");
    const seen: string[] = [];
    const supplied = await wf.run(undefined, {
      onError: (node) => {
        seen.push(node);
        return { value: 10 };
      },
    });
    expect(seen).toEqual(["b"]);
    expect(supplied.status).toBe("completed");
    expect(supplied.output).toBe(12);
    expect(supplied.metrics.executed).toBe(4);
    expect((await wf.run(undefined, { onError: () => "stop" })).status).toBe("failed");
    const syncThrow = chain({
      a: inc,
      b: () => {
        throw new Error("nope");
      },
      c: inc,
    });
    expect((await syncThrow.run(undefined, { onError: () => ({ value: 5 }) })).output).toBe(6);
  });

  it("cancellation through a signal while a chain runs", async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const wf = chain({
      a: async () => {
        started.push("a");
        await tick();
        controller.abort();
        return 1;
      },
      b: async ({ v }) => {
        started.push("b");
        return v;
      },
      c: inc,
    });
    const run = await wf.run(undefined, { signal: controller.signal });
    expect(run.status).toBe("cancelled");
    expect(started).toEqual(["a"]);
    expect(run.statusOf("a")).toBe("completed");
    expect(run.statusOf("b")).toBe("skipped");
    expect(run.toJSON().nodes.b.skipReason).toBe("run cancelled");
  });

  it("cancellation while a lane link waits aborts that link", async () => {
    const controller = new AbortController();
    const wf = chain({
      a: inc,
      b: (_, ctx) => waitForAbort(ctx.signal),
      c: inc,
    });
    const p = wf.run(undefined, { signal: controller.signal, timings: false });
    await tick(2);
    controller.abort();
    const run = await p;
    expect(run.status).toBe("cancelled");
    expect(run.statusOf("a")).toBe("completed");
    expect(run.statusOf("b")).toBe("failed");
    expect(run.statusOf("c")).toBe("skipped");
  });

  it("a run timeout while a chain runs", async () => {
    const wf = chain({ a: inc, b: (_, ctx) => waitForAbort(ctx.signal), c: inc });
    const run = await wf.run(undefined, { timeoutMs: 10 });
    expect(run.status).toBe("failed");
    expect(run.statusOf("c")).toBe("skipped");
    expect(run.errors.map((e) => e.node)).toContain("(run)");
  });

  it("runIf always / any-failed after a chain", async () => {
    const wf = looseDag("after")
      .node("a", {}, inc as never)
      .node("b", { v: "a" }, async () => {
        throw new Error("b");
      })
      .node("c", { v: "b" }, inc as never)
      .node("cleanup", { c: "c" }, () => "cleaned", { runIf: "always" })
      .node("alert", { c: "c" }, () => "alerted", { runIf: "any-failed" })
      .build();
    for (const onError of ["fail-fast", "continue"] as const) {
      const run = await wf.run(undefined, { onError });
      expect(run.get("cleanup")).toBe("cleaned");
      expect(run.get("alert")).toBe("alerted");
      expect(run.statusOf("c")).toBe("skipped");
    }
    const fine = looseDag("fine")
      .node("a", {}, inc as never)
      .node("b", { v: "a" }, inc as never)
      .node("cleanup", { b: "b" }, () => "cleaned", { runIf: "always" })
      .node("alert", { b: "b" }, () => "alerted", { runIf: "any-failed" })
      .build();
    const ok = await fine.run(undefined);
    expect(ok.get("cleanup")).toBe("cleaned");
    expect(ok.statusOf("alert")).toBe("skipped");
  });

  it("conditions and selects feeding chains", async () => {
    const wf = dag<{ n: number }>("cond-chain")
      .condition("even", { n: "input.n" }, async ({ n }) => branch(n % 2 === 0, n))
      .node("half", { n: "even.true" }, async ({ n }) => n / 2)
      .node("halfAgain", { h: "half" }, async ({ h }) => h / 2)
      .node("last", { h: "halfAgain" }, async ({ h }) => h + 1)
      .select("route", { n: "input.n" }, ({ n }) => (n > 5 ? select("big", n) : select("small", n)))
      .node("bigA", { n: "route.big" }, async ({ n }) => n * 10)
      .node("bigB", { n: "bigA" }, async ({ n }) => n + 1)
      .build();
    const even = await wf.run({ n: 8 });
    expect(even.status).toBe("completed");
    expect(even.get("last")).toBe(3);
    expect(even.get("bigB")).toBe(81);
    const odd = await wf.run({ n: 3 }, { timings: false });
    expect(odd.statusOf("half")).toBe("skipped");
    expect(odd.statusOf("halfAgain")).toBe("skipped");
    expect(odd.statusOf("last")).toBe("skipped");
    expect(odd.statusOf("bigA")).toBe("skipped");
    expect(odd.statusOf("bigB")).toBe("skipped");
    expect(odd.metrics.executed).toBe(2);
  });

  it("compensates lane-completed chain nodes in reverse completion order", async () => {
    const undone: string[] = [];
    const comp = (name: string) => ({
      compensate: (r: unknown) => void undone.push(`${name}:${String(r)}`),
    });
    const wf = looseDag("saga-chain")
      .node("reserve", {}, async () => "seat", comp("reserve"))
      .node("charge", { s: "reserve" }, async () => "tx", comp("charge"))
      .node("mail", { t: "charge" }, async () => "sent", comp("mail"))
      .node("ship", { m: "mail" }, async (): Promise<string> => {
        await tick();
        throw new Error("no stock");
      })
      .build();
    for (const timings of [true, false]) {
      undone.length = 0;
      const run = await wf.run(undefined, { timings });
      expect(run.status).toBe("failed");
      expect(undone).toEqual(["mail:sent", "charge:tx", "reserve:seat"]);
      expect(
        (run as unknown as { compensations: { node: string }[] }).compensations.map((c) => c.node),
      ).toEqual(["mail", "charge", "reserve"]);
    }
  });

  it("compensation order interleaves a chain and a parallel branch by completion", async () => {
    const undone: string[] = [];
    const comp = (name: string) => ({ compensate: () => void undone.push(name) });
    const wf = looseDag("saga-mixed")
      .node("a", {}, async () => 1, comp("a"))
      .node(
        "b",
        { v: "a" },
        async () => {
          await tick(5);
          return 2;
        },
        comp("b"),
      )
      .node(
        "p",
        {},
        async () => {
          await tick(1);
          return 3;
        },
        comp("p"),
      )
      .node("fail", { b: "b", p: "p" }, () => {
        throw new Error("x");
      })
      .build();
    const run = await wf.run(undefined);
    expect(run.status).toBe("failed");
    expect(undone).toEqual(["b", "p", "a"]);
  });

  it("sequential mode and concurrency: 1 with chains", async () => {
    let active = 0;
    let peak = 0;
    const slow: Fn = async ({ v }) => {
      active++;
      peak = Math.max(peak, active);
      await tick();
      active--;
      return ((v as number | undefined) ?? 0) + 1;
    };
    const wf = looseDag("seq-chain")
      .node("a", {}, slow as never)
      .node("b", { v: "a" }, slow as never)
      .node("c", { v: "b" }, slow as never)
      .node("x", {}, slow as never)
      .node("y", { v: "x" }, slow as never)
      .build();
    for (const opts of [
      { mode: "sequential" as const },
      { concurrency: 1 },
      { concurrency: 1, timings: false },
    ]) {
      peak = 0;
      const run = await wf.run(undefined, opts);
      expect(run.status).toBe("completed");
      expect(peak).toBe(1);
      expect(run.metrics.order).toEqual(["a", "b", "c", "x", "y"]);
    }
    peak = 0;
    const two = await wf.run(undefined, { concurrency: 2 });
    expect(peak).toBe(2);
    expect(two.metrics.executed).toBe(5);
  });

  it("resumes from a checkpoint, re-running only what did not complete", async () => {
    const store = memoryStore();
    let healthy = false;
    const calls: string[] = [];
    const link =
      (name: string): Fn =>
      async ({ v }) => {
        calls.push(name);
        if (name === "c" && !healthy) throw new Error("down");
        return ((v as number | undefined) ?? 0) + 1;
      };
    const wf = chain({ a: link("a"), b: link("b"), c: link("c"), d: link("d") });
    const first = await wf.run(undefined, { checkpoint: store, runId: "r1", timings: false });
    expect(first.status).toBe("failed");
    expect(calls).toEqual(["a", "b", "c"]);
    healthy = true;
    calls.length = 0;
    const resumed = await wf.resume("r1", { checkpoint: store });
    expect(resumed.status).toBe("completed");
    expect(resumed.output).toBe(4);
    expect(calls).toEqual(["c", "d"]);
    expect(resumed.metrics.executed).toBe(2);
    expect(resumed.metrics.order).toEqual(["c", "d"]);
  });

  it("retain: outputs still releases values of async chains", async () => {
    const wf = chain({ a: inc, b: inc, c: inc });
    const run = await wf.run(undefined, { retain: "outputs", timings: false });
    expect(run.output).toBe(3);
    expect(run.get("a")).toBeUndefined();
    expect(run.get("b")).toBeUndefined();
    const kept = await wf.run(undefined, { timings: false });
    expect(kept.get("a")).toBe(1);
  });

  it("an observed run reports every chain node's events", async () => {
    const events: RunEvent[] = [];
    const run = await chain({ a: inc, b: inc, c: inc }).run(undefined, {
      timings: false,
      onEvent: (e) => events.push(e),
    });
    expect(run.output).toBe(3);
    expect(events.filter((e) => e.type === "node-start").map((e) => e.node)).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(Object.keys(run.metrics.nodeMs)).toHaveLength(3);
  });

  it("a chain with a precompiled plan takes the same path", async () => {
    const wf = chain({ a: inc, b: inc, c: incSync, d: inc });
    const planned = wf.withPlan(planOf(wf.graph));
    const run = await planned.run(undefined, { timings: false });
    expect(run.output).toBe(4);
    expect(run.metrics.order).toEqual(["a", "b", "c", "d"]);
  });

  it("a chain whose link reads a field of its producer", async () => {
    const wf = looseDag("fields")
      .node("a", {}, async () => ({ n: 2 }))
      .node("b", { n: "a.n" }, async ({ n }) => (n as number) * 3)
      .node("c", { b: "b", x: "input.x" }, async ({ b, x }) => (b as number) + (x as number))
      .build();
    const run = await wf.run({ x: 1 }, { timings: false });
    expect(run.output).toBe(7);
  });

  it("starts async roots in priority order, ties by declaration", async () => {
    const wf = looseDag("roots")
      .node("short", {}, inc as never)
      .node("long", {}, inc as never)
      .node("long2", { v: "long" }, inc as never)
      .node("long3", { v: "long2" }, inc as never)
      .node("mid", {}, inc as never)
      .node("mid2", { v: "mid" }, inc as never)
      .node("short2", {}, inc as never)
      .build();
    const free = await wf.run(undefined);
    expect(free.metrics.order.slice(0, 4)).toEqual(["long", "mid", "short", "short2"]);
  });

  it("counts executed nodes and order with timings: false when some nodes never start", async () => {
    const wf = looseDag("partial-order")
      .node("a", {}, async () => {
        throw new Error("a");
      })
      .node("b", { v: "a" }, inc as never)
      .node("c", {}, inc as never)
      .node("d", { v: "c" }, inc as never)
      .build();
    const run = await wf.run(undefined, { onError: "continue", timings: false });
    expect(run.status).toBe("partial");
    expect(run.metrics.order).toEqual(["a", "c", "d"]);
    expect(run.metrics.executed).toBe(2);
    expect(run.metrics.failed).toBe(1);
    expect(run.metrics.skipped).toBe(1);
    expect(run.metrics.nodeMs).toEqual({});
    expect(run.toJSON().metrics.order).toEqual(["a", "c", "d"]);
    expect(JSON.parse(JSON.stringify(run.toJSON())).metrics.order).toEqual(["a", "c", "d"]);
  });
});
