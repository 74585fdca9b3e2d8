import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  validateGraph,
  NodeError,
  NodeTimeoutError,
  RunFailedError,
  type RunEvent,
} from "../../src/index.js";
import { fsm, next, stop } from "../../src/fsm/index.js";

const light = fsm<{ limit: number }>("traffic_light")
  .states("red", "green", "yellow")
  .initial("red")
  .state("red", () => next("green", "red"))
  .state("green", () => next("yellow", "green"))
  .state("yellow", (input, ctx) =>
    ctx.visits("yellow") >= input.limit ? stop("yellow") : next("red", "yellow"),
  )
  .build({ maxCycles: 50, terminal: [] });

describe("function-return fsm: runs", () => {
  it("runs until a handler stops", async () => {
    const r = await light.run({ limit: 3 });
    expect(r.status).toBe("stopped");
    expect(r.cycles).toBe(9);
    expect(r.history).toEqual([
      "red",
      "green",
      "yellow",
      "red",
      "green",
      "yellow",
      "red",
      "green",
      "yellow",
    ]);
    expect(r.state).toBe("yellow");
    expect(r.output).toBe("yellow");
    expect(r.error).toBeUndefined();
    expect(r.visits("red")).toBe(3);
    expect(r.metrics.executed).toBe(9);
    expect(r.metrics.order).toEqual(r.history);
    expect(r.orThrow()).toBe(r);
  });

  it("gets results per visit, by argument or as 'state.N'", async () => {
    const m = fsm("count")
      .states("tick")
      .state("tick", (_i, ctx) =>
        ctx.visits("tick") < 4 ? next("tick", ctx.cycle * 10) : stop(-1),
      )
      .build();
    const r = await m.run();
    expect(r.get("tick")).toBe(-1);
    expect(r.get("tick", 0)).toBe(0);
    expect(r.get("tick", 2)).toBe(20);
    expect(r.get("tick.1")).toBe(10);
    expect(r.get("tick.3")).toBe(-1);
    expect(r.get("tick", 9)).toBeUndefined();
  });

  it("ends with 'terminal' after a terminal state's handler runs", async () => {
    const m = fsm("order")
      .states("new", "paid", "shipped")
      .state("new", () => next("paid", 1))
      .state("paid", () => next("shipped", 2))
      .state("shipped", () => next("new", 3)) // ignored: shipped is terminal
      .build({ terminal: ["shipped"] });
    const r = await m.run();
    expect(r.status).toBe("terminal");
    expect(r.history).toEqual(["new", "paid", "shipped"]);
    expect(r.output).toBe(3);
  });

  it("ends with 'max-cycles' when the limit comes first", async () => {
    const m = fsm("loop")
      .states("a", "b")
      .state("a", () => next("b", "a"))
      .state("b", () => next("a", "b"))
      .build({ maxCycles: 5 });
    const r = await m.run();
    expect(r.status).toBe("max-cycles");
    expect(r.cycles).toBe(5);
    expect(r.history).toEqual(["a", "b", "a", "b", "a"]);
    expect(() => r.orThrow()).toThrow(RunFailedError);
    const more = await m.run(undefined, { maxCycles: 7 });
    expect(more.cycles).toBe(7);
  });

  it("defaults to the first declared state and 1000 cycles", async () => {
    const m = fsm("spin")
      .states("x")
      .state("x", () => next("x"))
      .build();
    expect(m.initial).toBe("x");
    expect(m.maxCycles).toBe(1000);
    const r = await m.run();
    expect(r.status).toBe("max-cycles");
    expect(r.cycles).toBe(1000);
  });

  it("fails when a handler throws, naming the state", async () => {
    const m = fsm<{ n: number }>("boom")
      .states("a", "b")
      .state("a", () => next("b", 1))
      .state("b", async () => {
        throw new Error("disk full");
      })
      .build();
    const r = await m.run({ n: 1 });
    expect(r.status).toBe("failed");
    expect(r.error).toBeInstanceOf(NodeError);
    expect(r.error?.message).toBe("node 'b' failed: disk full");
    expect((r.error as NodeError).node).toBe("b");
    expect(r.history).toEqual(["a", "b"]);
    expect(r.visits("b")).toBe(1);
    expect(r.get("b")).toBeUndefined();
    expect(r.output).toBeUndefined();
    expect(r.metrics.failed).toBe(1);
    expect(() => r.orThrow()).toThrow("workflow 'boom' failed: node 'b' failed: disk full");
    const json = r.toJSON();
    expect(json.nodes.b).toMatchObject({ status: "failed", error: "node 'b' failed: disk full" });
    expect(json.nodes.a).toMatchObject({ status: "completed", result: 1 });
    expect(json.errors).toEqual([{ node: "b", message: "node 'b' failed: disk full" }]);
  });

  it("fails clearly on what typed code cannot return (plain JS handlers)", async () => {
    const loose = fsm("loose").states("a", "b");
    const notATransition = loose
      .state("a", (() => 42) as unknown as () => ReturnType<typeof stop>)
      .state("b", () => stop())
      .build();
    const r1 = await notATransition.run();
    expect(r1.status).toBe("failed");
    expect(r1.error?.message).toMatch(/node 'a' failed: handler returned a number; return next/);

    const unknownTarget = loose
      .state("a", (() => next("c" as "b")) as () => ReturnType<typeof next<"b">>)
      .state("b", () => stop())
      .build();
    const r2 = await unknownTarget.run();
    expect(r2.status).toBe("failed");
    expect(r2.error?.message).toBe("node 'a' failed: next('c'): no such state (declared: a, b)");
  });

  it("times out a state with timeoutMs and aborts its signal", async () => {
    let aborted = false;
    const m = fsm("slow")
      .states("wait")
      .state(
        "wait",
        (_i, ctx) =>
          new Promise<ReturnType<typeof stop>>((resolve) => {
            ctx.signal.addEventListener("abort", () => {
              aborted = true;
              resolve(stop());
            });
          }),
        { timeoutMs: 20 },
      )
      .build();
    const r = await m.run();
    expect(r.status).toBe("failed");
    expect((r.error as NodeError).cause).toBeInstanceOf(NodeTimeoutError);
    expect(r.error?.message).toBe("node 'wait' timed out after 20 ms");
    expect(aborted).toBe(true);
  });

  it("times out a hung handler in a script, rather than the process exiting first", () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-fsm-"));
    try {
      const lib = pathToFileURL(resolve("src/index.ts")).href;
      const script = join(dir, "hang.mts");
      writeFileSync(
        script,
        `import { fsm } from ${JSON.stringify(lib)};\n` +
          `const m = fsm("hang").states("a").state("a", () => new Promise(() => {}), { timeoutMs: 30 }).build();\n` +
          `const r = await m.run();\nconsole.log(r.status + ": " + r.error?.message);\n`,
      );
      const out = execFileSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
      expect(out.trim()).toBe("failed: node 'a' timed out after 30 ms");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is cancelled by the run's signal, before or during a state", async () => {
    const before = new AbortController();
    before.abort(new Error("user said no"));
    const r1 = await light.run({ limit: 1 }, { signal: before.signal });
    expect(r1.status).toBe("cancelled");
    expect(r1.history).toEqual([]);
    expect(r1.state).toBeUndefined();
    expect(r1.error?.message).toBe(
      "machine 'traffic_light' cancelled in state 'red': user said no",
    );

    const during = new AbortController();
    const m = fsm("hang")
      .states("a", "b")
      .state("a", () => next("b"))
      .state("b", () => {
        during.abort();
        return new Promise<ReturnType<typeof stop>>(() => {}); // never settles
      })
      .build();
    const r2 = await m.run(undefined, { signal: during.signal });
    expect(r2.status).toBe("cancelled");
    expect(r2.history).toEqual(["a", "b"]);
    expect(r2.state).toBe("b");
    expect(r2.toJSON().nodes.b.status).toBe("failed");
  });
});

describe("function-return fsm: the handler context", () => {
  it("counts visits with the current one, cycles from 0, and shares metadata", async () => {
    const seen: string[] = [];
    const m = fsm("ctx")
      .states("a", "b")
      .state("a", (_i, ctx) => {
        seen.push(
          `a cycle=${ctx.cycle} visits=${ctx.visits("a")} b=${ctx.visits("b")} node=${ctx.node}`,
        );
        ctx.metadata.count = ((ctx.metadata.count as number | undefined) ?? 0) + 1;
        return ctx.visits("a") === 2 ? stop(ctx.metadata.count) : next("b", "from a");
      })
      .state("b", (_i, ctx) => {
        seen.push(
          `b prev=${ctx.previous?.state}:${String(ctx.previous?.value)} state=${ctx.state}`,
        );
        return next("a", ctx.attempt);
      })
      .build();
    const metadata: Record<string, unknown> = { count: 10 };
    const r = await m.run(undefined, { metadata, runId: "run-1" });
    expect(seen).toEqual([
      "a cycle=0 visits=1 b=0 node=a",
      "b prev=a:from a state=b",
      "a cycle=2 visits=2 b=1 node=a",
    ]);
    expect(r.output).toBe(12);
    expect(metadata.count).toBe(12);
    expect(r.runId).toBe("run-1");
  });

  it("reads earlier results with ctx.get", async () => {
    const m = fsm<{ items: number[] }>("sum")
      .states("load", "total")
      .state("load", (input) => next("total", input.items))
      .state("total", (_i, ctx) => {
        const items = ctx.get("load") ?? [];
        return stop(items.reduce((a, b) => a + b, 0));
      })
      .build();
    const r = await m.run({ items: [1, 2, 3] });
    expect(r.output).toBe(6);
    expect(r.get("load")).toEqual([1, 2, 3]);
  });

  it("streams a run's events as an async iterable, with the result", async () => {
    const seen: string[] = [];
    const stream = light.stream({ limit: 1 }, { onEvent: (e) => seen.push(e.type) });
    const types: string[] = [];
    for await (const e of stream) types.push("node" in e ? `${e.type}:${e.node}` : e.type);
    expect(types).toEqual([
      "run-start",
      "node-start:red",
      "node-complete:red",
      "node-start:green",
      "node-complete:green",
      "node-start:yellow",
      "node-complete:yellow",
      "run-complete",
    ]);
    expect(seen).toHaveLength(types.length);
    expect((await stream.result).status).toBe("stopped");
    expect(light.kind).toBe("fsm");
  });

  it("emits run events in order, progress included", async () => {
    const events: RunEvent[] = [];
    const m = fsm("events")
      .states("a", "b")
      .state("a", (_i, ctx) => {
        ctx.emit({ message: "half", done: 1, total: 2 });
        return next("b");
      })
      .state("b", () => stop())
      .build();
    await m.run(undefined, { onEvent: (e) => events.push(e), runId: "r" });
    expect(events.map((e) => ("node" in e ? `${e.type}:${e.node}` : e.type))).toEqual([
      "run-start",
      "node-start:a",
      "progress:a",
      "node-complete:a",
      "node-start:b",
      "node-complete:b",
      "run-complete",
    ]);
    const last = events[events.length - 1];
    expect(last.type === "run-complete" && last.status).toBe("stopped");
  });
});

describe("function-return fsm: stepper", () => {
  it("steps one handler at a time", async () => {
    const s = light.start({ limit: 1 });
    expect(s.current).toBe("red");
    expect(s.done).toBe(false);
    expect(await s.step()).toEqual({
      state: "red",
      value: "red",
      next: "green",
      done: false,
      status: undefined,
    });
    expect(s.current).toBe("green");
    expect(s.get("red")).toBe("red");
    await s.step();
    const last = await s.step();
    expect(last).toEqual({
      state: "yellow",
      value: "yellow",
      next: undefined,
      done: true,
      status: "stopped",
    });
    expect(s.done).toBe(true);
    expect(s.status).toBe("stopped");
    expect(s.current).toBe("yellow");
    await expect(s.step()).rejects.toThrow(/already done/);
    const r = await s.finish();
    expect(r.history).toEqual(["red", "green", "yellow"]);
  });

  it("finishes from the middle, as run would", async () => {
    const s = light.start({ limit: 2 });
    await s.step();
    await s.step();
    const r = await s.finish();
    const whole = await light.run({ limit: 2 });
    expect(r.history).toEqual(whole.history);
    expect(r.status).toBe(whole.status);
  });

  it("refuses a second step while one runs", async () => {
    let release: () => void = () => {};
    const m = fsm("gate")
      .states("a")
      .state(
        "a",
        () => new Promise<ReturnType<typeof stop>>((res) => (release = () => res(stop()))),
      )
      .build();
    const s = m.start();
    const first = s.step();
    await expect(s.step()).rejects.toThrow(/while a step runs/);
    release();
    await first;
    expect(s.done).toBe(true);
  });
});

describe("function-return fsm: builder and graph", () => {
  it("reports JS misuse at build time", () => {
    const b = fsm("bad").states("a", "b");
    expect(() => fsm("x").states("a", "a")).toThrow("machine 'x': duplicate state 'a'");
    expect(() => fsm("x").states("a.b")).toThrow(/state name 'a.b' is not allowed/);
    expect(() => (b as unknown as { initial(s: string): unknown }).initial("c")).toThrow(
      "machine 'bad': initial state 'c' is not a declared state (declared: a, b)",
    );
    const half = b.state("a", () => next("b"));
    expect(() =>
      (half as unknown as { state(s: string, f: () => unknown): unknown }).state("a", () => stop()),
    ).toThrow("machine 'bad': state 'a' already has a handler");
    expect(() => (half as unknown as { build(): unknown }).build()).toThrow(
      "machine 'bad': no handler for state 'b'",
    );
    const full = half.state("b", () => stop());
    expect(() => b.state("a", () => next("b"), { timeoutMs: -1 })).toThrow(
      "machine 'bad': timeoutMs of 'a' must be a positive number",
    );
    expect(() => full.build({ maxCycles: 0 })).toThrow(/maxCycles must be a positive integer/);
    expect(() => full.build({ terminal: ["z" as "a"] })).toThrow(
      /terminal state 'z' is not a declared state/,
    );
  });

  it("builders are immutable, so a partial machine can be reused", async () => {
    const base = fsm("base")
      .states("a", "b")
      .state("a", () => next("b", "a"));
    const one = base.state("b", () => stop(1)).build();
    const two = base.state("b", () => stop(2)).build();
    expect((await one.run()).output).toBe(1);
    expect((await two.run()).output).toBe(2);
  });

  it("exposes a valid graph: declared targets, or targets read from the handlers", () => {
    expect(light.graph).toEqual({
      version: 1,
      kind: "fsm",
      name: "traffic_light",
      nodes: [
        { name: "red", kind: "state", targets: ["green"], canStop: false },
        { name: "green", kind: "state", targets: ["yellow"], canStop: false },
        { name: "yellow", kind: "state", targets: ["red"], canStop: true },
      ],
      edges: [
        { from: "red", to: "green" },
        { from: "green", to: "yellow" },
        { from: "yellow", to: "red" },
      ],
      fsm: { initial: "red", terminal: [], maxCycles: 50, style: "function" },
    });
    expect(validateGraph(light.graph)).toEqual([]);
  });

  it("uses declared targets, records options and doc, and leaves unknown targets out", () => {
    const route = (n: number) => (n > 0 ? ("a" as const) : ("b" as const));
    function decide(input: number) {
      return next(route(input));
    }
    const m = fsm<number>("g")
      .states("a", "b", "c")
      .state("a", (n) => next(route(n)), { to: ["a", "b"], doc: "routes", timeoutMs: 5 })
      .state("b", decide)
      .state("c", () => stop())
      .build({ terminal: ["c"] });
    expect(m.graph.nodes).toEqual([
      { name: "a", kind: "state", targets: ["a", "b"], options: { timeoutMs: 5 }, doc: "routes" },
      { name: "b", kind: "state", fn: { name: "decide" } },
      { name: "c", kind: "state", targets: [], canStop: true },
    ]);
    expect(m.graph.edges).toEqual([
      { from: "a", to: "a" },
      { from: "a", to: "b" },
    ]);
    expect(m.graph.fsm?.terminal).toEqual(["c"]);
  });
});
