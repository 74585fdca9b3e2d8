import { describe, expectTypeOf, it } from "vitest";
import {
  fsm,
  machine,
  next,
  stop,
  type FsmRun,
  type FsmStatus,
  type HistoryEntry,
  type StateContext,
  type SendResult,
} from "../../src/index.js";

const light = fsm<{ limit: number }>("traffic_light")
  .states("red", "green", "yellow")
  .initial("red")
  .state("red", (input, ctx) => {
    expectTypeOf(input).toEqualTypeOf<{ limit: number }>();
    expectTypeOf(ctx.state).toEqualTypeOf<"red" | "green" | "yellow">();
    expectTypeOf(ctx.cycle).toEqualTypeOf<number>();
    expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
    expectTypeOf(ctx.metadata).toEqualTypeOf<Record<string, unknown>>();
    return next("green", 1);
  })
  .state("green", async (_input, ctx) => {
    expectTypeOf(ctx.get("red")).toEqualTypeOf<number | undefined>();
    expectTypeOf(ctx.get("yellow")).toEqualTypeOf<unknown>(); // its handler comes later
    return next("yellow", "g");
  })
  .state("yellow", (input, ctx) =>
    ctx.visits("yellow") >= input.limit ? stop({ done: true }) : next("red", 0),
  )
  .build({ maxCycles: 50 });

describe("function-return fsm types", () => {
  it("types results per state from what handlers pass to next/stop", async () => {
    const r = await light.run({ limit: 2 });
    expectTypeOf(r.status).toEqualTypeOf<FsmStatus>();
    expectTypeOf(r.history).toEqualTypeOf<readonly ("red" | "green" | "yellow")[]>();
    expectTypeOf(r.get("red")).toEqualTypeOf<number | undefined>();
    expectTypeOf(r.get("green", 1)).toEqualTypeOf<string | undefined>();
    expectTypeOf(r.get("yellow.2")).toEqualTypeOf<{ done: boolean } | number | undefined>();
    expectTypeOf(r.output).toEqualTypeOf<number | string | { done: boolean } | undefined>();
    expectTypeOf(r.state).toEqualTypeOf<"red" | "green" | "yellow" | undefined>();
  });

  it("types the stepper", async () => {
    const s = light.start({ limit: 1 });
    expectTypeOf(s.current).toEqualTypeOf<"red" | "green" | "yellow">();
    const step = await s.step();
    expectTypeOf(step.next).toEqualTypeOf<"red" | "green" | "yellow" | undefined>();
    expectTypeOf(s.get("red")).toEqualTypeOf<number | undefined>();
  });

  it("makes the input optional when it may be undefined", () => {
    const m = fsm("no_input")
      .states("a")
      .state("a", () => stop("x"))
      .build();
    expectTypeOf(m.run).parameters.toEqualTypeOf<
      [input?: undefined, options?: import("../../src/index.js").FsmRunOptions]
    >();
  });

  it("has loose, stable types for machines built in loops", () => {
    const names: string[] = ["a", "b"];
    let b = fsm("loop").states(...names);
    for (const n of names) b = b.state(n, () => stop(n));
    const m = b.build();
    expectTypeOf(m.states).toEqualTypeOf<readonly string[]>();
    expectTypeOf(m.run).returns.resolves.toHaveProperty("output");
  });
});

describe("function-return fsm policy types", () => {
  it("types hooks from the input and the state's result; onError widens the result", async () => {
    const m = fsm<{ id: string }>("typed_hooks")
      .states("charge", "ship", "failed")
      .state("charge", (order, ctx) => next("ship", { receipt: `${order.id}-${ctx.attempt}` }), {
        to: ["ship", "failed"],
        retry: { attempts: 3, retryOn: (e, attempt) => e instanceof Error && attempt < 3 },
        hooks: {
          before: (order, ctx) => {
            expectTypeOf(order).toEqualTypeOf<{ id: string }>();
            expectTypeOf(ctx).toEqualTypeOf<StateContext<"charge" | "ship" | "failed", {}>>();
            return { id: order.id.trim() };
          },
          after: (value) => {
            expectTypeOf(value).toEqualTypeOf<{ receipt: string }>();
            return { receipt: value.receipt.toUpperCase() };
          },
          onError: async (error) =>
            error instanceof Error ? next("failed", error.message) : undefined,
          cleanup: (ctx) => {
            expectTypeOf(ctx.visits).parameter(0).toEqualTypeOf<"charge" | "ship" | "failed">();
          },
        },
      })
      .state("ship", (_o, ctx) => {
        expectTypeOf(ctx.get("charge")).toEqualTypeOf<{ receipt: string } | string | undefined>();
        return stop(true);
      })
      .state("failed", () => stop(false))
      .build({
        terminal: ["failed"],
        defaults: {
          timeoutMs: 1000,
          hooks: {
            before: (order) => {
              expectTypeOf(order).toEqualTypeOf<{ id: string }>();
            },
            after: (value) => {
              expectTypeOf(value).toEqualTypeOf<unknown>();
            },
            onError: () => next("failed"),
          },
        },
      });
    const r = await m.run({ id: "o1" });
    expectTypeOf(r.get("charge")).toEqualTypeOf<{ receipt: string } | string | undefined>();
    expectTypeOf(m.resume).returns.resolves.toEqualTypeOf<
      FsmRun<
        "charge" | "ship" | "failed",
        { charge: { receipt: string } | string; ship: boolean; failed: boolean }
      >
    >();
  });
});

type Ctx = { version?: string; attempts: number };

const deploy = machine<Ctx, { deploy: { version: string } }>("deploy")
  .states("idle", "building", "live")
  .events("built", "cancel")
  .transition("idle", "deploy", "building", {
    guard: (c, p, info) => {
      expectTypeOf(c).toEqualTypeOf<Readonly<Ctx>>();
      expectTypeOf(p).toEqualTypeOf<{ version: string }>();
      expectTypeOf(info.event).toEqualTypeOf<"deploy">();
      expectTypeOf(info.from).toEqualTypeOf<"idle" | "building" | "live">();
      return p.version !== "";
    },
    action: (c, p) => ({ ...c, version: p.version }),
  })
  .transition("building", "built", "live", {
    guard: (_c, p) => {
      expectTypeOf(p).toEqualTypeOf<undefined>();
      return true;
    },
  })
  .transition("*", "cancel", "idle")
  .terminal("live")
  .build();

describe("event-driven machine types", () => {
  it("types states, events, payloads, context and history", async () => {
    const d = deploy.start({ attempts: 0 });
    expectTypeOf(d.state).toEqualTypeOf<"idle" | "building" | "live">();
    expectTypeOf(d.context).toEqualTypeOf<Ctx>();
    expectTypeOf(d.available()).toEqualTypeOf<("deploy" | "built" | "cancel")[]>();
    const res = await d.send("deploy", { version: "1" });
    expectTypeOf(res).toEqualTypeOf<SendResult<"idle" | "building" | "live", "deploy">>();
    if (res.ok) expectTypeOf(res.to).toEqualTypeOf<"idle" | "building" | "live">();
    const h = d.history[0];
    expectTypeOf(h).toEqualTypeOf<
      HistoryEntry<
        "idle" | "building" | "live",
        { deploy: { version: string }; built: undefined; cancel: undefined }
      >
    >();
    if (h.event === "deploy")
      expectTypeOf(h.payload).toEqualTypeOf<{ version: string } | undefined>();
    expectTypeOf(deploy.restore(d.snapshot()).state).toEqualTypeOf<"idle" | "building" | "live">();
  });
});

describe("function-return fsm types of long machines", () => {
  it("types results of states in closed chunks and the open one alike", async () => {
    const m = fsm("long")
      .states("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11")
      .state("s0", () => next("s1", 0))
      .state("s1", () => next("s2", "one"))
      .state("s2", () => next("s3", 2))
      .state("s3", () => next("s4", 3))
      .state("s4", () => next("s5", 4))
      .state("s5", () => next("s6", 5))
      .state("s6", () => next("s7", 6))
      .state("s7", () => next("s8", 7))
      .state("s8", () => next("s9", 8))
      .state("s9", (_i, ctx) => {
        expectTypeOf(ctx.get("s1")).toEqualTypeOf<string | undefined>();
        expectTypeOf(ctx.get("s8")).toEqualTypeOf<number | undefined>();
        expectTypeOf(ctx.get("s10")).toEqualTypeOf<unknown>();
        return next("s10", true);
      })
      .state("s10", () => next("s11", { ten: 10 }))
      .state("s11", (_i, ctx) => stop(ctx.get("s10")))
      .build();
    const r = await m.run();
    expectTypeOf(r.get("s1")).toEqualTypeOf<string | undefined>();
    expectTypeOf(r.get("s9")).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(r.get("s11")).toEqualTypeOf<{ ten: number } | undefined>();
  });
});
