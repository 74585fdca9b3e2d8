/**
 * Customer ETL: load a CSV, clean it, choose a load strategy by size, and report.
 * Run: npx tsx examples/etl.ts
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { branch, dag } from "weftjs";
import { isMain } from "./main.js";

export interface Row {
  id: number;
  name: string;
  email: string;
  age: number;
}

/** Parses the CSV text into rows. */
export async function readRows(path: string): Promise<Row[]> {
  const text = await readFile(path, "utf8");
  const [, ...lines] = text.trim().split("\n");
  return lines.map((line) => {
    const [id, name, email, age] = line.split(",");
    return { id: Number(id), name, email, age: Number(age) };
  });
}

/** Drops rows without a name and normalises e-mail addresses. */
export function cleanRows({ rows, minAge }: { rows: Row[]; minAge: number }): Row[] {
  return rows
    .filter((r) => r.name.length > 0 && r.age >= minAge)
    .map((r) => ({ ...r, email: r.email.toLowerCase() }));
}

export function batchLoad({ rows }: { rows: Row[] }): { count: number; mode: "batch" } {
  return { count: rows.length, mode: "batch" };
}

export function inlineLoad({ rows }: { rows: Row[] }): { count: number; mode: "inline" } {
  return { count: rows.length, mode: "inline" };
}

/** Loads customers, keeping adults, and reports how they were loaded. */
export const etl = dag<{ path: string; minAge: number; batchOver: number }>("customer_etl")
  .node("load", { path: "input.path" }, ({ path }) => readRows(path), {
    retry: { attempts: 3, delayMs: 10, backoff: 2 },
    timeoutMs: 5_000,
  })
  .node("clean", { rows: "load", minAge: "input.minAge" }, cleanRows)
  .condition("big", { rows: "clean", over: "input.batchOver" }, ({ rows, over }) =>
    branch(rows.length > over, rows),
  )
  .node("batch", { rows: "big.true" }, batchLoad)
  .node("inline", { rows: "big.false" }, inlineLoad)
  .any("loaded", { r: ["batch", "inline"] }, ({ r }) => ({ ...r.value, via: r.from }))
  .node(
    "report",
    { loaded: "loaded", clean: "clean" },
    // runIf "always": an argument whose node failed or was skipped is undefined.
    ({ loaded, clean }) =>
      loaded && clean
        ? `${loaded.count} customers loaded (${loaded.mode}): ${clean.map((r) => r.name).join(", ")}`
        : "nothing loaded",
    { runIf: "always" },
  )
  .build();

export const sampleInput = {
  path: fileURLToPath(new URL("./data/customers.csv", import.meta.url)),
  minAge: 18,
  batchOver: 10,
};

if (isMain(import.meta.url)) {
  const run = await etl.run(sampleInput, { mode: "parallel" });
  console.log(run.status);
  console.log(run.output);
  console.log(JSON.stringify(run.get("loaded")));
}
