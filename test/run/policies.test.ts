import { afterEach, describe, expect, it } from "vitest";
import {
  CircuitOpenError,
  dag,
  NodeTimeoutError,
  resetCircuitBreakers,
  type RunEvent,
} from "../../src/index.js";

afterEach(() => resetCircuitBreakers());

function flaky(failures: number, error = () => new Error("flaky")) {
  let calls = 0;
  const fn = () => {
    calls++;
    if (calls <= failures) throw error();
    return `ok after ${calls}`;
  };
  return { fn, calls: () => calls };
}

describe("node policies", () => {
  it("retries up to `attempts` tries in all, with backoff, emitting retry events", async () => {
    const f = flaky(2);
    const events: RunEvent[] = [];
    const wf = dag("r")
      .node("call", {}, f.fn, { retry: { attempts: 3, delayMs: 2, backoff: 2 } })
      .build();
    const run = await wf.run(undefined, { onEvent: (e) => events.push(e) });
    expect(run.output).toBe("ok after 3");
    expect(f.calls()).toBe(3);
    const retries = events.filter((e) => e.type === "node-retry");
    expect(retries.map((e) => (e.type === "node-retry" ? [e.attempt, e.delayMs] : []))).toEqual([
      [2, 2],
      [3, 4],
    ]);
    expect(run.toJSON().nodes.call.attempts).toBe(3);
  });

  it("gives up after `attempts` and reports how many were made", async () => {
    const f = flaky(5);
    const run = await dag("r")
      .node("call", {}, f.fn, { retry: { attempts: 2 } })
      .build()
      .run();
    expect(f.calls()).toBe(2);
    expect(run.status).toBe("failed");
    expect(run.errors[0].message).toBe("node 'call' failed: flaky");
    expect(run.errors[0].attempts).toBe(2);
  });

  it("retries only errors that retryOn accepts", async () => {
    const f = flaky(5, () => Object.assign(new Error("bad request"), { status: 400 }));
    const run = await dag("r")
      .node("call", {}, f.fn, {
        retry: { attempts: 4, retryOn: (e) => (e as { status?: number }).status !== 400 },
      })
      .build()
      .run();
    expect(f.calls()).toBe(1);
    expect(run.status).toBe("failed");
  });

  it("caps delays at maxDelayMs and keeps jittered delays within bounds", async () => {
    const events: RunEvent[] = [];
    const f = flaky(4);
    await dag("r")
      .node("call", {}, f.fn, {
        retry: { attempts: 5, delayMs: 2, backoff: 10, maxDelayMs: 3, jitter: true },
      })
      .build()
      .run(undefined, { onEvent: (e) => events.push(e) });
    const delays = events.flatMap((e) => (e.type === "node-retry" ? [e.delayMs] : []));
    expect(delays).toHaveLength(4);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(3);
    }
  });

  it("times out an attempt, aborting its signal with an error naming the node", async () => {
    let aborted: unknown;
    const wf = dag("t")
      .node(
        "hang",
        {},
        (_, ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => {
              aborted = ctx.signal.reason;
              reject(ctx.signal.reason);
            }),
          ),
        { timeoutMs: 5 },
      )
      .build();
    const run = await wf.run();
    expect(run.status).toBe("failed");
    expect(aborted).toBeInstanceOf(NodeTimeoutError);
    expect(run.errors[0].message).toBe("node 'hang' timed out after 5 ms");
  });

  it("caches results by arguments and function source, with TTL", async () => {
    let calls = 0;
    const make = (k: number) =>
      dag<{ x: number }>("cache")
        .node(
          "sq",
          { x: "input.x" },
          k === 1
            ? ({ x }) => {
                calls++;
                return x * x;
              }
            : ({ x }) => {
                calls++;
                return x * x * k;
              },
          { cache: { ttlMs: 60_000 } },
        )
        .build();
    const wf = make(1);
    expect((await wf.run({ x: 3 })).output).toBe(9);
    expect((await wf.run({ x: 3 })).output).toBe(9);
    expect(calls).toBe(1);
    expect((await wf.run({ x: 4 })).output).toBe(16);
    expect(calls).toBe(2);
    // Same workflow and node name, changed code: no stale result.
    expect((await make(2).run({ x: 3 })).output).toBe(18);
    expect(calls).toBe(3);
  });

  it("uses a custom cache key and store", async () => {
    const map = new Map<string, unknown>();
    const store = {
      get: (k: string) => (map.has(k) ? { value: map.get(k) } : undefined),
      set: (k: string, v: unknown) => void map.set(k, v),
    };
    let calls = 0;
    const wf = dag<{ user: { id: number; name: string } }>("ck")
      .node("profile", { user: "input.user" }, ({ user }) => `${user.name}#${++calls}`, {
        cache: { key: ({ user }) => `user:${user.id}`, store },
      })
      .build();
    expect((await wf.run({ user: { id: 1, name: "a" } })).output).toBe("a#1");
    expect((await wf.run({ user: { id: 1, name: "renamed" } })).output).toBe("a#1");
    expect([...map.keys()][0]).toMatch(/^ck\/profile\//);
  });

  it("runs hooks: before changes args, after changes the result, cleanup always runs", async () => {
    const log: string[] = [];
    const wf = dag<{ n: number }>("hooks")
      .node("double", { n: "input.n" }, ({ n }) => n * 2, {
        hooks: {
          before: (args) => {
            log.push("before");
            return { n: args.n + 1 };
          },
          after: (r) => {
            log.push("after");
            return r + 100;
          },
          cleanup: () => void log.push("cleanup"),
        },
      })
      .build();
    expect((await wf.run({ n: 1 })).output).toBe(104);
    expect(log).toEqual(["before", "after", "cleanup"]);
  });

  it("onError hooks and fallbacks supply values for failed nodes", async () => {
    const fail = (): number => {
      throw new Error("down");
    };
    const viaHook = await dag("h")
      .node("x", {}, fail, { hooks: { onError: (e) => ({ value: String(e).length }) } })
      .build()
      .run();
    expect(viaHook.status).toBe("completed");
    expect(viaHook.output).toBe("Error: down".length);
    const viaFallback = await dag("f")
      .node("x", {}, fail, { fallback: -1, retry: { attempts: 2 } })
      .build()
      .run();
    expect(viaFallback.output).toBe(-1);
  });

  it("opens a circuit breaker shared across runs, then half-opens after resetMs", async () => {
    let calls = 0;
    let healthy = false;
    const wf = dag("cb")
      .node(
        "svc",
        {},
        () => {
          calls++;
          if (!healthy) throw new Error("503");
          return "up";
        },
        { circuitBreaker: { threshold: 2, resetMs: 20 } },
      )
      .build();
    await wf.run();
    await wf.run();
    const refused = await wf.run();
    expect(calls).toBe(2);
    expect(refused.errors[0].cause).toBeInstanceOf(CircuitOpenError);
    expect(refused.errors[0].message).toMatch(/circuit breaker 'cb.svc' is open/);
    await new Promise((r) => setTimeout(r, 25));
    healthy = true;
    const trial = await wf.run();
    expect(trial.output).toBe("up");
    expect(calls).toBe(3);
  });

  it("compensates completed nodes in reverse completion order when a run fails", async () => {
    const undone: string[] = [];
    const wf = dag("saga")
      .node("reserve", {}, () => "seat-1", { compensate: (r) => void undone.push(`release ${r}`) })
      .node("charge", { s: "reserve" }, () => "tx-9", {
        compensate: (r) => {
          undone.push(`refund ${r}`);
          throw new Error("refund service down");
        },
      })
      .node("ship", { t: "charge" }, () => {
        throw new Error("no stock");
      })
      .build();
    const run = await wf.run();
    expect(run.status).toBe("failed");
    expect(undone).toEqual(["refund tx-9", "release seat-1"]);
    const comp = (run as unknown as { compensations: { node: string; ok: boolean }[] })
      .compensations;
    expect(comp.map((c) => [c.node, c.ok])).toEqual([
      ["charge", false],
      ["reserve", true],
    ]);
  });

  it("keeps results a compensation needs even when intermediate results are released", async () => {
    const undone: unknown[] = [];
    const wf = dag("saga-retain")
      .node("reserve", {}, () => "seat-7", { compensate: (r) => void undone.push(r) })
      .node("charge", { s: "reserve" }, ({ s }) => s.length)
      .node("ship", { c: "charge" }, (): number => {
        throw new Error("no stock");
      })
      .build();
    const run = await wf.run(undefined, { retain: "outputs" });
    expect(run.status).toBe("failed");
    expect(undone).toEqual(["seat-7"]);
  });

  it("applies workflow-wide default options, which node options override", async () => {
    const a = flaky(1);
    const b = flaky(3);
    const run = await dag("defaults", { defaults: { retry: { attempts: 2 } } })
      .node("a", {}, a.fn)
      .node("b", {}, b.fn, { retry: { attempts: 4 } })
      .build()
      .run();
    expect(run.status).toBe("completed");
    expect([a.calls(), b.calls()]).toEqual([2, 4]);
  });
});
