/**
 * A vending machine as an event-driven state machine: coins and selections are events, guards
 * check credit and stock, actions keep the context (credit, stock, takings) up to date, and a
 * wildcard transition takes the machine out of service from any state.
 * Run: npx tsx examples/vending-machine.ts
 */
import { machine } from "weftjs";
import { isMain } from "./main.js";

export interface Vending {
  credit: number;
  price: number;
  stock: Record<string, number>;
  takings: number;
  dispensed: string[];
}

export const vending = machine<Vending, { insert: { cents: number }; select: { item: string } }>(
  "vending_machine",
)
  .states("idle", "has_credit", "out_of_service")
  .events("refund", "fault", "repair")
  .transition(["idle", "has_credit"], "insert", "has_credit", {
    guard: (_c, { cents }) => cents > 0,
    action: (c, { cents }) => ({ ...c, credit: c.credit + cents }),
  })
  .transition("has_credit", "select", "idle", {
    guard: (c, { item }) => c.credit >= c.price && (c.stock[item] ?? 0) > 0,
    action: (c, { item }) => ({
      ...c,
      credit: 0, // change is returned
      takings: c.takings + c.price,
      stock: { ...c.stock, [item]: c.stock[item] - 1 },
      dispensed: [...c.dispensed, item],
    }),
  })
  .transition("has_credit", "refund", "idle", { action: (c) => ({ ...c, credit: 0 }) })
  .transition("*", "fault", "out_of_service", { action: (c) => ({ ...c, credit: 0 }) })
  .transition("out_of_service", "repair", "idle")
  .build();

export async function main(): Promise<string[]> {
  const out: string[] = [];
  const vm = vending.start({
    credit: 0,
    price: 150,
    stock: { cola: 1, water: 5 },
    takings: 0,
    dispensed: [],
  });
  const show = (what: string) =>
    out.push(`${what}: ${vm.state}, credit ${vm.context.credit}, can ${vm.available().join("/")}`);

  show("start");
  await vm.send("insert", { cents: 100 });
  show("inserted 100");
  const early = await vm.send("select", { item: "cola" });
  out.push(`select cola with 100: ${early.ok ? "vended" : `refused (${early.reason})`}`);
  await vm.send("insert", { cents: 100 });
  out.push(
    `can buy cola: ${vm.can("select", { item: "cola" })}, tea: ${vm.can("select", { item: "tea" })}`,
  );
  await vm.send("select", { item: "cola" });
  show("bought cola");
  await vm.send("insert", { cents: 200 });
  out.push(`cola sold out: ${!vm.can("select", { item: "cola" })}`);
  await vm.send("fault");
  show("fault");
  const coin = await vm.send("insert", { cents: 50 });
  out.push(`insert while out of service: ${coin.ok ? "accepted" : coin.reason}`);
  await vm.send("repair");
  show("repaired");
  out.push(`takings ${vm.context.takings}, dispensed ${vm.context.dispensed.join(", ")}`);
  out.push(`history: ${vm.history.map((h) => h.event).join(", ")}`);
  return out;
}

if (isMain(import.meta.url)) for (const line of await main()) console.log(line);
