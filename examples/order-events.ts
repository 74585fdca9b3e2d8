/**
 * Saga choreography on the event bus: no service calls another. Inventory, payments and the
 * order workflow each react to events and publish their own; a declined payment makes inventory
 * release what it reserved (the compensation), and the order workflow, started by the bus for
 * every placed order, waits for the outcome that the bus delivers to it as a signal.
 *
 * Run: npx tsx examples/order-events.ts
 */
import { eventBus, type EventBus, type Subscription } from "weftjs/bus";
import { dag, memoryStore, signal } from "weftjs";
import { isMain } from "./main.js";

export type Events = {
  "order.placed": { id: string; sku: string; total: number };
  "stock.reserved": { id: string; total: number };
  "stock.failed": { id: string; reason: string };
  "stock.released": { id: string };
  "payment.charged": { id: string };
  "payment.failed": { id: string; reason: string };
};

/** An order waits (durably) for the outcome of the saga, then confirms or cancels. */
export const order = dag<{ id: string; total: number }>("order")
  .wait("outcome", { id: "input.id" }, signal<{ ok: boolean; reason: string }>())
  .node("close", { id: "input.id", ok: "outcome.ok", reason: "outcome.reason" }, (a) =>
    a.ok ? `order ${a.id} confirmed` : `order ${a.id} cancelled: ${a.reason}`,
  )
  .build();

/** Wires the services to the bus; returns their subscriptions. */
export function services(bus: EventBus<Events>, stock: Map<string, number>): Subscription[] {
  return [
    // Inventory reserves stock for each order, and releases it when the payment fails.
    bus.subscribe(
      "order.placed",
      async (o) => {
        const left = stock.get(o.sku) ?? 0;
        if (left === 0)
          return void (await bus.publish("stock.failed", {
            id: o.id,
            reason: `${o.sku} out of stock`,
          }));
        stock.set(o.sku, left - 1);
        await bus.publish("stock.reserved", { id: o.id, total: o.total });
      },
      { group: "inventory" },
    ),
    bus.subscribe(
      "payment.failed",
      async (p) => {
        const sku = skuOf.get(p.id) as string;
        stock.set(sku, (stock.get(sku) ?? 0) + 1);
        await bus.publish("stock.released", { id: p.id });
      },
      { group: "inventory" },
    ),
    // Payments charge reserved orders; the card limit is 100.
    bus.subscribe(
      "stock.reserved",
      async (r) => {
        if (r.total > 100)
          await bus.publish("payment.failed", { id: r.id, reason: "card declined" });
        else await bus.publish("payment.charged", { id: r.id });
      },
      { group: "payments" },
    ),
    // The order workflow: a run per placed order, signalled with the saga's outcome.
    bus.trigger("order.placed", order, (o) => ({ id: o.id, total: o.total }), {
      runId: (e) => e.payload.id,
    }),
    bus.deliver("payment.charged", order, (p) => ({
      runId: p.id,
      signal: "outcome",
      payload: { ok: true, reason: "" },
    })),
    bus.deliver("payment.failed", order, (p) => ({
      runId: p.id,
      signal: "outcome",
      payload: { ok: false, reason: p.reason },
    })),
    bus.deliver("stock.failed", order, (p) => ({
      runId: p.id,
      signal: "outcome",
      payload: { ok: false, reason: p.reason },
    })),
  ];
}

const skuOf = new Map<string, string>();

/** Places three orders and tells each one's story from the log. */
export async function scenario(): Promise<string[]> {
  const store = memoryStore();
  const bus = eventBus<Events>({ store, pollMs: 5 });
  const stock = new Map([
    ["lamp", 2],
    ["desk", 0],
  ]);
  const subs = services(bus, stock);
  const orders = [
    { id: "o1", sku: "lamp", total: 30 },
    { id: "o2", sku: "lamp", total: 500 },
    { id: "o3", sku: "desk", total: 80 },
  ];
  for (const o of orders) {
    skuOf.set(o.id, o.sku);
    await bus.publish("order.placed", o);
  }
  // Settled when a pass over every subscriber finds nothing new in the log.
  for (let seen = -1, now = 0; seen !== now;) {
    seen = now;
    await Promise.all(subs.map((s) => s.idle()));
    now = 0;
    for await (const _ of bus.replay()) now++;
  }
  const out: string[] = [];
  for (const o of orders) {
    const story: string[] = [];
    for await (const e of bus.replay()) if (e.payload.id === o.id) story.push(e.type);
    const closed = store.loadRun(o.id)?.entries.find((e) => e.node === "close")?.value;
    out.push(`${o.id}: ${story.join(" → ")} ⇒ ${closed}`);
  }
  out.push(`lamps left: ${stock.get("lamp")}`);
  await bus.close();
  return out;
}

if (isMain(import.meta.url)) {
  for (const line of await scenario()) console.log(line);
}
