/**
 * An order workflow whose input is declared with a zod schema: the input type comes from the
 * schema, bad input is refused with every issue before anything runs, nodes get the coerced and
 * defaulted values, and a run budget caps what one run may do.
 * Run: npx tsx examples/validated-orders.ts
 */
import { z } from "zod";
import { BudgetExceededError, dag, InputError } from "weftjs";
import { isMain } from "./main.js";

const PRICES = { tea: 4.5, coffee: 6 } as const;

export const orders = dag("validated_orders", {
  input: z.object({
    sku: z.enum(["tea", "coffee"]),
    qty: z.coerce.number().int().positive(), // "2" from a form becomes 2
    email: z.email(),
    gift: z.boolean().default(false),
  }),
})
  .node("price", { sku: "input.sku", qty: "input.qty" }, ({ sku, qty }) => qty * PRICES[sku])
  .node(
    "invoice",
    { total: "price", email: "input.email", gift: "input.gift" },
    (a) => `${a.email}: ${a.total.toFixed(2)}${a.gift ? " (gift)" : ""}`,
  )
  .build();

/** What the example prints, line by line. */
export async function scenario(): Promise<string[]> {
  const lines: string[] = [];
  const ok = await orders.run({ sku: "tea", qty: "2", email: "ann@example.com" });
  lines.push(`invoice ${ok.output}`);

  try {
    // Compiles (the form sends strings), but three fields are wrong: nothing runs.
    await orders.run({ sku: "coal" as "tea", qty: "0", email: "ann" });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const issue of e.issues) lines.push(`refused ${issue.path}: ${issue.message}`);
  }

  const capped = await orders.run(
    { sku: "coffee", qty: 1, email: "bo@example.com", gift: true },
    { budget: { maxNodes: 1 } },
  );
  const cause = capped.errors[0]?.cause;
  lines.push(`${capped.status}: ${cause instanceof BudgetExceededError ? cause.message : "?"}`);
  return lines;
}

if (isMain(import.meta.url)) for (const line of await scenario()) console.log(line);
