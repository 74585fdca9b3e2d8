/** Types of debug sessions: pauses name the workflow's nodes; results and runs are typed. */
import { describe, expectTypeOf, it } from "vitest";
import { dag, fsm, machine, next, stop, type RunStatus } from "../../src/index.js";

const etl = dag<{ path: string }>("t_debug")
  .node("load", { path: "input.path" }, ({ path }) => [path])
  .node("count", { rows: "load" }, ({ rows }) => rows.length)
  .build();

describe("debug session types", () => {
  it("DAG: pauses name nodes, results are typed per node, the end is the DagRun", async () => {
    const session = etl.debug({ path: "a" }, { breakpoints: ["count"] });
    const s = await session.continue();
    if ("paused" in s) {
      expectTypeOf(s.node).toEqualTypeOf<"load" | "count">();
      expectTypeOf(s.ctx.runId).toEqualTypeOf<string>();
    } else {
      expectTypeOf(s.output).toEqualTypeOf<number | undefined>();
      expectTypeOf(s.status).toEqualTypeOf<RunStatus>();
    }
    expectTypeOf(session.results()).toEqualTypeOf<{ load?: string[]; count?: number }>();
  });

  it("FSM: pauses name states, args are the input, the end is the FsmRun", async () => {
    const m = fsm<{ limit: number }>("t_debug_fsm")
      .states("a", "b")
      .initial("a")
      .state("a", () => next("b", 1))
      .state("b", () => stop("done"))
      .build();
    const s = await m.debug({ limit: 1 }).step();
    if ("paused" in s) {
      expectTypeOf(s.node).toEqualTypeOf<"a" | "b">();
      expectTypeOf(s.args).toEqualTypeOf<{ limit: number }>();
      expectTypeOf(s.ctx.visit).toEqualTypeOf<number>();
    } else expectTypeOf(s.history).toEqualTypeOf<readonly ("a" | "b")[]>();
  });

  it("machines: pauses name events; the end holds the instance", async () => {
    const door = machine<{ n: number }>("t_debug_door")
      .states("closed", "open")
      .events("open", "close")
      .transition("closed", "open", "open")
      .transition("open", "close", "closed")
      .build();
    const s = await door.debug({ n: 0 }, { events: [["open"]] }).continue();
    if ("paused" in s) {
      expectTypeOf(s.node).toEqualTypeOf<"open" | "close">();
      expectTypeOf(s.ctx.state).toEqualTypeOf<"closed" | "open">();
    } else expectTypeOf(s.instance.context).toEqualTypeOf<{ n: number }>();
  });
});
