/**
 * Regression tests for faults found by adversarial use of the runtime: each test is named after
 * the failure it guards against.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createDag,
  dag,
  encodeValue,
  InputError,
  ListenerError,
  looseDag,
  memoryStore,
  planOf,
  NodeError,
  StoreError,
  UnstorableValueError,
  type Dag,
  type Graph,
  type RunEvent,
  type RunRecord,
} from "../../src/index.js";
import { readPort } from "../../src/run/arguments.js";

const FINAL = new Set(["completed", "skipped", "failed"]);
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Every node of a run ended in a final status (none pending or running). */
function expectAllFinal(run: { toJSON(): RunRecord }): void {
  const nodes = run.toJSON().nodes;
  for (const [name, rec] of Object.entries(nodes)) {
    expect(FINAL.has(rec.status), `node '${name}' is ${rec.status}`).toBe(true);
  }
}

/** Records node calls and whether any happened after the run settled. */
function callLog() {
  let settled = false;
  const late: string[] = [];
  const calls: string[] = [];
  return {
    called(node: string) {
      calls.push(node);
      if (settled) late.push(node);
    },
    settle() {
      settled = true;
    },
    calls,
    late,
  };
}

function boomGetter() {
  return {
    y: 1,
    get x(): number {
      throw new Error("boom");
    },
  };
}

describe("1. a throwing getter read while building arguments", () => {
  for (const mode of ["parallel", "sequential"] as const) {
    it(`on a node output does not escape the scheduler (${mode})`, async () => {
      const log = callLog();
      const wf = looseDag("g")
        .node("a", {}, async () => boomGetter())
        .node("b", { x: "a.x" }, ({ x }) => {
          log.called("b");
          return x;
        })
        .node("c", { y: "a.y" }, async ({ y }) => {
          log.called("c");
          await tick(5);
          return y;
        })
        .node("d", { c: "c" }, ({ c }) => {
          log.called("d");
          return c;
        })
        .build();
      const run = await wf.run({}, { mode });
      log.settle();
      expect(run.status).toBe("failed");
      expect(run.statusOf("b")).toBe("failed");
      expect(run.errors[0]).toBeInstanceOf(NodeError);
      expect(run.errors[0].node).toBe("b");
      expect(run.errors[0].message).toBe("node 'b' failed: boom");
      expect(log.calls).not.toContain("b");
      expectAllFinal(run);
      await tick(30);
      expect(log.late).toEqual([]);
    });

    it(`on the run input fails the reading node instead of rejecting run() (${mode})`, async () => {
      const log = callLog();
      const wf = looseDag("g")
        .node("b", { x: "input.x" }, async ({ x }) => x)
        .node("c", { y: "input.y" }, async ({ y }) => {
          log.called("c");
          await tick(10);
          return y;
        })
        .node("d", { c: "c" }, ({ c }) => {
          log.called("d");
          return c;
        })
        .build();
      const run = await wf.run(boomGetter(), { mode });
      log.settle();
      expect(run.status).toBe("failed");
      expect(run.statusOf("b")).toBe("failed");
      expect(run.errors.map((e) => e.node)).toEqual(["b"]);
      expectAllFinal(run);
      await tick(40);
      expect(log.late).toEqual([]);
    });
  }

  it("on the run input with onError 'continue' fails only the reader", async () => {
    const wf = looseDag("g")
      .node("b", { x: "input.x" }, ({ x }) => x)
      .node("c", { y: "input.y" }, ({ y }) => Number(y) + 1)
      .build();
    const run = await wf.run(boomGetter(), { onError: "continue" });
    expect(run.status).toBe("partial");
    expect(run.get("c")).toBe(2);
    expect(run.statusOf("b")).toBe("failed");
  });

  it("in runSync fails the reading node instead of throwing", () => {
    const wf = looseDag("g")
      .node("a", {}, () => boomGetter())
      .node("b", { x: "a.x" }, ({ x }) => x)
      .node("c", { y: "a.y" }, ({ y }) => y)
      .build();
    const run = wf.runSync({});
    expect(run.status).toBe("failed");
    expect(run.errors[0].node).toBe("b");
    expectAllFinal(run);
  });

  it("in a fused chain observed by a listener (chain path) does not escape", async () => {
    const events: RunEvent[] = [];
    const wf = looseDag("g")
      .node("a", {}, async () => boomGetter())
      .node("b", { x: "a.x" }, async ({ x }) => x)
      .node("c", { b: "b" }, async ({ b }) => b)
      .build();
    const run = await wf.run({}, { onEvent: (e) => events.push(e) });
    expect(run.status).toBe("failed");
    expect(run.errors[0].node).toBe("b");
    expect(run.statusOf("c")).toBe("skipped");
    expect(events.at(-1)?.type).toBe("run-complete");
  });

  it("in a fused chain nobody observes (lane path) does not escape", async () => {
    const wf = looseDag("g")
      .node("a", {}, async () => boomGetter())
      .node("b", { x: "a.x" }, async ({ x }) => x)
      .node("c", { b: "b" }, async ({ b }) => b)
      .build();
    const run = await wf.run({}, { timings: false });
    expect(run.status).toBe("failed");
    expect(run.errors[0].node).toBe("b");
    expectAllFinal(run);
  });

  it("a result whose `then` getter throws fails that node", async () => {
    const wf = looseDag("g")
      .node("a", {}, () => ({
        get then(): unknown {
          throw new Error("then boom");
        },
      }))
      .node("b", { a: "a" }, () => 1)
      .build();
    const run = await wf.run({});
    expect(run.status).toBe("failed");
    expect(run.errors[0].message).toBe("node 'a' failed: then boom");
    expectAllFinal(run);
  });
});

/** A graph of two nodes where `b` reads `a` through `port` (bypassing build-time checks). */
function portGraph(port: string, from = "a"): Dag<Record<string, unknown>, unknown, unknown> {
  const graph: Graph = {
    version: 1,
    name: "ports",
    kind: "dag",
    nodes: [
      { name: "a", kind: "task" },
      { name: "b", kind: "task" },
    ],
    edges: [{ from, to: "b", param: "v", port }],
    output: "b",
  } as Graph;
  return createDag(
    graph,
    new Map([
      ["a", { fn: () => ({ own: 1 }) }],
      ["b", { fn: ({ v }: { v: unknown }) => ({ got: v }) }],
    ]),
  ) as unknown as Dag<Record<string, unknown>, unknown, unknown>;
}

describe("4. ports read only what a value holds, never its prototypes", () => {
  for (const port of [
    "constructor",
    "constructor.constructor",
    "__proto__",
    "__proto__.hasOwnProperty",
    "toString",
    "hasOwnProperty",
  ]) {
    it(`'a.${port}' does not hand a node Object, Function or a prototype`, () => {
      const run = portGraph(port).runSync({});
      expect(run.status).toBe("completed");
      expect(run.output).toEqual({ got: undefined });
      expect(run.get(`a.${port}` as never)).toBeUndefined();
    });
  }

  it("'input.constructor.constructor' does not hand a node Function", () => {
    const run = portGraph("constructor.constructor", "input").runSync({ x: 1 });
    expect(run.output).toEqual({ got: undefined });
  });

  it("own fields, array lengths and class getters still read", () => {
    class Box {
      constructor(readonly inner: number) {}
      get twice(): number {
        return this.inner * 2;
      }
    }
    expect(readPort({ x: 1 }, "x")).toBe(1);
    expect(readPort([1, 2, 3], "length")).toBe(3);
    expect(readPort(new Map([[1, 2]]), "size")).toBe(1);
    expect(readPort(new Box(4), "twice")).toBe(8);
    expect(readPort(new Box(4), "constructor")).toBeUndefined();
    expect(readPort(Object.create(null) as object, "x")).toBeUndefined();
  });
});

describe("2. a throwing listener, consumer, hook or store", () => {
  const chain = () =>
    looseDag("l")
      .node("a", {}, () => 1)
      .node("b", { a: "a" }, ({ a }) => Number(a) + 1)
      .node("c", { b: "b" }, ({ b }) => Number(b) + 1)
      .build();

  it("an onEvent listener throwing on node-complete fails the run, naming listener and event (runSync)", () => {
    const run = chain().runSync(
      {},
      {
        onEvent: (e) => {
          if (e.type === "node-complete" && e.node === "a") throw new Error("listener down");
        },
      },
    );
    expect(run.status).toBe("failed");
    const err = run.errors.find((e) => e.node === "(run)");
    expect(err?.cause).toBeInstanceOf(ListenerError);
    expect(err?.message).toBe(
      "run failed: the onEvent listener threw on event 'node-complete' of node 'a': listener down",
    );
    expect(run.statusOf("a")).toBe("completed");
    expectAllFinal(run);
  });

  it("a listener throwing on node-start of async nodes never leaves a node pending", async () => {
    const wf = looseDag("l")
      .node("a", {}, async () => 1)
      .node("b", {}, async () => 2)
      .node("c", { a: "a", b: "b" }, async ({ a, b }) => Number(a) + Number(b))
      .build();
    const run = await wf.run(
      {},
      {
        onEvent: (e) => {
          if (e.type === "node-start") throw new Error("no");
        },
      },
    );
    expect(run.status).toBe("failed");
    expectAllFinal(run);
  });

  it("a listener throwing on run-start runs nothing and fails the run", async () => {
    let calls = 0;
    const wf = looseDag("l")
      .node("a", {}, () => calls++)
      .build();
    const run = await wf.run(
      {},
      {
        onEvent: (e) => {
          if (e.type === "run-start") throw new Error("no");
        },
      },
    );
    expect(run.status).toBe("failed");
    expect(calls).toBe(0);
    expect(run.statusOf("a")).toBe("skipped");
  });

  it("a listener throwing on run-complete fails the run instead of escaping", async () => {
    const run = await chain().run(
      {},
      {
        onEvent: (e) => {
          if (e.type === "run-complete") throw new Error("late");
        },
      },
    );
    expect(run.status).toBe("failed");
    expect(run.errors[0].message).toContain("event 'run-complete'");
    expect(run.output).toBe(3);
  });

  it("a stream() consumer that stops early leaves the run to finish", async () => {
    const stream = chain().stream({});
    const seen: string[] = [];
    try {
      for await (const e of stream) {
        seen.push(e.type);
        throw new Error("consumer gave up");
      }
    } catch (e) {
      expect((e as Error).message).toBe("consumer gave up");
    }
    const run = await stream.result;
    expect(seen).toEqual(["run-start"]);
    expect(run.status).toBe("completed");
  });

  it("a stream() whose onEvent throws still delivers every event and ends", async () => {
    const stream = chain().stream(
      {},
      {
        onEvent: (e) => {
          if (e.type === "node-complete") throw new Error("no");
        },
      },
    );
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types.at(-1)).toBe("run-complete");
    expect((await stream.result).status).toBe("failed");
  });

  for (const hook of ["before", "after", "cleanup", "onError"] as const) {
    it(`a throwing hooks.${hook} fails its node like the node's own error`, async () => {
      const wf = looseDag("h")
        .node(
          "a",
          {},
          () => {
            if (hook === "onError") throw new Error("node error");
            return 1;
          },
          {
            hooks: {
              [hook]: () => {
                throw new Error(`${hook} threw`);
              },
            },
          },
        )
        .node("b", { a: "a" }, ({ a }) => a)
        .build();
      const run = await wf.run({});
      expect(run.status).toBe("failed");
      expect(run.errors[0].node).toBe("a");
      expect(run.errors[0].message).toBe(`node 'a' failed: ${hook} threw`);
      expect(run.statusOf("b")).toBe("skipped");
    });
  }

  function failingStore(when: (node: string, status: string) => boolean, async = false) {
    const store = memoryStore();
    const record = store.record.bind(store);
    store.record = (runId, entry) => {
      if (when(entry.node, entry.status)) {
        if (async) return Promise.reject(new Error("disk full")) as never;
        throw new Error("disk full");
      }
      return record(runId, entry);
    };
    return store;
  }

  for (const async of [false, true]) {
    it(`a store whose record ${async ? "rejects" : "throws"} fails the run naming store and node`, async () => {
      const store = failingStore((node) => node === "b", async);
      const run = await chain().run({}, { checkpoint: store, runId: "s1" });
      expect(run.status).toBe("failed");
      expect(run.statusOf("b")).toBe("failed");
      expect(run.statusOf("c")).toBe("skipped");
      const err = run.errors.find((e) => e.node === "b");
      expect(err?.cause).toBeInstanceOf(StoreError);
      expect(err?.message).toBe(
        "the checkpoint store failed to record node 'b' (completed): disk full",
      );
      expectAllFinal(run);
    });
  }

  it("a store that throws recording a skipped node fails the run, never completes it", async () => {
    const store = failingStore((_, status) => status === "skipped");
    const wf = looseDag("s")
      .node("a", {}, () => {
        throw new Error("a failed");
      })
      .node("b", { a: "a" }, ({ a }) => a)
      .build();
    const run = await wf.run({}, { checkpoint: store, runId: "s2", onError: "continue" });
    expect(run.status).toBe("failed");
    expect(run.errors.map((e) => e.message)).toContain(
      "run failed: the checkpoint store failed to record node 'b' (skipped): disk full",
    );
  });
});

describe("8. durations beyond Node's 2^31-1 ms timer limit", () => {
  const LONG = 2 ** 31 + 1000;

  it("a node timeoutMs above 2^31-1 ms does not fire at once", async () => {
    const wf = dag("t")
      .node(
        "slow",
        {},
        async () => {
          await tick(30);
          return "done";
        },
        { timeoutMs: LONG },
      )
      .build();
    const run = await wf.run();
    expect(run.status).toBe("completed");
    expect(run.output).toBe("done");
  });

  it("a run timeoutMs above 2^31-1 ms does not fire at once", async () => {
    const wf = dag("t")
      .node("slow", {}, async () => {
        await tick(30);
        return "done";
      })
      .build();
    const run = await wf.run(undefined, { timeoutMs: LONG });
    expect(run.status).toBe("completed");
  });

  it("a retry delay above 2^31-1 ms does not retry at once", async () => {
    let calls = 0;
    const wf = dag("t")
      .node(
        "flaky",
        {},
        () => {
          calls++;
          if (calls === 1) throw new Error("first");
          return "ok";
        },
        { retry: { attempts: 2, delayMs: LONG } },
      )
      .build();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    const run = await wf.run(undefined, { signal: controller.signal });
    expect(run.status).toBe("cancelled");
    expect(calls).toBe(1);
  });
});

describe("8. durations that would fire at once", () => {
  it.each([
    [
      { timeoutMs: -1 },
      "node 'a': option 'timeoutMs' must be a number of milliseconds, 0 or more; got -1",
    ],
    [{ timeoutMs: Number.NaN }, "node 'a': option 'timeoutMs'"],
    [{ retry: { attempts: 2, delayMs: -5 } }, "node 'a': option 'retry.delayMs'"],
    [{ retry: { attempts: 2, maxDelayMs: Number.NaN } }, "node 'a': option 'retry.maxDelayMs'"],
  ])("node option %o is refused before anything runs", async (options, message) => {
    let calls = 0;
    const wf = looseDag("d")
      .node("a", {}, () => calls++, options as never)
      .build();
    await expect(wf.run({})).rejects.toThrow(message);
    expect(calls).toBe(0);
  });
});

describe("17. run options that would silently run a default", () => {
  const wf = () =>
    looseDag("o")
      .node("a", {}, () => 1)
      .node("b", { a: "a" }, ({ a }) => Number(a) + 1)
      .node("c", { b: "b" }, ({ b }) => Number(b) + 1)
      .build();

  it("run({ from }) without reuse is refused instead of completing with nothing run", async () => {
    await expect(wf().run({}, { from: "c" })).rejects.toThrow(
      "run option 'from' needs 'reuse' (a previous run, or a checkpointed run id): node 'c' reads 'b', which this run does not execute",
    );
    await expect(wf().run({}, { between: ["b", "c"] })).rejects.toBeInstanceOf(InputError);
    // A selection that reads nothing from outside needs nothing reused.
    expect((await wf().run({}, { from: "a" })).output).toBe(3);
  });

  it("an unknown mode is refused, naming the option and the valid values", async () => {
    await expect(wf().run({}, { mode: "paralel" as never })).rejects.toThrow(
      `run option 'mode' must be "sequential", "parallel" or "threads"; got "paralel"`,
    );
  });

  it.each([
    [{ onError: "ignore" }, "run option 'onError'"],
    [{ retain: "none" }, "run option 'retain'"],
    [{ concurrency: 0 }, "run option 'concurrency'"],
    [{ concurrency: Number.NaN }, "run option 'concurrency'"],
    [{ timeoutMs: -1 }, "run option 'timeoutMs'"],
    [{ timeoutMs: Number.NaN }, "run option 'timeoutMs'"],
    [{ timings: "no" }, "run option 'timings'"],
    [{ telemetry: "yes" }, "run option 'telemetry'"],
    [{ runId: "" }, "run option 'runId'"],
  ])("%o is refused", (options, message) => {
    expect(() => wf().runSync({}, options as never)).toThrow(message);
  });
});

describe("19. values a checkpoint store cannot look into", () => {
  const trap = () =>
    new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("ownKeys trap");
        },
      },
    );

  it("a Proxy whose ownKeys throws gives UnstorableValueError, not a raw Error", () => {
    const error = (() => {
      try {
        encodeValue({ inner: trap() }, "node 'p'");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnstorableValueError);
    expect((error as Error).message).toMatch(
      /^cannot store the value of node 'p': inner cannot be inspected \(ownKeys trap\)/,
    );
  });

  it("a node returning such a Proxy fails with UnstorableValueError naming the node", async () => {
    const wf = looseDag("p")
      .node("a", {}, () => trap())
      .build();
    const run = await wf.run({}, { checkpoint: memoryStore(), runId: "p1" });
    expect(run.status).toBe("failed");
    expect(run.errors[0].node).toBe("a");
    expect(run.errors[0].cause).toBeInstanceOf(UnstorableValueError);
    expect(run.errors[0].message).toMatch(/^cannot store the value of node 'a'/);
  });
});

describe("error messages name the node once", () => {
  it("a timed-out node reads `node 'slow' timed out after 5 ms`", async () => {
    const wf = dag("m")
      .node("slow", {}, () => new Promise(() => {}), { timeoutMs: 5 })
      .build();
    const run = await wf.run();
    expect(run.errors[0].message).toBe("node 'slow' timed out after 5 ms");
    expect(() => run.orThrow()).toThrow("workflow 'm' failed: node 'slow' timed out after 5 ms");
  });
});

describe("12. the default cache of separately built workflows", () => {
  const build = (secret: string) =>
    dag<{ user: string }>("lookup")
      .node("get", { user: "input.user" }, ({ user }) => `${secret}:${user}`, { cache: true })
      .build();

  it("two builds closing over different secrets never share entries", async () => {
    const tenantA = build("secret-a");
    const tenantB = build("secret-b");
    expect((await tenantA.run({ user: "u" })).output).toBe("secret-a:u");
    expect((await tenantB.run({ user: "u" })).output).toBe("secret-b:u");
  });

  it("one build's runs share its entries", async () => {
    const wf = build("s");
    await wf.run({ user: "u" });
    const again = await wf.run({ user: "u" });
    expect(again.metrics.cacheHits).toBe(1);
    // A precompiled plan runs the same functions: the same cache.
    const planned = await wf.withPlan(planOf(wf.graph)).run({ user: "u" });
    expect(planned.metrics.cacheHits).toBe(1);
  });
});

describe("13. cache hits are reported", () => {
  it("node-complete says cached: true, and metrics, toJSON and the trace count hits and misses", async () => {
    let calls = 0;
    const wf = dag<{ n: number }>("c")
      .node(
        "slow",
        { n: "input.n" },
        ({ n }) => {
          calls++;
          return n * 2;
        },
        { cache: true },
      )
      .node("plain", { s: "slow" }, ({ s }) => s + 1)
      .build();
    const first: RunEvent[] = [];
    const miss = await wf.run({ n: 1 }, { onEvent: (e) => first.push(e) });
    expect(miss.metrics.cacheHits).toBe(0);
    expect(miss.metrics.cacheMisses).toBe(1);
    const done = first.find((e) => e.type === "node-complete" && e.node === "slow");
    expect(done && "cached" in done).toBe(false);

    const dir = mkdtempSync(join(tmpdir(), "weft-cache-"));
    const trace = join(dir, "trace.json");
    const events: RunEvent[] = [];
    const hit = await wf.run({ n: 1 }, { onEvent: (e) => events.push(e), trace });
    expect(calls).toBe(1);
    expect(hit.output).toBe(3);
    expect(hit.metrics.cacheHits).toBe(1);
    expect(hit.metrics.cacheMisses).toBe(0);
    expect(events.find((e) => e.type === "node-complete" && e.node === "slow")).toMatchObject({
      cached: true,
    });
    expect(events.find((e) => e.type === "node-complete" && e.node === "plain")).not.toHaveProperty(
      "cached",
    );
    expect(hit.toJSON().nodes.slow.cached).toBe(true);
    expect(readFileSync(trace, "utf8")).toContain('"cached":true');
    rmSync(dir, { recursive: true, force: true });
  });

  it("workflows without a cache policy report no cache figures", () => {
    const run = looseDag("n")
      .node("a", {}, () => 1)
      .build()
      .runSync({});
    expect(run.metrics).not.toHaveProperty("cacheHits");
  });
});
