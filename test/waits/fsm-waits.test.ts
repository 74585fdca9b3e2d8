import { describe, expect, it, vi } from "vitest";
import {
  fsm,
  memoryStore,
  next,
  SignalError,
  stop,
  timers,
  wait,
  WaitTimeoutError,
} from "../../src/index.js";

const HOUR = 3600_000;

function orders() {
  const ran: string[] = [];
  const machine = fsm<{ id: string }>("orders")
    .states("placed", "awaitPayment", "ship", "cancel")
    .state("placed", (o) => {
      ran.push("placed");
      return next("awaitPayment", o.id);
    })
    .state("awaitPayment", (_o, ctx) => {
      ran.push("awaitPayment");
      let paid: { amount: number } | undefined;
      try {
        paid = ctx.received<{ amount: number }>("payment");
      } catch (e) {
        if (e instanceof WaitTimeoutError) return next("cancel", "no payment in time");
        throw e;
      }
      return paid ? next("ship", paid.amount) : wait("payment", { timeoutMs: 24 * HOUR });
    })
    .state("ship", (_o, ctx) => {
      ran.push("ship");
      return stop(`shipped, paid ${String(ctx.previous?.value)}`);
    })
    .state("cancel", (_o, ctx) => {
      ran.push("cancel");
      return stop(`cancelled: ${String(ctx.previous?.value)}`);
    })
    .build();
  return { machine, ran };
}

describe("waits in function-return state machines", () => {
  it("a handler's wait parks the run; a signal runs the state again with the payload", async () => {
    const { machine, ran } = orders();
    const checkpoint = memoryStore();
    const r = await machine.run({ id: "o1" }, { runId: "o1", checkpoint });
    expect(r.status).toBe("waiting");
    expect(r.waiting).toHaveLength(1);
    expect(r.waiting[0].node).toBe("payment");
    expect(r.waiting[0].deadline).toBe(r.waiting[0].since + 24 * HOUR);
    expect(checkpoint.loadRun("o1")?.status).toBe("waiting");
    const done = await machine.signal("o1", "payment", { amount: 30 }, { checkpoint });
    expect(done.status).toBe("stopped");
    expect(done.output).toBe("shipped, paid 30");
    // "placed" ran once: its journaled visit was replayed.
    expect(ran).toEqual(["placed", "awaitPayment", "awaitPayment", "ship"]);
    await expect(
      machine.signal("o1", "payment", { amount: 30 }, { checkpoint }),
    ).rejects.toBeInstanceOf(SignalError);
  });

  it("a deadline that passes makes ctx.received throw WaitTimeoutError, fired by timers", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    try {
      const { machine, ran } = orders();
      const checkpoint = memoryStore();
      await machine.run({ id: "o2" }, { runId: "o2", checkpoint });
      expect((await timers(checkpoint, [machine])).fired).toEqual([]);
      vi.setSystemTime(1_000_000 + 24 * HOUR);
      expect((await timers(checkpoint, [machine])).fired).toEqual([
        { runId: "o2", workflow: "orders", nodes: ["payment"], status: "stopped" },
      ]);
      expect(ran).toEqual(["placed", "awaitPayment", "awaitPayment", "cancel"]);
      expect((await machine.resume("o2", { checkpoint })).output).toBe(
        "cancelled: no payment in time",
      );
      // Nothing ran again: the finished run replays from its journal.
      expect(ran).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it("the wait keeps its start when the run is resumed before a signal", async () => {
    const { machine } = orders();
    const checkpoint = memoryStore();
    const r = await machine.run({ id: "o3" }, { runId: "o3", checkpoint });
    const again = await machine.resume("o3", { checkpoint });
    expect(again.status).toBe("waiting");
    expect(again.waiting).toEqual(r.waiting);
  });
});
