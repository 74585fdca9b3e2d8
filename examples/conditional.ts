/**
 * A conditional flow: refunds under a limit are paid automatically, larger ones go to review.
 * Run: npx tsx examples/conditional.ts
 */
import { branch, dag } from "weftjs";
import { isMain } from "./main.js";

export interface Refund {
  order: string;
  amount: number;
}

export const refunds = dag<{ refund: Refund; autoLimit: number }>("refunds")
  .condition("small", { refund: "input.refund", limit: "input.autoLimit" }, ({ refund, limit }) =>
    branch(refund.amount <= limit, refund),
  )
  .node("pay", { refund: "small.true" }, ({ refund }) => ({
    order: refund.order,
    decision: "paid" as const,
  }))
  .node("review", { refund: "small.false" }, ({ refund }) => ({
    order: refund.order,
    decision: "queued for review" as const,
  }))
  .any("decision", { d: ["pay", "review"] }, ({ d }) => `${d.value.order}: ${d.value.decision}`)
  .build();

if (isMain(import.meta.url)) {
  for (const amount of [20, 500]) {
    const run = await refunds.run({ refund: { order: `A-${amount}`, amount }, autoLimit: 100 });
    console.log(run.output);
  }
}
