// Transform one batch: the rows whose id falls in this batch, amounts converted to cents.
import { writeFileSync } from "node:fs";

const { rows } = JSON.parse(process.env.WEFT_INPUT_EXTRACT);
const batch = Number(process.env.BATCH_ID);
const batches = Number(process.env.BATCHES);
const mine = rows
  .filter((r) => r.id % batches === batch)
  .map((r) => ({ ...r, cents: r.amount * 100 }));
console.log(`batch ${batch}: ${mine.length} rows`);
writeFileSync(process.env.WEFT_OUTPUT, JSON.stringify({ batch, rows: mine }));
