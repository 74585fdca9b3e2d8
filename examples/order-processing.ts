/**
 * Order processing as a function-return state machine: validate, reserve stock, charge (retrying
 * a declined card up to three times), ship. `done` and `failed` are terminal states. Later states
 * read earlier results with `ctx.get`, typed from the earlier handlers.
 * Run: npx tsx examples/order-processing.ts
 */
import { fsm, next, stop } from "../src/index.js";
import { isMain } from "./main.js";

export interface Order {
  id: string;
  items: { sku: string; qty: number; cents: number }[];
  /** How many charge attempts the (simulated) payment gateway declines first. */
  declines: number;
}

export const orders = fsm<Order>("order_processing")
  .states("validate", "reserve", "charge", "ship", "done", "failed")
  .state("validate", (order) => {
    const total = order.items.reduce((sum, i) => sum + i.qty * i.cents, 0);
    return order.items.length === 0 ? next("failed", 0) : next("reserve", total);
  })
  .state("reserve", (order) => next("charge", `R-${order.id}`))
  .state(
    "charge",
    (order, ctx) => {
      const attempt = ctx.visits("charge");
      const declined = attempt <= order.declines;
      ctx.metadata.attempts = attempt;
      if (!declined)
        return next("ship", {
          receipt: `P-${order.id}-${attempt}`,
          cents: ctx.get("validate") ?? 0,
        });
      return attempt < 3 ? next("charge", undefined) : next("failed", undefined);
    },
    {
      to: ["charge", "ship", "failed"],
      doc: "charges the card; retries a decline up to 3 attempts",
    },
  )
  .state("ship", (order, ctx) => next("done", `T-${order.id}-${ctx.get("reserve")}`))
  .state("done", (_order, ctx) => {
    const payment = ctx.get("charge");
    return stop(`shipped with tracking ${ctx.get("ship")}, paid ${payment?.cents} cents`);
  })
  .state("failed", (_order, ctx) =>
    stop(
      ctx.visits("charge") > 0
        ? `payment declined ${ctx.visits("charge")} times`
        : "nothing to order",
    ),
  )
  .build({ terminal: ["done", "failed"] });

export async function main(): Promise<string[]> {
  const out: string[] = [];
  const cases: Order[] = [
    { id: "A1", items: [{ sku: "book", qty: 2, cents: 1250 }], declines: 1 },
    { id: "B2", items: [{ sku: "lamp", qty: 1, cents: 4000 }], declines: 5 },
    { id: "C3", items: [], declines: 0 },
  ];
  for (const order of cases) {
    const metadata: Record<string, unknown> = {};
    const run = await orders.run(order, { metadata });
    out.push(`${order.id}: ${run.status} in ${run.state}: ${run.output}`);
    out.push(`  ${run.history.join(" -> ")} (charge attempts: ${metadata.attempts ?? 0})`);
  }
  return out;
}

if (isMain(import.meta.url)) for (const line of await main()) console.log(line);
