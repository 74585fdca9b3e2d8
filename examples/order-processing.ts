/**
 * Order processing as a function-return state machine: validate, reserve stock, charge, ship.
 * The charge state has a retry policy: a declined card is tried again (3 attempts in all, with
 * backoff), and when every attempt is declined its `onError` hook sends the order to `failed`.
 * `done` and `failed` are terminal states. Later states read earlier results with `ctx.get`,
 * typed from the earlier handlers (and from what `onError` supplies).
 * Run: npx tsx examples/order-processing.ts
 */
import { fsm, next, stop, type RunEvent } from "weftjs";
import { isMain } from "./main.js";

export interface Order {
  id: string;
  items: { sku: string; qty: number; cents: number }[];
  /** How many charge attempts the (simulated) payment gateway declines first. */
  declines: number;
}

/** The gateway said no; worth another try (other errors are not). */
export class CardDeclined extends Error {
  override name = "CardDeclined";
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
      ctx.metadata.attempts = ctx.attempt;
      if (ctx.attempt <= order.declines)
        throw new CardDeclined(`declined (attempt ${ctx.attempt})`);
      return next("ship", {
        receipt: `P-${order.id}-${ctx.attempt}`,
        cents: ctx.get("validate") ?? 0,
      });
    },
    {
      to: ["ship", "failed"],
      retry: { attempts: 3, delayMs: 5, backoff: 2, retryOn: (e) => e instanceof CardDeclined },
      hooks: {
        onError: (error, _order, ctx) =>
          error instanceof CardDeclined ? next("failed", { declined: ctx.attempt }) : undefined,
      },
      doc: "charges the card; a declined card is retried, 3 attempts in all",
    },
  )
  .state("ship", (order, ctx) => next("done", `T-${order.id}-${ctx.get("reserve")}`))
  .state("done", (_order, ctx) => {
    const payment = ctx.get("charge");
    const cents = payment && "cents" in payment ? payment.cents : 0;
    return stop(`shipped with tracking ${ctx.get("ship")}, paid ${cents} cents`);
  })
  .state("failed", (_order, ctx) => {
    const payment = ctx.get("charge");
    return stop(
      payment && "declined" in payment
        ? `payment declined ${payment.declined} times`
        : "nothing to order",
    );
  })
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
    const retries: string[] = [];
    const onEvent = (e: RunEvent) => {
      if (e.type === "node-retry") retries.push(`${e.node} #${e.attempt} after ${e.delayMs} ms`);
    };
    const run = await orders.run(order, { metadata, onEvent });
    out.push(`${order.id}: ${run.status} in ${run.state}: ${run.output}`);
    out.push(`  ${run.history.join(" -> ")} (charge attempts: ${metadata.attempts ?? 0})`);
    if (retries.length > 0) out.push(`  retried: ${retries.join(", ")}`);
  }
  return out;
}

if (isMain(import.meta.url)) for (const line of await main()) console.log(line);
