import { describe, expect, it } from "vitest";
import { GraphValidationError, validateGraph } from "../../src/index.js";
import { machine, TransitionError } from "../../src/fsm/index.js";

type Ctx = { version?: string; attempts: number; approvals: string[] };

const deployment = machine<Ctx, { deploy: { version: string }; approve: { by: string } }>(
  "deployment",
)
  .states("idle", "building", "testing", "awaiting_approval", "live", "failed", "cancelled")
  .events("built", "passed", "failed", "retry", "cancel")
  .terminal("live", "cancelled")
  .transition("idle", "deploy", "building", { action: (c, p) => ({ ...c, version: p.version }) })
  .transition("building", "built", "testing")
  .transition("testing", "passed", "awaiting_approval")
  .transition(["building", "testing"], "failed", "failed")
  .transition("failed", "retry", "building", {
    guard: (c) => c.attempts < 2,
    action: (c) => ({ ...c, attempts: c.attempts + 1 }),
  })
  .transition("awaiting_approval", "approve", "live", {
    guard: (c, p) => !c.approvals.includes(p.by),
    action: (c, p) => {
      c.approvals.push(p.by); // mutating in place is allowed too
    },
  })
  .transition("*", "cancel", "cancelled")
  .build();

const fresh = () => deployment.start({ attempts: 0, approvals: [] });

describe("event-driven machine", () => {
  it("takes transitions on events, running actions", async () => {
    const d = fresh();
    expect(d.state).toBe("idle");
    expect(d.machine).toBe("deployment");
    expect(await d.send("deploy", { version: "1.2.0" })).toEqual({
      ok: true,
      event: "deploy",
      from: "idle",
      to: "building",
    });
    expect(d.context.version).toBe("1.2.0");
    await d.send("built");
    await d.send("passed");
    expect(d.state).toBe("awaiting_approval");
    await d.send("approve", { by: "ana" });
    expect(d.state).toBe("live");
    expect(d.done).toBe(true);
    expect(d.context.approvals).toEqual(["ana"]);
    expect(d.history.map((h) => `${h.from}-${h.event}->${h.to}`)).toEqual([
      "idle-deploy->building",
      "building-built->testing",
      "testing-passed->awaiting_approval",
      "awaiting_approval-approve->live",
    ]);
    expect(d.history[0].payload).toEqual({ version: "1.2.0" });
    expect(d.history[1]).not.toHaveProperty("payload");
  });

  it("refuses events with a reason, leaving the machine as it was", async () => {
    const d = fresh();
    expect(await d.send("built")).toEqual({
      ok: false,
      event: "built",
      from: "idle",
      reason: "no-transition",
    });
    await d.send("deploy", { version: "1" });
    await d.send("failed");
    await d.send("retry");
    await d.send("failed");
    await d.send("retry");
    await d.send("failed");
    expect(d.context.attempts).toBe(2);
    expect(await d.send("retry")).toEqual({
      ok: false,
      event: "retry",
      from: "failed",
      reason: "guard",
    });
    expect(d.state).toBe("failed");
    await d.send("cancel");
    expect(d.done).toBe(true);
    expect(await d.send("cancel")).toEqual({
      ok: false,
      event: "cancel",
      from: "cancelled",
      reason: "done",
    });
  });

  it("answers can and available, with guards", async () => {
    const d = fresh();
    expect(d.can("deploy", { version: "1" })).toBe(true);
    expect(d.can("built")).toBe(false);
    expect(d.available()).toEqual(["deploy", "cancel"]);
    await d.send("deploy", { version: "1" });
    await d.send("built");
    await d.send("passed");
    await d.send("approve", { by: "ana" }); // live: done
    expect(d.available()).toEqual([]);
    const e = fresh();
    await e.send("deploy", { version: "1" });
    await e.send("failed");
    expect(e.available()).toEqual(["retry", "cancel"]);
    e.context.attempts = 5; // the guard now says no, and available() checks it (retry has no payload)
    expect(e.available()).toEqual(["cancel"]);
  });

  it("lists payload events without calling their guards, and checks them in can", async () => {
    const d = fresh();
    await d.send("deploy", { version: "1" });
    await d.send("built");
    await d.send("passed");
    d.context.approvals.push("ana");
    expect(d.available()).toEqual(["approve", "cancel"]);
    expect(d.can("approve", { by: "ana" })).toBe(false);
    expect(d.can("approve", { by: "bo" })).toBe(true);
  });

  it("prefers a state's own transition over a wildcard one, then declaration order", async () => {
    const m = machine<{ log: string[] }>("prio")
      .states("a", "b", "c", "d")
      .events("go")
      .transition("*", "go", "d")
      .transition("a", "go", "b", { guard: (c) => c.log.length > 0 })
      .transition("a", "go", "c")
      .transition(["b", "c"], "go", "d")
      .build();
    const x = m.start({ log: [] });
    await x.send("go");
    expect(x.state).toBe("c");
    const y = m.start({ log: ["one"] });
    await y.send("go");
    expect(y.state).toBe("b");
    await y.send("go");
    expect(y.state).toBe("d");
    await y.send("go"); // d is not terminal, so the wildcard applies to it too
    expect(y.history.at(-1)).toMatchObject({ from: "d", to: "d", event: "go" });
  });

  it("processes sends one at a time, in call order, with async actions", async () => {
    const order: string[] = [];
    const m = machine<{ n: number }>("queue")
      .states("a", "b")
      .events("flip")
      .transition("a", "flip", "b", {
        action: async (c) => {
          order.push("a->b start");
          await new Promise((r) => setTimeout(r, 10));
          order.push("a->b end");
          return { n: c.n + 1 };
        },
      })
      .transition("b", "flip", "a", {
        action: (c) => {
          order.push("b->a");
          return { n: c.n + 1 };
        },
      })
      .build();
    const i = m.start({ n: 0 });
    const results = await Promise.all([i.send("flip"), i.send("flip"), i.send("flip")]);
    expect(results.map((r) => r.ok && r.to)).toEqual(["b", "a", "b"]);
    expect(order).toEqual(["a->b start", "a->b end", "b->a", "a->b start", "a->b end"]);
    expect(i.context.n).toBe(3);
  });

  it("stays put when an action throws, and keeps processing later sends", async () => {
    const m = machine<{ ok: boolean }>("fragile")
      .states("a", "b")
      .events("go", "back")
      .transition("a", "go", "b", {
        action: (c) => {
          if (!c.ok) throw new Error("not ready");
        },
      })
      .transition("b", "back", "a")
      .build();
    const i = m.start({ ok: false });
    const failed = i.send("go");
    const queued = i.send("back"); // sent before the failure is known: still processed
    await expect(failed).rejects.toThrow(TransitionError);
    await expect(failed).rejects.toThrow(
      "machine 'fragile': action of a --go--> b failed: not ready",
    );
    expect(await queued).toEqual({ ok: false, event: "back", from: "a", reason: "no-transition" });
    expect(i.state).toBe("a");
    expect(i.history).toEqual([]);
    i.context.ok = true;
    expect(await i.send("go")).toMatchObject({ ok: true, to: "b" });
  });

  it("notifies subscribers after each transition", async () => {
    const d = fresh();
    const seen: string[] = [];
    const off = d.subscribe((e) => seen.push(`${e.event}:${e.to}`));
    await d.send("deploy", { version: "2" });
    off();
    await d.send("built");
    expect(seen).toEqual(["deploy:building"]);
  });

  it("snapshots to plain data and resumes from it", async () => {
    const d = fresh();
    await d.send("deploy", { version: "3.0.0" });
    await d.send("built");
    const snap = d.snapshot();
    const stored: unknown = JSON.parse(JSON.stringify(snap));
    expect(stored).toEqual({
      version: 1,
      machine: "deployment",
      state: "testing",
      context: { version: "3.0.0", attempts: 0, approvals: [] },
      done: false,
      history: [
        {
          event: "deploy",
          from: "idle",
          to: "building",
          at: snap.history[0].at,
          payload: { version: "3.0.0" },
        },
        { event: "built", from: "building", to: "testing", at: snap.history[1].at },
      ],
    });
    const resumed = deployment.restore(stored as typeof snap);
    await resumed.send("passed");
    await resumed.send("approve", { by: "ana" });
    expect(resumed.state).toBe("live");
    expect(resumed.history).toHaveLength(4);
    // the snapshot was a copy: the original did not move
    expect(d.state).toBe("testing");
    expect(snap.history).toHaveLength(2);
  });

  it("refuses snapshots of another machine or with an unknown state", () => {
    const snap = fresh().snapshot();
    expect(() => deployment.restore({ ...snap, machine: "other" })).toThrow(
      `machine 'deployment': cannot restore the snapshot: 'machine' is "other", a snapshot of another machine`,
    );
    expect(() => deployment.restore({ ...snap, state: "gone" as "idle" })).toThrow(
      /'state' is "gone", not a state of the machine/,
    );
  });

  it("says which value cannot be snapshotted", () => {
    const m = machine<{ f: () => void }>("fn").states("a").build();
    expect(() => m.start({ f: () => {} }).snapshot()).toThrow(/machine 'fn': snapshot failed/);
  });

  it("starts without a context when the context type allows it", async () => {
    const m = machine("switch")
      .states("off", "on")
      .events("toggle")
      .transition("off", "toggle", "on")
      .transition("on", "toggle", "off")
      .build();
    const s = m.start();
    await s.send("toggle");
    expect(s.state).toBe("on");
    expect(s.context).toBeUndefined();
  });
});

describe("event-driven machine: build and graph", () => {
  it("gives the graph IR, wildcards expanded per non-terminal state", () => {
    const g = deployment.graph;
    expect(deployment.kind).toBe("machine");
    expect(g.kind).toBe("fsm");
    expect(g.fsm).toEqual({
      initial: "idle",
      terminal: ["live", "cancelled"],
      events: ["built", "passed", "failed", "retry", "cancel", "deploy", "approve"],
      style: "event",
    });
    expect(g.nodes.map((n) => n.name)).toEqual(deployment.states);
    expect(g.edges.filter((e) => e.event === "cancel").map((e) => e.from)).toEqual([
      "idle",
      "building",
      "testing",
      "awaiting_approval",
      "failed",
    ]);
    expect(g.edges.find((e) => e.event === "cancel")).toEqual({
      from: "idle",
      to: "cancelled",
      event: "cancel",
      wildcard: true,
    });
    expect(g.edges.find((e) => e.event === "retry")).toEqual({
      from: "failed",
      to: "building",
      event: "retry",
      guard: true,
      action: true,
    });
    expect(validateGraph(g)).toEqual([]);
    expect(deployment.events).toEqual(g.fsm?.events);
  });

  it("refuses unreachable states and states that cannot reach a terminal one", () => {
    const build = () =>
      machine("broken")
        .states("a", "b", "orphan", "stuck")
        .events("go", "jam")
        .terminal("b")
        .transition("a", "go", "b")
        .transition("a", "jam", "stuck")
        .build();
    expect(build).toThrow(GraphValidationError);
    expect(build).toThrow(/state 'orphan' is unreachable from initial state 'a'/);
    expect(build).toThrow(/state 'stuck' can never reach a terminal state or a stop/);
  });

  it("reports JS misuse by name", () => {
    const b = machine("m").states("a", "b") as unknown as {
      transition(from: unknown, event: string, to: string): unknown;
      events(...n: string[]): unknown;
    };
    expect(() => b.transition("z", "go", "b")).toThrow(
      "machine 'm': source of 'go' 'z' is not a declared state (declared: a, b)",
    );
    expect(() => b.transition("a", "go", "z")).toThrow(
      /target of 'go' 'z' is not a declared state/,
    );
    expect(() => b.transition([], "go", "b")).toThrow(/transition on 'go' has no source/);
    expect(() => b.events("x", "x")).toThrow("machine 'm': duplicate event 'x'");
    expect(() => machine("m").states("*")).toThrow(/state name '\*' is not allowed/);
  });
});
