/** DAG debug sessions: breakpoints, stepping, setArgs, results, trace, abort. */
import { describe, expect, it } from "vitest";
import { dag, looseDag } from "../../src/index.js";

type Row = { name: string; age: number };

const rowsOf = (path: string): Row[] =>
  path.endsWith(".gz")
    ? [{ name: "zip", age: 40 }]
    : [
        { name: "ann", age: 30 },
        { name: "bob", age: 12 },
      ];

const etl = dag<{ path: string; minAge: number }>("etl")
  .node("load", { path: "input.path" }, ({ path }) => rowsOf(path))
  .node("clean", { rows: "load", minAge: "input.minAge" }, ({ rows, minAge }) =>
    rows.filter((r) => r.age >= minAge),
  )
  .node("count", { rows: "clean" }, async ({ rows }) => rows.length)
  .node("names", { rows: "clean" }, ({ rows }) => rows.map((r) => r.name))
  .node("report", { n: "count", names: "names" }, ({ n, names }) => `${n}: ${names.join(",")}`)
  .build();

const input = { path: "a.csv", minAge: 18 };

describe("DAG debug sessions", () => {
  it("pauses before a breakpoint node, reports results so far, and continues to the DagRun", async () => {
    const session = etl.debug(input, { breakpoints: ["clean"] });
    expect(session.paused).toBeUndefined();
    expect(session.results()).toEqual({});
    const stop = await session.continue();
    expect(stop).toMatchObject({
      paused: true,
      node: "clean",
      args: { rows: rowsOf("a.csv"), minAge: 18 },
      index: 1,
    });
    if (!("paused" in stop)) throw new Error("expected a pause");
    expect(stop.ctx.node).toBe("clean");
    expect(session.paused).toBe(stop);
    expect(session.results()).toEqual({ load: rowsOf("a.csv") });
    const run = await session.continue();
    if ("paused" in run) throw new Error("expected the run");
    expect(run.status).toBe("completed");
    expect(run.output).toBe("1: ann");
    expect(session.done).toBe(true);
    expect(session.paused).toBeUndefined();
    expect(Object.keys(session.results())).toEqual(["load", "clean", "count", "names", "report"]);
    // Once done, continue gives the same run again.
    expect(await session.continue()).toBe(run);
  });

  it("setArgs changes what the paused node runs with, and so the result", async () => {
    const session = etl.debug(input, { breakpoints: ["clean"] });
    await session.continue();
    session.setArgs({
      rows: [
        { name: "cy", age: 50 },
        { name: "di", age: 60 },
      ],
      minAge: 55,
    });
    const run = await session.continue();
    if ("paused" in run) throw new Error("expected the run");
    expect(run.get("clean")).toEqual([{ name: "di", age: 60 }]);
    expect(run.output).toBe("1: di");
    expect(() => session.setArgs({})).toThrow(
      "debug session of 'etl': setArgs() needs a paused session (the run has ended)",
    );
  });

  it("a conditional breakpoint pauses only when its condition holds", async () => {
    const when = (args: { path: string }): boolean => args.path.endsWith(".gz");
    const miss = etl.debug(input, { breakpoints: [{ node: "load", when }] });
    const ran = await miss.continue();
    expect("paused" in ran).toBe(false);

    const hit = etl.debug({ path: "b.gz", minAge: 18 }, { breakpoints: [{ node: "load", when }] });
    const stop = await hit.continue();
    expect(stop).toMatchObject({ paused: true, node: "load", args: { path: "b.gz" } });
    const run = await hit.continue();
    if ("paused" in run) throw new Error("expected the run");
    expect(run.output).toBe("1: zip");
  });

  it("a condition that throws pauses there and says why", async () => {
    const session = etl.debug(input, {
      breakpoints: [
        {
          node: "clean",
          when: () => {
            throw new Error("bad condition");
          },
        },
      ],
    });
    const stop = await session.continue();
    expect(stop).toMatchObject({ node: "clean", conditionError: new Error("bad condition") });
  });

  it("step pauses before every node, in the order of a sequential run", async () => {
    const sequential = await etl.run(input, { mode: "sequential" });
    const session = etl.debug(input);
    const seen: string[] = [];
    for (;;) {
      const s = await session.step();
      if (!("paused" in s)) break;
      seen.push(s.node);
    }
    expect(seen).toEqual(sequential.metrics.order);
    expect(seen).toEqual(["load", "clean", "count", "names", "report"]);
  });

  it("step from a breakpoint runs one node and pauses at the next", async () => {
    const session = etl.debug(input, { breakpoints: ["clean"] });
    await session.continue();
    const next = await session.step();
    expect(next).toMatchObject({ paused: true, node: "count", index: 2 });
    expect(Object.keys(session.results())).toEqual(["load", "clean"]);
    const run = await session.continue();
    expect("paused" in run).toBe(false);
  });

  it("trace() gives the Chrome trace of what ran so far", async () => {
    const session = etl.debug(input, { breakpoints: ["names"] });
    await session.continue();
    const trace = session.trace();
    expect(trace.displayTimeUnit).toBe("ms");
    const spans = trace.traceEvents.filter((e) => e.ph === "X" && e.cat === "node");
    expect(spans.map((e) => e.name)).toEqual(["load", "clean", "count"]);
    for (const e of trace.traceEvents) {
      expect(typeof e.ts).toBe("number");
      expect(typeof e.pid).toBe("number");
    }
    await session.continue();
    const done = session.trace().traceEvents.filter((e) => e.ph === "X" && e.cat === "node");
    expect(done.map((e) => e.name)).toEqual(["load", "clean", "count", "names", "report"]);
  });

  it("abort ends the run cancelled; the paused node never runs", async () => {
    const ran: string[] = [];
    const wf = dag("ab")
      .node("a", {}, () => ran.push("a"))
      .node("b", { a: "a" }, () => ran.push("b"))
      .build();
    const session = wf.debug(undefined, { breakpoints: ["b"] });
    await session.continue();
    const run = await session.abort();
    expect(run.status).toBe("cancelled");
    expect(ran).toEqual(["a"]);
    expect(run.statusOf("b")).toBe("failed");
    expect(session.done).toBe(true);
    expect(await session.continue()).toBe(run);
  });

  it("a breakpoint on an unknown node is refused, naming the nearest node", () => {
    const loose = looseDag("loose")
      .node("load", {}, () => 1)
      .node("clean", { v: "load" }, ({ v }) => v)
      .build();
    expect(() => loose.debug(undefined, { breakpoints: ["claen"] })).toThrow(
      "debug 'loose': breakpoint on unknown node 'claen' (did you mean 'clean'?)",
    );
    expect(() => loose.debug(undefined, { breakpoints: [{ node: "zzz" }] })).toThrow(
      "debug 'loose': breakpoint on unknown node 'zzz' (known: load, clean)",
    );
  });

  it("continue() while the run is going on is refused", async () => {
    const session = etl.debug(input, { breakpoints: ["report"] });
    const first = session.continue();
    await expect(session.continue()).rejects.toThrow(
      "debug session of 'etl': continue() called while the run is going on; await the previous call",
    );
    expect(await first).toMatchObject({ node: "report" });
    await session.continue();
  });
});
