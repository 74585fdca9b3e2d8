/**
 * Regional sales ETL on distributed workers: three regions are extracted side by side (each node
 * a job any worker may take), merged, and reported.
 *
 * Start a worker (as many as you like, on any machine that reaches Redis):
 *   npx weft worker examples/distributed-etl.ts --redis redis://127.0.0.1:6379
 * Then run it on the workers and print the run record:
 *   npx weft run examples/distributed-etl.ts --redis redis://127.0.0.1:6379 --input '{"day":"2026-01-31"}'
 *
 * Or all in one process (a worker and a run): npx tsx examples/distributed-etl.ts
 */
import { dag } from "weftjs";
import { isMain } from "./main.js";

export interface Sale {
  region: string;
  amount: number;
}

/** Stands in for a slow regional API: a fixed set of sales per region and day. */
export async function extract(region: string, day: string): Promise<Sale[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const seed = [...`${region}${day}`].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  return [1, 2, 3].map((k) => ({ region, amount: (seed * k) % 97 }));
}

export const regionalSales = dag<{ day: string }>("regional_sales")
  .node("eu", { day: "input.day" }, ({ day }) => extract("eu", day), {
    retry: { attempts: 3, delayMs: 50 },
  })
  .node("us", { day: "input.day" }, ({ day }) => extract("us", day))
  .node("apac", { day: "input.day" }, ({ day }) => extract("apac", day))
  .node("merge", { eu: "eu", us: "us", apac: "apac" }, ({ eu, us, apac }) => [
    ...eu,
    ...us,
    ...apac,
  ])
  .node("totals", { sales: "merge" }, ({ sales }) => {
    const totals: Record<string, number> = {};
    for (const s of sales) totals[s.region] = (totals[s.region] ?? 0) + s.amount;
    return totals;
  })
  .node(
    "report",
    { totals: "totals", day: "input.day" },
    ({ totals, day }) =>
      `${day}: ${Object.entries(totals)
        .map(([region, amount]) => `${region} ${amount}`)
        .join(", ")}`,
  )
  .build();

if (isMain(import.meta.url)) {
  const { redisEngine } = await import("weftjs/distributed");
  const engine = redisEngine({ prefix: "weft-example" });
  const worker = engine.worker([regionalSales], { concurrency: 4 });
  const run = await (await engine.start(regionalSales, { day: "2026-01-31" })).result();
  console.log(run.status);
  console.log(run.output);
  await worker.close();
  await engine.close();
}
