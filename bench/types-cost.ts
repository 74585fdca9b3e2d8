/**
 * Type-checking cost of the typed builder: `tsc --noEmit` on generated chains of 50, 200 and 500
 * nodes (bench/types), with tsc's own figures, and whether they grow linearly.
 */
import { fmt, type BenchContext, type Family, type Section } from "./lib/report.js";
import { measure, type TypeCost } from "./types/measure.js";

/** Growth exponent between two sizes: 1 is linear, 2 quadratic. */
export function exponent(a: number, b: number, na: number, nb: number): number {
  return Math.log(b / a) / Math.log(nb / na);
}

/** The cost added per node from one size to the next (fixed costs cancel out). */
function marginal(costs: TypeCost[], pick: (c: TypeCost) => number): string {
  const parts: string[] = [];
  for (let k = 1; k < costs.length; k++) {
    const a = costs[k - 1];
    const b = costs[k];
    parts.push(fmt((pick(b) - pick(a)) / (b.nodes - a.nodes)));
  }
  return parts.join(" → ");
}

export async function runTypes(ctx: BenchContext): Promise<Section> {
  const sizes = ctx.quick ? [20, 60] : [50, 200, 500];
  ctx.log(`types: tsc on chains of ${sizes.join(", ")} nodes`);
  const costs = measure(sizes);
  const rows = costs.map((c) => [
    c.nodes.toLocaleString("en-US"),
    c.instantiations.toLocaleString("en-US"),
    fmt(c.instantiations / c.nodes),
    fmt(c.checkSeconds),
    fmt(c.totalSeconds),
    fmt(c.memoryMB),
    c.ok ? "yes" : "no (errors)",
  ]);
  const first = costs[0];
  const last = costs[costs.length - 1];
  const inst = exponent(first.instantiations, last.instantiations, first.nodes, last.nodes);
  const check = exponent(first.checkSeconds, last.checkSeconds, first.nodes, last.nodes);
  const linear = inst <= 1.15;
  // Fixed costs (the standard library) cancel out of the cost added per node between sizes.
  const added = costs
    .slice(1)
    .map((c, k) => (c.instantiations - costs[k].instantiations) / (c.nodes - costs[k].nodes));
  const addedGrowth = added.length > 1 ? added[added.length - 1] / added[0] : 1;
  return {
    id: "types",
    title: "Type-checking cost of builder chains",
    columns: [
      "nodes",
      "instantiations",
      "instantiations / node",
      "check s",
      "total s",
      "memory MB",
      "type-checks",
    ],
    rows,
    notes: [
      "Each chain is one `dag(...)` call chain of typed `.node` calls; node i reads a port of node i−1, the whole result of node i−7 and a field of the input (bench/types/gen.ts). Figures from `tsc --noEmit --extendedDiagnostics`.",
      `Growth from ${first.nodes} to ${last.nodes} nodes: instantiations ∝ n^${fmt(inst, 2)}, check time ∝ n^${fmt(check, 2)} (1 is linear, 2 quadratic). Instantiations added per node between sizes: ${marginal(costs, (c) => c.instantiations)}; check ms added per node: ${marginal(costs, (c) => c.checkSeconds * 1000)}.`,
      linear
        ? `Verdict: near linear (exponent ${fmt(inst, 2)} ≤ 1.15)${addedGrowth > 1.3 ? `, though the instantiations added per node still rise ${fmt(addedGrowth, 2)}x between the first and the last pair of sizes` : ""}. Check time moves with the machine's load; instantiations do not.`
        : `Verdict: NOT linear: instantiations grow as n^${fmt(inst, 2)}.`,
    ],
    summary: [
      [
        `type-check cost growth, builder chains of ${first.nodes} → ${last.nodes} nodes`,
        `instantiations ∝ n^${fmt(inst, 2)}, check time ∝ n^${fmt(check, 2)}`,
        `${linear ? "near linear" : "not linear"} (1 is linear); ${last.nodes} nodes type-check: ${last.ok ? "yes" : "no"}`,
      ],
    ],
  };
}

export const types: Family = { id: "types", title: "Type-checking cost", run: runTypes };
