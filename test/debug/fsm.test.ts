/** Debug sessions of function-return FSMs (per visit) and event-driven machines (per event). */
import { describe, expect, it } from "vitest";
import { fsm, machine, next, stop } from "../../src/index.js";

const counter = fsm<{ limit: number }>("counter")
  .states("tick", "check", "done")
  .initial("tick")
  .state("tick", (_input, ctx) => next("check", ctx.visits("tick")))
  .state("check", (input, ctx) =>
    ctx.visits("check") >= input.limit ? next("done", "enough") : next("tick", "again"),
  )
  .state("done", (input) => stop(`limit ${input.limit}`))
  .build({ maxCycles: 50 });

describe("FSM debug sessions", () => {
  it("pauses at each visit of a breakpoint state; when sees the visit", async () => {
    const session = counter.debug(
      { limit: 3 },
      { breakpoints: [{ node: "check", when: (_input, { visit }) => visit >= 1 }] },
    );
    const first = await session.continue();
    expect(first).toMatchObject({
      paused: true,
      node: "check",
      args: { limit: 3 },
      ctx: { state: "check", visit: 1, cycle: 3, history: ["tick", "check", "tick"] },
      index: 3,
    });
    expect(session.results()).toEqual({ tick: 2, check: "again" });
    const second = await session.continue();
    expect(second).toMatchObject({ node: "check", ctx: { visit: 2 } });
    const run = await session.continue();
    if ("paused" in run) throw new Error("expected the run");
    expect(run.status).toBe("stopped");
    expect(run.output).toBe("limit 3");
    expect(run.history).toEqual(["tick", "check", "tick", "check", "tick", "check", "done"]);
  });

  it("step goes visit by visit; setArgs changes the input of the paused visit only", async () => {
    const session = counter.debug({ limit: 3 }, { breakpoints: ["check"] });
    await session.continue();
    // This visit sees limit 1, so the machine moves to 'done' at once; 'done' sees the real input.
    session.setArgs({ limit: 1 });
    const after = await session.step();
    expect(after).toMatchObject({ node: "done", args: { limit: 3 } });
    expect(session.results()).toEqual({ tick: 1, check: "enough" });
    const run = await session.continue();
    if ("paused" in run) throw new Error("expected the run");
    expect(run.history).toEqual(["tick", "check", "done"]);
    expect(run.output).toBe("limit 3");
  });

  it("step order is the visit order of a plain run", async () => {
    const plain = await counter.run({ limit: 2 });
    const session = counter.debug({ limit: 2 });
    const seen: string[] = [];
    for (;;) {
      const s = await session.step();
      if (!("paused" in s)) break;
      seen.push(s.node);
    }
    expect(seen).toEqual(plain.history);
  });

  it("trace, abort, and unknown states", async () => {
    const session = counter.debug({ limit: 3 }, { breakpoints: ["done"] });
    await session.continue();
    const spans = session.trace().traceEvents.filter((e) => e.ph === "X" && e.cat === "node");
    expect(spans.map((e) => e.name)).toEqual(["tick", "check", "tick", "check", "tick", "check"]);
    const run = await session.abort();
    expect(run.status).toBe("cancelled");
    expect(run.history).not.toContain("done");
    expect(() => counter.debug({ limit: 1 }, { breakpoints: ["chek" as "check"] })).toThrow(
      "debug 'counter': breakpoint on unknown state 'chek' (did you mean 'check'?)",
    );
  });
});

type Ctx = { approvals: string[] };
const deploy = machine<Ctx, { approve: { by: string } }>("deploy")
  .states("draft", "review", "live")
  .events("submit", "ship")
  .terminal("live")
  .transition("draft", "submit", "review")
  .transition("review", "approve", "review", {
    action: (c, p) => ({ approvals: [...c.approvals, p.by] }),
  })
  .transition("review", "ship", "live", { guard: (c) => c.approvals.length >= 2 })
  .build();

const events = [
  ["submit"],
  ["approve", { by: "ann" }],
  ["approve", { by: "bob" }],
  ["ship"],
] as const;

describe("event-driven machine debug sessions", () => {
  it("pauses before an event type, and before events arriving in a state", async () => {
    const session = deploy.debug({ approvals: [] }, { events: [...events], breakpoints: ["ship"] });
    const stop1 = await session.continue();
    expect(stop1).toMatchObject({
      paused: true,
      node: "ship",
      args: undefined,
      ctx: { event: "ship", state: "review", context: { approvals: ["ann", "bob"] } },
      index: 3,
    });
    expect(session.results().map((r) => r.ok)).toEqual([true, true, true]);
    const end = await session.continue();
    if ("paused" in end) throw new Error("expected the end");
    expect(end.status).toBe("completed");
    expect(end.instance.state).toBe("live");
    expect(end.sent).toHaveLength(4);

    const byState = deploy.debug(
      { approvals: [] },
      { events: [...events], breakpoints: ["review"] },
    );
    const seen: string[] = [];
    for (;;) {
      const s = await byState.continue();
      if (!("paused" in s)) break;
      seen.push(s.node);
    }
    expect(seen).toEqual(["approve", "approve", "ship"]);
  });

  it("a conditional breakpoint on the payload, and setArgs replacing it", async () => {
    const session = deploy.debug(
      { approvals: [] },
      {
        events: [...events],
        breakpoints: [
          { event: "approve", when: (payload) => (payload as { by: string }).by === "bob" },
        ],
      },
    );
    const s = await session.continue();
    expect(s).toMatchObject({ node: "approve", args: { by: "bob" }, index: 2 });
    session.setArgs({ by: "cy" });
    const end = await session.continue();
    if ("paused" in end) throw new Error("expected the end");
    expect(end.instance.context.approvals).toEqual(["ann", "cy"]);
  });

  it("step goes event by event; abort ends cancelled; unknown names are refused", async () => {
    const session = deploy.debug({ approvals: [] }, { events: [...events] });
    const seen: string[] = [];
    for (let k = 0; k < 3; k++) {
      const s = await session.step();
      if ("paused" in s) seen.push(s.node);
    }
    expect(seen).toEqual(["submit", "approve", "approve"]);
    const end = await session.abort();
    expect(end.status).toBe("cancelled");
    expect(end.instance.state).toBe("review");
    expect(end.sent).toHaveLength(2);
    expect(
      session
        .trace()
        .traceEvents.filter((e) => e.ph === "X")
        .map((e) => e.name),
    ).toEqual(expect.arrayContaining(["submit", "approve"]));
    expect(() =>
      deploy.debug({ approvals: [] }, { events: [], breakpoints: ["shipp" as "ship"] }),
    ).toThrow(
      "debug 'deploy': breakpoint on unknown event or state 'shipp' (did you mean 'ship'?)",
    );
  });

  it("a failing action ends the session failed", async () => {
    const bad = machine<undefined>("bad")
      .states("a", "b")
      .events("go")
      .transition("a", "go", "b", {
        action: () => {
          throw new Error("no");
        },
      })
      .build();
    const end = await bad.debug(undefined, { events: [["go"]] }).continue();
    if ("paused" in end) throw new Error("expected the end");
    expect(end.status).toBe("failed");
    expect(end.error?.message).toBe("machine 'bad': action of a --go--> b failed: no");
  });
});
