/**
 * Peak memory of a long chain passing large values, keeping every result (`retain: "all"`, the
 * default) or releasing each after its last consumer (`retain: "outputs"`). Each measurement runs
 * in its own process with `--expose-gc`, so one does not inherit another's heap.
 */
import { execFileSync } from "node:child_process";
import { freemem } from "node:os";
import { join } from "node:path";
import { fmt, type BenchContext, type Family, type Section } from "./lib/report.js";
import type { MemoryFigures } from "./memory-child.js";

const MB = 2 ** 20;

/** Nodes between forced GCs and samples: frequent enough for a steady live set, few enough to be cheap. */
const SAMPLE_EVERY = 500;

function measure(mode: string, nodes: number, bytes: number, every: number): MemoryFigures {
  const child = join(import.meta.dirname, "memory-child.ts");
  // The parent's loader flags (tsx) let the child run TypeScript too.
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, "--expose-gc", child, mode, String(nodes), String(bytes), String(every)],
    { encoding: "utf8", maxBuffer: 1 << 20, stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = out.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as MemoryFigures;
}

export async function runMemory(ctx: BenchContext): Promise<Section> {
  const bytes = MB;
  const wanted = ctx.quick ? 300 : 10_000;
  // Keeping every result needs nodes × 1 MB; leave room for everything else on a shared machine.
  const room = Math.floor((freemem() - 4 * 2 ** 30) / bytes);
  const nodes = Math.max(100, Math.min(wanted, room));
  const every = Math.min(SAMPLE_EVERY, Math.max(1, Math.floor(nodes / 10)));
  const rows: string[][] = [];
  const peak = new Map<string, number>();
  for (const [mode, label] of [
    ["baseline", "baseline: plain loop keeping the latest value"],
    ["outputs", 'weft runSync, retain: "outputs"'],
    ["all", 'weft runSync, retain: "all" (default)'],
  ] as const) {
    ctx.log(`memory: ${label}`);
    const f = measure(mode, nodes, bytes, every);
    peak.set(mode, f.peakLiveMB);
    rows.push([
      label,
      nodes.toLocaleString("en-US"),
      fmt(f.peakLiveMB),
      fmt(f.peakRssMB),
      fmt(f.heldAfterMB),
      fmt(f.ms),
    ]);
  }
  const notes = [
    `A chain of ${nodes.toLocaleString("en-US")} nodes; every node makes a new 1 MB buffer (filled, so it is resident) from its input's, so a run that keeps results holds one buffer per node.`,
    `Each row runs in a fresh \`node --expose-gc\` process. Every ${every} nodes a full GC runs and memory is sampled, so \`peak live\` is what the run held, not garbage awaiting collection. RSS is the whole process (the runtime included) and also counts garbage between collections. \`ms\` is the run's time, forced GCs included.`,
    '`held after` is measured after the run, with its result still referenced: with `retain: "outputs"` only the output node\'s value remains.',
  ];
  if (nodes < wanted)
    notes.push(
      `Reduced from ${wanted.toLocaleString("en-US")} nodes: this machine had too little free memory to keep every 1 MB result.`,
    );
  return {
    id: "memory",
    title: "Peak memory, chain of 1 MB values",
    columns: ["run", "nodes", "peak live MB", "peak RSS MB", "held after MB", "ms"],
    rows,
    notes,
    summary: [
      [
        `peak live memory, ${nodes.toLocaleString("en-US")}-node chain of 1 MB values, retain "outputs" vs "all"`,
        `${fmt(peak.get("outputs") ?? NaN)} MB vs ${fmt(peak.get("all") ?? NaN)} MB`,
        `plain loop: ${fmt(peak.get("baseline") ?? NaN)} MB`,
      ],
    ],
  };
}

export const memory: Family = { id: "memory", title: "Peak memory", run: runMemory };
