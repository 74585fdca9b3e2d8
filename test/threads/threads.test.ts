import os from "node:os";
import { threadId } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import {
  closeThreadPool,
  dag,
  dagFromGraph,
  NodeError,
  NodeTimeoutError,
  ThreadCloneError,
  ThreadModuleError,
  warmThreadPool,
  type RunEvent,
} from "../../src/index.js";
import {
  contexts,
  primeRanges,
  primes,
  spinning,
  spinningBriefly,
  troubles,
  waiting,
  waitingBriefly,
} from "./fixtures/workflows.js";

afterAll(() => closeThreadPool());

/** Resolves with the first message on a broadcast channel. */
function nextBroadcast(name: string): { message: Promise<unknown>; close(): void } {
  const channel = new BroadcastChannel(name);
  const message = new Promise<unknown>((resolve) => {
    channel.onmessage = (e) => resolve((e as MessageEvent).data);
  });
  return { message, close: () => channel.close() };
}

describe("mode: threads", () => {
  it("gives the same results as a sequential run, computed off the main thread", async () => {
    const input = { limit: 20_000 };
    const seq = await primes.run(input, { mode: "sequential" });
    const thr = await primes.run(input, { mode: "threads" });
    expect(thr.status).toBe("completed");
    expect(thr.output?.count).toBe(2262);
    expect(thr.output?.count).toBe(seq.output?.count);
    for (const n of ["c0", "c1", "c2", "c3"] as const) {
      expect(thr.get(n)?.count).toBe(seq.get(n)?.count);
      expect(seq.get(n)?.thread).toBe(threadId);
      expect(thr.get(n)?.thread).not.toBe(threadId);
    }
  });

  it("keeps { thread: false } nodes and conditions on the main thread", async () => {
    const run = await primes.run({ limit: 1_000 }, { mode: "threads" });
    expect(run.get("total")).toEqual({ count: 168, thread: threadId });
    expect(run.get("big.true")).toEqual({ thread: threadId });
  });

  it("sends map items one by one", async () => {
    const ranges: [number, number][] = [
      [0, 1_000],
      [1_000, 2_000],
      [2_000, 5_000],
    ];
    const run = await primeRanges.run({ ranges }, { mode: "threads" });
    expect(run.status).toBe("completed");
    expect(run.output).toBe(669);
    expect(run.get("counts")?.map((c) => [c.index, c.ctxIndex, c.count])).toEqual([
      [0, 0, 168],
      [1, 1, 135],
      [2, 2, 366],
    ]);
    expect(run.get("counts")?.every((c) => c.thread !== threadId)).toBe(true);
  });

  it("brings a node's error back as a NodeError naming the node, with nothing lost", async () => {
    const run = await troubles.run({ what: "throw", limit: 7 }, { mode: "threads" });
    expect(run.status).toBe("failed");
    const err = run.errors[0];
    expect(err).toBeInstanceOf(NodeError);
    expect(err.node).toBe("check");
    expect(err.message).toBe("node 'check' failed: quota of 7 exceeded");
    const cause = err.cause as Error & { code?: string; limit?: number };
    expect([cause.name, cause.message, cause.code, cause.limit]).toEqual([
      "QuotaError",
      "quota of 7 exceeded",
      "E_QUOTA",
      7,
    ]);
    expect(cause.stack).toContain("workflows.ts");
  });

  it("refuses a result that cannot be cloned, naming the node and the part", async () => {
    const fn = await troubles.run({ what: "function", limit: 1 }, { mode: "threads" });
    const cause = fn.errors[0].cause;
    expect(cause).toBeInstanceOf(ThreadCloneError);
    expect(cause).toMatchObject({ node: "check", what: "result", path: "result.handle" });
    expect(fn.errors[0].message).toContain(
      "node 'check': result.handle cannot be sent from a worker thread: result.handle is a function",
    );
    // A class instance would arrive as a plain object: refused too, not changed silently.
    const cls = await troubles.run({ what: "class", limit: 1 }, { mode: "threads" });
    expect(cls.errors[0].cause).toMatchObject({ what: "result", path: "result.at" });
    expect(cls.errors[0].message).toContain("is an instance of class URL");
  });

  it("refuses arguments and metadata that cannot be cloned before sending anything", async () => {
    const args = await troubles.run(
      { what: "ok", limit: 1, cb: () => 1 },
      { mode: "threads", onError: "continue" },
    );
    expect(args.status).toBe("partial");
    expect(args.get("check")).toEqual({ ok: true, handle: 1 });
    expect(args.errors.map((e) => e.node)).toEqual(["call"]);
    expect(args.errors[0].cause).toMatchObject({ what: "arguments", path: "args.cb" });
    expect(args.errors[0].message).toContain("args.cb cannot be sent to a worker thread");

    const meta = await troubles.run(
      { what: "ok", limit: 1 },
      { mode: "threads", metadata: { log: console.log } },
    );
    expect(meta.errors[0].cause).toMatchObject({ what: "metadata", path: "ctx.metadata.log" });
  });

  it("gives the worker runId, node, attempt, a copy of metadata, and forwards progress", async () => {
    const events: RunEvent[] = [];
    const metadata: Record<string, unknown> = { tenant: "acme" };
    const run = await contexts.run(
      { mode: "flaky" },
      { mode: "threads", runId: "r-7", metadata, onEvent: (e) => events.push(e) },
    );
    expect(run.status).toBe("completed");
    const out = run.get("flaky");
    expect(out).toMatchObject({ attempt: 2, runId: "r-7", node: "flaky", tenant: "acme" });
    expect(out?.thread).not.toBe(threadId);
    // Changes to the copy stay in the worker.
    expect(metadata).toEqual({ tenant: "acme" });
    const seen = events
      .filter((e) => ("node" in e && e.node === "flaky") || e.type === "run-complete")
      .map((e) => (e.type === "progress" ? `progress:${String(e.progress.message)}` : e.type));
    expect(seen).toEqual([
      "node-start",
      "node-retry",
      "node-start",
      "progress:half",
      "progress:all",
      "node-complete",
      "run-complete",
    ]);
  });

  it("fails a node whose progress report cannot be cloned", async () => {
    const run = await contexts.run(
      { mode: "bad-progress" },
      { mode: "threads", onEvent: () => {} },
    );
    expect(run.errors[0].cause).toMatchObject({ what: "progress", path: "progress.retry" });
    // Without a listener, progress goes nowhere and is not checked.
    const quiet = await contexts.run({ mode: "bad-progress" }, { mode: "threads" });
    expect(quiet.status).toBe("completed");
  });

  it("forwards a run's cancellation to the worker's ctx.signal", async () => {
    const channel = `weft-threads-cancel-${process.pid}`;
    const seen = nextBroadcast(channel);
    const controller = new AbortController();
    const run = await waiting.run(
      { channel },
      {
        mode: "threads",
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === "progress") controller.abort(new Error("stop now"));
        },
      },
    );
    expect(run.status).toBe("cancelled");
    expect(await seen.message).toMatchObject({ name: "Error", message: "stop now" });
    seen.close();
  });

  it("forwards a node's timeout to the worker's ctx.signal", async () => {
    const channel = `weft-threads-timeout-${process.pid}`;
    const seen = nextBroadcast(channel);
    const run = await waitingBriefly.run({ channel }, { mode: "threads" });
    expect(run.status).toBe("failed");
    expect(run.errors[0].cause).toBeInstanceOf(NodeTimeoutError);
    expect(await seen.message).toMatchObject({
      name: "NodeTimeoutError",
      message: "node 'wait' timed out after 100 ms",
    });
    seen.close();
  });

  it("terminates a worker that does not stop on its own, and the pool recovers", async () => {
    const timedOut = await spinningBriefly.run({ forever: true }, { mode: "threads" });
    expect(timedOut.status).toBe("failed");
    expect(timedOut.errors[0].cause).toBeInstanceOf(NodeTimeoutError);

    const controller = new AbortController();
    const cancelled = await spinning.run(
      { forever: true },
      {
        mode: "threads",
        signal: controller.signal,
        threads: { abortGraceMs: 20 },
        onEvent: (e) => {
          if (e.type === "progress") controller.abort(new Error("enough"));
        },
      },
    );
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.errors[0].message).toBe("node 'spin' failed: enough");

    const after = await spinning.run({ forever: false }, { mode: "threads" });
    expect([after.status, after.output]).toEqual(["completed", 0]);
  });

  it("fails with a clear error when the workflow has no module reference", async () => {
    const local = dag<{ n: number }>("no_module")
      .node("double", { n: "input.n" }, ({ n }) => n * 2)
      .build();
    const run = await local.run({ n: 2 }, { mode: "threads" });
    expect(run.status).toBe("failed");
    const cause = run.errors[0].cause;
    expect(cause).toBeInstanceOf(ThreadModuleError);
    expect((cause as ThreadModuleError).workflow).toBe("no_module");
    expect(run.errors[0].message).toContain(
      `workflow 'no_module' cannot run nodes in worker threads (mode: "threads"): it has no module reference`,
    );
    expect(run.errors[0].message).toContain(`dag("no_module", { module: import.meta.url })`);
    // Nodes kept on the main thread need no module.
    const light = dag<{ n: number }>("no_module_light")
      .node("double", { n: "input.n" }, ({ n }) => n * 2, { thread: false })
      .build();
    expect((await light.run({ n: 2 }, { mode: "threads" })).output).toBe(4);
  });

  it("finds the workflow through the compiler's module reference (path and export)", async () => {
    const graph = {
      ...primes.graph,
      module: {
        name: "thread_primes",
        module: "test/threads/fixtures/workflows.ts",
        export: "primes",
      },
    };
    // No functions on this side at all: every node runs in a worker, found through the module.
    const rebuilt = dagFromGraph(graph, {}) as unknown as typeof primes;
    const run = await rebuilt.run({ limit: 1_000 }, { mode: "threads" });
    expect(run.status).toBe("completed");
    expect(run.output?.count).toBe(168);

    const wrong = dagFromGraph(
      { ...graph, module: { ...graph.module, export: "troubles" } },
      {},
    ) as unknown as typeof primes;
    const bad = await wrong.run({ limit: 1_000 }, { mode: "threads" });
    expect(bad.errors[0].message).toMatch(
      /export 'troubles' of file:.*workflows\.ts is not the workflow 'thread_primes'/,
    );
  });

  it("names the exported workflows when the one it needs is not exported", async () => {
    const hidden = dag<{ n: number }>("not_exported", {
      module: new URL("./fixtures/workflows.ts", import.meta.url).href,
    })
      .node("double", { n: "input.n" }, ({ n }) => n * 2)
      .build();
    const run = await hidden.run({ n: 1 }, { mode: "threads" });
    expect(run.errors[0].message).toContain(
      "exports no workflow named 'not_exported' (it exports ",
    );
    expect(run.errors[0].message).toContain("'thread_primes' (export 'primes')");
  });

  it("warms the pool: every worker started, with the workflow's module loaded", async () => {
    expect(await warmThreadPool(primes)).toBe(os.availableParallelism());
    const run = await primes.run({ limit: 1_000 }, { mode: "threads" });
    expect(run.output?.count).toBe(168);
    await expect(
      warmThreadPool(
        dag("no_module_warm")
          .then("x", () => 1)
          .build(),
      ),
    ).rejects.toThrow(ThreadModuleError);
    const missing = {
      graph: {
        ...primes.graph,
        module: { name: "thread_primes", module: "test/threads/fixtures/missing.ts" },
      },
    };
    await expect(warmThreadPool(missing)).rejects.toThrow(
      /^workflow 'thread_primes': cannot import its module file:.*missing\.ts in a worker thread: Cannot find module/,
    );
  });

  it("resizes the pool when a run asks for another size", async () => {
    expect(await warmThreadPool(primes, { maxThreads: 1 })).toBe(1);
    // Runs that do not ask keep the current pool.
    const run = await primeRanges.run(
      {
        ranges: [
          [0, 100],
          [100, 200],
        ],
      },
      { mode: "threads" },
    );
    expect(run.get("counts")?.map((c) => c.count)).toEqual([25, 21]);
    expect(new Set(run.get("counts")?.map((c) => c.thread)).size).toBe(1);
    const cores = os.availableParallelism();
    expect(await warmThreadPool(primes, { maxThreads: cores })).toBe(cores);
    const bad = await primes.run({ limit: 10 }, { mode: "threads", threads: { maxThreads: 0 } });
    expect(bad.errors[0].message).toContain("threads.maxThreads must be a positive integer, got 0");
  });

  it("refuses runSync, which cannot wait for a worker", () => {
    const run = primes.runSync({ limit: 10 }, { mode: "threads" });
    expect(run.status).toBe("failed");
    expect(run.errors[0].message).toContain(
      'runs in a worker thread (mode: "threads"), which runSync cannot wait for',
    );
  });

  it("leaves other modes on the main thread", async () => {
    const run = await primes.run({ limit: 1_000 }, { mode: "parallel" });
    expect(run.get("c0")?.thread).toBe(threadId);
  });
});
