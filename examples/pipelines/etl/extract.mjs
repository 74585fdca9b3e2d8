// Extract: "reads" ROWS rows from SOURCE and hands them on through $WEFT_OUTPUT.
import { writeFileSync } from "node:fs";

const n = Number(process.env.ROWS ?? 10);
const rows = Array.from({ length: n }, (_, i) => ({ id: i + 1, amount: (i + 1) * 10 }));
console.log(`extracted ${rows.length} rows from ${process.env.SOURCE}`);
writeFileSync(process.env.WEFT_OUTPUT, JSON.stringify({ rows }));
