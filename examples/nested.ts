/**
 * A nested workflow: an order pipeline runs a reusable pricing workflow as one node.
 * Run: npx tsx examples/nested.ts
 */
import { dag } from "weftjs";
import { isMain } from "./main.js";

export interface Line {
  sku: string;
  qty: number;
  unit: number;
}

/** Prices a basket: subtotal, tax and total. Reused by several workflows. */
export const pricing = dag<{ lines: Line[]; taxRate: number }>("pricing")
  .node("subtotal", { lines: "input.lines" }, ({ lines }) =>
    lines.reduce((s, l) => s + l.qty * l.unit, 0),
  )
  .node(
    "tax",
    { subtotal: "subtotal", rate: "input.taxRate" },
    ({ subtotal, rate }) => Math.round(subtotal * rate * 100) / 100,
  )
  .node("total", { subtotal: "subtotal", tax: "tax" }, ({ subtotal, tax }) => ({
    subtotal,
    tax,
    total: Math.round((subtotal + tax) * 100) / 100,
  }))
  .build();

export const checkout = dag<{ customer: string; lines: Line[] }>("checkout")
  .node("rate", { customer: "input.customer" }, ({ customer }) =>
    customer.endsWith(".de") ? 0.19 : 0.2,
  )
  .sub("price", pricing, { lines: "input.lines", taxRate: "rate" })
  .node(
    "invoice",
    { customer: "input.customer", price: "price" },
    ({ customer, price }) =>
      `${customer}: ${price.subtotal.toFixed(2)} + ${price.tax.toFixed(2)} tax = ${price.total.toFixed(2)}`,
  )
  .build();

if (isMain(import.meta.url)) {
  const run = await checkout.run({
    customer: "shop.de",
    lines: [
      { sku: "pen", qty: 3, unit: 1.5 },
      { sku: "pad", qty: 2, unit: 4 },
    ],
  });
  console.log(run.output);
}
