/**
 * Stream nodes: items/s through three stages (source → double → sum) by weft stream nodes and by
 * a hand-written chain of async generators, in the same run, with the live heap sampled at ten
 * points of each run to show memory stays flat (O(buffer), not O(items)). Each row runs in its
 * own `node --expose-gc` process.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fmt, ratio, type BenchContext, type Family, type Section } from "./lib/report.js";
import type { StreamFigures } from "./streams-child.js";

/** Longest a full-size weft run may be expected to take before the item count is reduced. */
const BUDGET_MS = 30_000;

function measure(mode: string, n: number, buffer: number): StreamFigures {
  const child = join(import.meta.dirname, "streams-child.ts");
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, "--expose-gc", child, mode, String(n), String(buffer)],
    { encoding: "utf8", maxBuffer: 1 << 20, stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "") as StreamFigures;
}

export async function runStreams(ctx: BenchContext): Promise<Section> {
  const wanted = ctx.quick ? 100_000 : 10_000_000;
  let n = wanted;
  if (!ctx.quick) {
    // A probe of 1 M items: if 10 M would take weft over the budget here, 1 M is measured.
    ctx.log("streams: probe, 1 M items");
    const probe = measure("weft", 1_000_000, 16);
    if ((probe.ms * wanted) / 1_000_000 > BUDGET_MS) n = 1_000_000;
  }
  const rows: string[][] = [];
  const rate = new Map<string, number>();
  let flat = true;
  for (const [mode, buffer, label] of [
    ["hand", 0, "hand-written async generators"],
    ["weft", 16, "weft stream nodes, buffer 16 (default)"],
    ["weft", 256, "weft stream nodes, buffer 256"],
  ] as const) {
    ctx.log(`streams: ${label}, ${n.toLocaleString("en-US")} items`);
    const f = measure(mode, n, buffer);
    if (f.sum !== n * (n - 1)) throw new Error(`${label}: wrong sum ${f.sum}`);
    const perSec = (n / f.ms) * 1000;
    rate.set(`${mode}${buffer}`, perSec);
    const first = f.heapMB[0];
    const max = Math.max(...f.heapMB);
    if (max - first > 5) flat = false;
    rows.push([
      label,
      n.toLocaleString("en-US"),
      fmt(perSec),
      fmt(f.ms),
      f.heapMB.map((x) => x.toFixed(1)).join(" "),
      fmt(max - first),
      fmt(f.peakRssMB),
    ]);
  }
  const hand = rate.get("hand0") ?? NaN;
  const w16 = rate.get("weft16") ?? NaN;
  const w256 = rate.get("weft256") ?? NaN;
  const notes = [
    `Three stages: a source generator of ${n.toLocaleString("en-US")} numbers, a stage doubling each, and a node summing them (checked). weft runs them as \`.stream\`, \`.stream\`, \`.node\`; the baseline is the same two async generators and a \`for await\` loop, with no workflow around them.`,
    "`heap MB` is the live heap after a forced full GC at ten evenly spaced points of the run (and once after it): flat means memory is O(buffer), not O(items). `growth` is the largest sample minus the first. RSS is the whole process's peak.",
    `weft pays a second promise per item and stage (the buffer's hand-off to each reader) on top of the generator's own: ${ratio(hand / w16)} the baseline's time per item at buffer 16, ${ratio(hand / w256)} at buffer 256.`,
    `Memory flat in every row: ${flat ? "yes" : "no"}.`,
  ];
  if (n < wanted) {
    notes.push(
      `Reduced from ${wanted.toLocaleString("en-US")} to ${n.toLocaleString("en-US")} items: a 1 M-item probe projected more than ${BUDGET_MS / 1000} s for the full count on this shared machine.`,
    );
  }
  return {
    id: "streams",
    title: "Stream nodes: items/s and memory",
    columns: [
      "pipeline",
      "items",
      "items/s",
      "ms",
      "heap MB (10 samples + end)",
      "growth MB",
      "peak RSS MB",
    ],
    rows,
    notes,
    summary: [
      [
        `stream items/s through 3 stages (${n.toLocaleString("en-US")} items), weft vs hand-written`,
        `${fmt(w16)} vs ${fmt(hand)} (${ratio(hand / w16)} slower)`,
        `heap flat: ${flat ? "yes" : "no"}`,
      ],
    ],
  };
}

export const streams: Family = { id: "streams", title: "Stream nodes", run: runStreams };
