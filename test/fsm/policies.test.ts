import { describe, expect, it } from "vitest";
import {
  fsm,
  next,
  stop,
  validateGraph,
  InvalidTransitionError,
  NodeError,
  NodeTimeoutError,
  type RunEvent,
} from "../../src/index.js";

class Flaky extends Error {
  override name = "Flaky";
}

/** A handler that throws `Flaky` on its first `fails` attempts of every visit. */
function flaky(fails: number, log: string[] = []) {
  return (_input: unknown, ctx: { attempt: number; state: string; visits(s: string): number }) => {
    log.push(`${ctx.state} visit ${ctx.visits(ctx.state)} attempt ${ctx.attempt}`);
    if (ctx.attempt <= fails) throw new Flaky(`try ${ctx.attempt} failed`);
    return stop(`ok on try ${ctx.attempt}`);
  };
}

const tag = (e: RunEvent): string =>
  e.type === "node-start"
    ? `start:${e.node}#${e.attempt}`
    : e.type === "node-retry"
      ? `retry:${e.node}#${e.attempt}:${e.delayMs}:${e.error.message}`
      : "node" in e
        ? `${e.type}:${e.node}`
        : e.type;

describe("fsm state policies: retry", () => {
  it("retries a failing handler within one visit, counting every try in attempts", async () => {
    const log: string[] = [];
    const events: RunEvent[] = [];
    const m = fsm("retry")
      .states("a", "pay")
      .state("a", () => next("pay", "a"))
      .state("pay", flaky(2, log), { retry: { attempts: 3, delayMs: 1, backoff: 2 } })
      .build();
    const r = await m.run(undefined, { onEvent: (e) => events.push(e) });
    expect(r.status).toBe("stopped");
    expect(r.output).toBe("ok on try 3");
    // Retries stay in the visit: one history entry, one visit, one cycle.
    expect(r.history).toEqual(["a", "pay"]);
    expect(r.cycles).toBe(2);
    expect(log).toEqual([
      "pay visit 1 attempt 1",
      "pay visit 1 attempt 2",
      "pay visit 1 attempt 3",
    ]);
    expect(events.map(tag)).toEqual([
      "run-start",
      "start:a#1",
      "node-complete:a",
      "start:pay#1",
      "retry:pay#2:1:try 1 failed",
      "start:pay#2",
      "retry:pay#3:2:try 2 failed",
      "start:pay#3",
      "node-complete:pay",
      "run-complete",
    ]);
  });

  it("fails the run after the last attempt, with the attempts on the NodeError", async () => {
    const log: string[] = [];
    const m = fsm("gives_up")
      .states("pay")
      .state("pay", flaky(5, log), { retry: { attempts: 3 } })
      .build();
    const r = await m.run();
    expect(r.status).toBe("failed");
    expect(log).toHaveLength(3);
    expect(r.error).toBeInstanceOf(NodeError);
    expect(r.error?.message).toBe("node 'pay' failed: try 3 failed");
    expect((r.error as NodeError).attempts).toBe(3);
    expect((r.error as NodeError).cause).toBeInstanceOf(Flaky);
  });

  it("caps the backoff at maxDelayMs and retries only what retryOn accepts", async () => {
    const delays: number[] = [];
    const onEvent = (e: RunEvent) => void (e.type === "node-retry" && delays.push(e.delayMs));
    const capped = fsm("capped")
      .states("a")
      .state("a", flaky(3), { retry: { attempts: 4, delayMs: 2, backoff: 3, maxDelayMs: 5 } })
      .build();
    expect((await capped.run(undefined, { onEvent })).output).toBe("ok on try 4");
    expect(delays).toEqual([2, 5, 5]);

    const seen: [string, number][] = [];
    const picky = fsm("picky")
      .states("a")
      .state(
        "a",
        (_i, ctx) => {
          throw ctx.attempt === 1 ? new Flaky("transient") : new TypeError("a bug");
        },
        {
          retry: {
            attempts: 5,
            retryOn: (e, attempt) => {
              seen.push([(e as Error).message, attempt]);
              return e instanceof Flaky;
            },
          },
        },
      )
      .build();
    const r = await picky.run();
    expect(r.status).toBe("failed");
    expect(r.error?.message).toBe("node 'a' failed: a bug");
    expect(seen).toEqual([
      ["transient", 1],
      ["a bug", 2],
    ]);
  });

  it("does not retry a handler that returns something that is not a transition", async () => {
    let calls = 0;
    const m = fsm("bad_outcome")
      .states("a")
      .state(
        "a",
        (() => {
          calls++;
          return 42;
        }) as unknown as () => ReturnType<typeof stop>,
        { retry: { attempts: 3 } },
      )
      .build();
    const r = await m.run();
    expect(r.status).toBe("failed");
    expect(calls).toBe(1);
    expect((r.error as NodeError).cause).toBeInstanceOf(InvalidTransitionError);
    expect(r.error?.message).toBe(
      "node 'a' failed: handler returned a number; return next(state, value) or stop(value)",
    );
  });

  it("is cancelled during a retry delay, trying no more", async () => {
    const ac = new AbortController();
    let calls = 0;
    const m = fsm("cancel_wait")
      .states("a")
      .state(
        "a",
        () => {
          calls++;
          throw new Flaky("down");
        },
        { retry: { attempts: 5, delayMs: 60_000 } },
      )
      .build();
    const events: string[] = [];
    const run = m.run(undefined, {
      signal: ac.signal,
      onEvent: (e) => {
        events.push(e.type);
        if (e.type === "node-retry") ac.abort(new Error("shutting down"));
      },
    });
    const r = await run;
    expect(r.status).toBe("cancelled");
    expect(calls).toBe(1);
    expect(r.error?.message).toBe("machine 'cancel_wait' cancelled in state 'a': shutting down");
    expect(events).toEqual(["run-start", "node-start", "node-retry", "run-complete"]);
  });
});

describe("fsm state policies: timeout", () => {
  it("times out each attempt, aborting its signal, and retries after a timeout", async () => {
    const aborted: number[] = [];
    const m = fsm("slow_then_fast")
      .states("a")
      .state(
        "a",
        (_i, ctx) =>
          ctx.attempt === 1
            ? new Promise<ReturnType<typeof stop<string>>>((resolve) =>
                ctx.signal.addEventListener("abort", () => {
                  aborted.push(ctx.attempt);
                  resolve(stop("too late"));
                }),
              )
            : stop(`attempt ${ctx.attempt}`),
        { timeoutMs: 20, retry: { attempts: 2 } },
      )
      .build();
    const errors: unknown[] = [];
    const r = await m.run(undefined, {
      onEvent: (e) => void (e.type === "node-retry" && errors.push(e.error)),
    });
    expect(r.status).toBe("stopped");
    expect(r.output).toBe("attempt 2");
    expect(aborted).toEqual([1]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(NodeTimeoutError);
    expect((errors[0] as Error).message).toBe("node 'a' timed out after 20 ms");
  });
});

describe("fsm state policies: hooks", () => {
  it("before replaces the input, after replaces the value, cleanup runs last", async () => {
    const calls: string[] = [];
    const m = fsm<{ n: number }>("hooked")
      .states("double", "done")
      .state("double", (input, ctx) => next("done", input.n * 2 + ctx.attempt), {
        hooks: {
          before: (input, ctx) => {
            calls.push(`before ${input.n} attempt ${ctx.attempt}`);
            return { n: input.n + 1 };
          },
          after: (value, input) => {
            calls.push(`after ${value} with n=${input.n}`);
            return value * 10;
          },
          cleanup: (ctx) => void calls.push(`cleanup ${ctx.state}`),
        },
      })
      .state("done", (_i, ctx) => stop(ctx.get("double")))
      .build();
    const r = await m.run({ n: 1 });
    expect(r.get("double")).toBe(50);
    expect(r.output).toBe(50);
    expect(r.history).toEqual(["double", "done"]);
    expect(calls).toEqual(["before 1 attempt 1", "after 5 with n=2", "cleanup double"]);
  });

  it("onError supplies a transition after the last attempt (a timeout included)", async () => {
    const seen: string[] = [];
    const m = fsm("recover")
      .states("charge", "failed")
      .state("charge", flaky(9), {
        retry: { attempts: 2 },
        hooks: {
          onError: (error, _input, ctx) => {
            seen.push(`${(error as Error).message} after ${ctx.attempt}`);
            return next("failed", { tries: ctx.attempt });
          },
          cleanup: () => void seen.push("cleanup"),
        },
      })
      .state("failed", (_i, ctx) => stop(ctx.get("charge")))
      .build();
    const r = await m.run();
    expect(r.status).toBe("stopped");
    expect(r.history).toEqual(["charge", "failed"]);
    expect(r.get("charge")).toEqual({ tries: 2 });
    expect(seen).toEqual(["try 2 failed after 2", "cleanup"]);

    const hung = fsm("hung")
      .states("wait", "gave_up")
      .state("wait", () => new Promise<ReturnType<typeof stop>>(() => {}), {
        timeoutMs: 10,
        hooks: {
          onError: (e) => (e instanceof NodeTimeoutError ? next("gave_up", e.message) : undefined),
        },
      })
      .state("gave_up", () => stop("gave up"))
      .build();
    const h = await hung.run();
    expect(h.history).toEqual(["wait", "gave_up"]);
    expect(h.get("wait")).toBe("node 'wait' timed out after 10 ms");
  });

  it("fails the visit when onError supplies nothing or something invalid, and cleanup still runs", async () => {
    let cleanups = 0;
    const quiet = fsm("quiet")
      .states("a")
      .state("a", flaky(1), {
        hooks: { onError: () => undefined, cleanup: () => void cleanups++ },
      })
      .build();
    const r1 = await quiet.run();
    expect(r1.status).toBe("failed");
    expect(r1.error?.message).toBe("node 'a' failed: try 1 failed");
    expect(cleanups).toBe(1);

    const wrong = fsm("wrong")
      .states("a")
      .state("a", flaky(1), {
        hooks: { onError: () => next("nowhere" as "a"), cleanup: () => void cleanups++ },
      })
      .build();
    const r2 = await wrong.run();
    expect(r2.status).toBe("failed");
    expect(r2.error?.message).toBe(
      "node 'a' failed: onError hook: next('nowhere'): no such state (declared: a)",
    );
    expect(cleanups).toBe(2);
  });

  it("a failing hook fails the visit; a failing cleanup fails a visit that succeeded", async () => {
    const before = fsm("before_throws")
      .states("a")
      .state("a", () => stop(1), {
        hooks: {
          before: () => {
            throw new Error("no input for you");
          },
        },
      })
      .build();
    expect((await before.run()).error?.message).toBe("node 'a' failed: no input for you");

    const cleanup = fsm("cleanup_throws")
      .states("a")
      .state("a", () => stop(1), {
        hooks: {
          cleanup: () => {
            throw new Error("leaked a handle");
          },
        },
      })
      .build();
    const r = await cleanup.run();
    expect(r.status).toBe("failed");
    expect(r.error?.message).toBe("node 'a' failed: leaked a handle");
  });
});

describe("fsm policies: machine-wide defaults", () => {
  it("apply to every state; a state's own retry, timeout and hooks win", async () => {
    const log: string[] = [];
    const m = fsm("defaults")
      .states("a", "b")
      .state("a", (_i, ctx) => {
        log.push(`a attempt ${ctx.attempt}`);
        if (ctx.attempt < 2) throw new Flaky("a not yet");
        return next("b", ctx.attempt);
      })
      .state("b", flaky(2, log), { retry: { attempts: 3 } })
      .build({ defaults: { retry: { attempts: 2 } } });
    // `a` succeeds on its second try (the default retry), `b` on its third (its own).
    const r = await m.run();
    expect(r.status).toBe("stopped");
    expect(log).toEqual([
      "a attempt 1",
      "a attempt 2",
      "b visit 1 attempt 1",
      "b visit 1 attempt 2",
      "b visit 1 attempt 3",
    ]);
    expect(r.history).toEqual(["a", "b"]);

    const calls: string[] = [];
    const routed = fsm<number>("routed")
      .states("a", "b", "failed")
      .state("a", (n) => next("b", n + 1))
      .state(
        "b",
        () => {
          throw new Error("b broke");
        },
        { hooks: { cleanup: () => void calls.push("own cleanup of b") } },
      )
      .state("failed", (_n, ctx) => stop(`routed from ${ctx.previous?.state}`))
      .build({
        defaults: {
          hooks: {
            before: (n, ctx) => {
              calls.push(`before ${ctx.state}`);
              return n * 10;
            },
            after: (value, _n, ctx) => {
              calls.push(`after ${ctx.state}: ${String(value)}`);
              // A default after hook observes only: what it returns is ignored.
              return "ignored" as unknown as void;
            },
            onError: (e, _n, ctx) => {
              calls.push(`onError ${ctx.state}: ${(e as Error).message}`);
              return next("failed");
            },
            cleanup: (ctx) => void calls.push(`default cleanup of ${ctx.state}`),
          },
        },
      });
    const r2 = await routed.run(1);
    expect(r2.history).toEqual(["a", "b", "failed"]);
    expect(r2.get("a")).toBe(11);
    expect(r2.get("b")).toBeUndefined();
    expect(r2.output).toBe("routed from b");
    expect(calls).toEqual([
      "before a",
      "after a: 11",
      "default cleanup of a",
      "before b",
      "onError b: b broke",
      "own cleanup of b",
      "before failed",
      "after failed: routed from b",
      "default cleanup of failed",
    ]);
  });
});

describe("fsm policies: checks and graph", () => {
  it("refuses malformed policies, naming the machine, the state and the option", () => {
    const b = fsm("bad").states("a", "b");
    const h = () => stop();
    const bad = (o: unknown) => () => b.state("a", h, o as never);
    expect(bad({ retry: { attempts: 0 } })).toThrow(
      "machine 'bad': retry.attempts of 'a' must be a positive integer (every try, the first included), got 0",
    );
    expect(bad({ retry: { attempts: 2, delayMs: -1 } })).toThrow(
      "machine 'bad': retry.delayMs of 'a' must be a finite number of at least 0, got -1",
    );
    expect(bad({ retry: { attempts: 2, jitter: 2 } })).toThrow(
      "machine 'bad': retry.jitter of 'a' must be a boolean or a number from 0 to 1, got 2",
    );
    expect(bad({ retry: { attempts: 2, retryOn: "all" } })).toThrow(
      `machine 'bad': retry.retryOn of 'a' must be a function, got "all"`,
    );
    expect(bad({ retry: 3 })).toThrow(
      "machine 'bad': retry of 'a' must be an object like { attempts: 3 }, got 3",
    );
    expect(bad({ hooks: { onErorr: () => undefined } })).toThrow(
      "machine 'bad': hooks.onErorr of 'a' is not a hook (hooks are before, after, onError, cleanup), got a function",
    );
    expect(bad({ hooks: { after: 1 } })).toThrow(
      "machine 'bad': hooks.after of 'a' must be a function, got 1",
    );
    expect(bad(5)).toThrow("machine 'bad': the options of state 'a' are not an object");
    const full = b.state("a", h).state("b", h);
    expect(() => full.build({ defaults: { timeoutMs: 0 } })).toThrow(
      "machine 'bad': timeoutMs of the defaults must be a positive number, got 0",
    );
  });

  it("records policies as data in the graph, functions only as present", () => {
    const m = fsm("g")
      .states("a", "b")
      .state("a", () => next("b"), {
        retry: { attempts: 3, delayMs: 10, retryOn: () => true },
        timeoutMs: 50,
        hooks: { after: () => undefined },
      })
      .state("b", () => stop())
      .build({ defaults: { retry: { attempts: 2, jitter: true }, hooks: { cleanup: () => {} } } });
    expect(m.graph.nodes[0].options).toEqual({
      retry: { attempts: 3, delayMs: 10 },
      timeoutMs: 50,
      has: { retryOn: true, hooks: true },
    });
    expect(m.graph.nodes[1].options).toBeUndefined();
    expect(m.graph.defaults).toEqual({
      retry: { attempts: 2, jitter: true },
      has: { hooks: true },
    });
    expect(validateGraph(m.graph)).toEqual([]);
  });
});
