// Summarise the matrix: one entry per cell, in matrix order.
import { writeFileSync } from "node:fs";

const cells = JSON.parse(process.env.WEFT_INPUT_RESIZE);
const files = cells.map((c) => c.file);
const bytes = cells.reduce((n, c) => n + c.bytes, 0);
console.log(`${files.length} files, ${bytes} bytes: ${files.join(" ")}`);
writeFileSync(process.env.WEFT_OUTPUT, JSON.stringify({ files, bytes }));
