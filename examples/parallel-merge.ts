/**
 * Parallel branches that merge: three independent lookups run at once and a report joins them.
 * Run: npx tsx examples/parallel-merge.ts
 */
import { dag } from "weftjs";
import { isMain } from "./main.js";

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

export const dashboard = dag<{ userId: number }>("dashboard")
  .node("user", { id: "input.userId" }, async ({ id }, ctx) => {
    await sleep(20, ctx.signal);
    return { id, name: `user-${id}` };
  })
  .node("orders", { id: "input.userId" }, async ({ id }, ctx) => {
    await sleep(20, ctx.signal);
    return [
      { id: 1, user: id, total: 30 },
      { id: 2, user: id, total: 12.5 },
    ];
  })
  .node("recommendations", { id: "input.userId" }, async ({ id }, ctx) => {
    await sleep(20, ctx.signal);
    return [`book-${id % 7}`, `lamp-${id % 3}`];
  })
  .node(
    "report",
    { user: "user", orders: "orders", recs: "recommendations" },
    ({ user, orders, recs }) => ({
      name: user.name,
      spent: orders.reduce((s, o) => s + o.total, 0),
      suggestions: recs,
    }),
  )
  .build();

if (isMain(import.meta.url)) {
  const run = await dashboard.run({ userId: 42 }, { mode: "parallel" });
  console.log(JSON.stringify(run.output));
  console.log(`three 20 ms lookups took ${Math.round(run.metrics.totalMs)} ms in parallel`);
}
