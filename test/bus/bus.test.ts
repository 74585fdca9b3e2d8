import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { Redis } from "ioredis";
import { eventBus, redisLog, type EventBus } from "../../src/bus/index.js";
import { dag, memoryStore, signal, sqliteStore } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "weft-bus-"));
// Redis is shared: every bus gets a prefix of its own, removed at the end.
const redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true });
const prefixes: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

type Events = {
  "order.created": { id: string; total: number };
  "order.paid": { id: string; amount: number };
};

const backends: [string, () => EventBus<Events>][] = [
  ["memory", () => eventBus<Events>({ store: memoryStore(), pollMs: 5 })],
  [
    "sqlite",
    () => eventBus<Events>({ store: sqliteStore(join(dir, `${Math.random()}.db`)), pollMs: 5 }),
  ],
  [
    "redis",
    () => {
      const prefix = `weft-test:bus:${process.pid}:${prefixes.length}:${Date.now()}`;
      prefixes.push(prefix);
      return eventBus<Events>({ backend: redisLog({ redis, prefix }), pollMs: 5 });
    },
  ],
];

describe.each(backends)("event bus (%s)", (_name, open) => {
  it("replays events in order, filtered by type and offset", async () => {
    const bus = open();
    const a = await bus.publish("order.created", { id: "o1", total: 30 });
    const b = await bus.publish("order.paid", { id: "o1", amount: 30 });
    const c = await bus.publish("order.created", { id: "o2", total: 5 });
    expect([a, b, c]).toEqual([1, 2, 3]);
    const all = [];
    for await (const e of bus.replay()) all.push(`${e.offset}:${e.type}:${e.payload.id}`);
    expect(all).toEqual(["1:order.created:o1", "2:order.paid:o1", "3:order.created:o2"]);
    const created = [];
    for await (const e of bus.replay({ from: 2, types: ["order.created"] })) {
      expectTypeOf(e.payload).toEqualTypeOf<{ id: string; total: number }>();
      created.push(e.payload);
    }
    expect(created).toEqual([{ id: "o2", total: 5 }]);
    await bus.close();
  });

  it("a group starts where asked, and resumes at its committed offset", async () => {
    const bus = open();
    await bus.publish("order.created", { id: "early", total: 1 });
    const fromStart: string[] = [];
    const latest: string[] = [];
    const s1 = bus.subscribe("order.created", (o) => void fromStart.push(o.id), {
      group: "billing",
      from: "beginning",
    });
    const s2 = bus.subscribe("order.created", (o) => void latest.push(o.id), { group: "audit" });
    await Promise.all([s1.idle(), s2.idle()]);
    await bus.publish("order.created", { id: "late", total: 2 });
    await Promise.all([s1.idle(), s2.idle()]);
    expect(fromStart).toEqual(["early", "late"]);
    expect(latest).toEqual(["late"]);
    await s1.stop();
    await bus.publish("order.created", { id: "while-away", total: 3 });
    // The group comes back: it goes on from its offset, whatever `from` says.
    const again: string[] = [];
    const s3 = bus.subscribe("order.created", (o) => void again.push(o.id), {
      group: "billing",
      from: "beginning",
    });
    await s3.idle();
    expect(again).toEqual(["while-away"]);
    const fromOffset: string[] = [];
    const s4 = bus.subscribe("order.created", (o) => void fromOffset.push(o.id), { from: 2 });
    await s4.idle();
    expect(fromOffset).toEqual(["late", "while-away"]);
    await bus.close();
  });

  it("retries a failing handler, then moves the event to the dead-letter topic with the error", async () => {
    const bus = open();
    const tries: Record<string, number> = {};
    const handled: string[] = [];
    const sub = bus.subscribe(
      "order.paid",
      (p) => {
        tries[p.id] = (tries[p.id] ?? 0) + 1;
        if (p.id === "bad") throw new Error(`card declined for ${p.id}`);
        if (p.id === "flaky" && tries[p.id] < 2) throw new Error("blip");
        handled.push(p.id);
      },
      { group: "ledger", from: "beginning", attempts: 3 },
    );
    await bus.publish("order.paid", { id: "bad", amount: 1 });
    await bus.publish("order.paid", { id: "flaky", amount: 2 });
    await bus.publish("order.paid", { id: "ok", amount: 3 });
    await sub.idle();
    expect(tries).toEqual({ bad: 3, flaky: 2, ok: 1 });
    expect(handled).toEqual(["flaky", "ok"]);
    const dead = await bus.deadLetters("ledger");
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      group: "ledger",
      error: "card declined for bad",
      attempts: 3,
      event: { offset: 1, type: "order.paid", payload: { id: "bad", amount: 1 } },
    });
    expect(await bus.deadLetters("other")).toEqual([]);
    await bus.close();
  });

  it("trigger starts a run per event; deliver signals the waiting run", async () => {
    const checkpoint = memoryStore();
    const bus = open();
    const shipped: string[] = [];
    const order = dag<{ orderId: string; total: number }>("order")
      .wait("payment", { id: "input.orderId" }, signal<{ amount: number }>())
      .node("ship", { id: "input.orderId", paid: "payment.amount" }, ({ id, paid }) => {
        shipped.push(`${id}:${paid}`);
        return id;
      })
      .build();
    const t = bus.trigger("order.created", order, (o) => ({ orderId: o.id, total: o.total }), {
      from: "beginning",
      runId: (e) => e.payload.id,
      checkpoint,
    });
    const d = bus.deliver(
      "order.paid",
      order,
      (p) => ({ runId: p.id, signal: "payment", payload: { amount: p.amount } }),
      { from: "beginning", checkpoint },
    );
    await bus.publish("order.created", { id: "o1", total: 30 });
    await t.idle();
    expect(checkpoint.loadRun("o1")?.status).toBe("waiting");
    await bus.publish("order.paid", { id: "o1", amount: 30 });
    await d.idle();
    expect(shipped).toEqual(["o1:30"]);
    expect(checkpoint.loadRun("o1")?.status).toBe("completed");
    await bus.close();
  });
});
