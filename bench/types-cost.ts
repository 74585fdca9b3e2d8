/**
 * Type-checking cost of the typed builder: `tsc --noEmit --extendedDiagnostics` on generated
 * workflows (bench/types), instantiations per node after those of an empty workflow are taken
 * out, and whether that figure stays constant as workflows grow. WEFT_TSC picks the compiler.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import { fmt, type BenchContext, type Family, type Section } from "./lib/report.js";
import { measure, type TypeCost } from "./types/measure.js";
import type { Shape } from "./types/gen.js";

/** The compiler measured: WEFT_TSC's package version, or the project's TypeScript. */
function compilerName(): string {
  const tsc = process.env.WEFT_TSC;
  if (!tsc) return `TypeScript ${ts.version} (node_modules)`;
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(tsc), "../package.json"), "utf8")) as {
      version?: string;
    };
    return `TypeScript ${pkg.version ?? "?"} (${tsc})`;
  } catch {
    return tsc;
  }
}

/** Growth exponent between two sizes: 1 is linear, 2 quadratic. */
export function exponent(a: number, b: number, na: number, nb: number): number {
  return Math.log(b / a) / Math.log(nb / na);
}

export async function runTypes(ctx: BenchContext): Promise<Section> {
  const sizes = ctx.quick ? [20, 60] : [50, 1000];
  const shapes: Shape[] = ["chain", "layered", "fsm"];
  const costs: TypeCost[] = [];
  for (const shape of shapes) {
    ctx.log(`types: tsc on ${shape} workflows of ${sizes.join(", ")} nodes`);
    costs.push(...measure(sizes, shape));
  }
  const rows = costs.map((c) => [
    c.shape,
    c.nodes.toLocaleString("en-US"),
    c.instantiations.toLocaleString("en-US"),
    c.perNode.toLocaleString("en-US"),
    fmt(c.cpuSeconds),
    fmt(c.memoryMB),
    c.ok ? "yes" : "no (errors)",
  ]);
  const ratios = shapes.map((shape) => {
    const mine = costs.filter((c) => c.shape === shape);
    const first = mine[0];
    const last = mine[mine.length - 1];
    return { shape, ratio: last.perNode / first.perNode, first, last };
  });
  return {
    id: "types",
    title: "Type-checking cost of builder chains",
    columns: ["shape", "nodes", "instantiations", "per node", "CPU s", "memory MB", "type-checks"],
    rows,
    notes: [
      `Compiler: ${compilerName()} (WEFT_TSC picks another).`,
      "chain: node i reads a port of node i−1, node i−7 whole and an input field; layered: width 10, three dependencies in the layer before, number/string/object outputs; fsm: a ring of states (bench/types/gen.ts). Instantiations of an empty workflow are subtracted.",
      ...ratios.map(
        (r) =>
          `${r.shape}: instantiations per node ${r.first.perNode} at ${r.first.nodes} nodes, ${r.last.perNode} at ${r.last.nodes} (${fmt(r.ratio, 2)}x; the goal is at most 1.3x).`,
      ),
    ],
    summary: ratios.map((r) => [
      `type-check cost per node, ${r.shape} of ${r.first.nodes} → ${r.last.nodes} nodes`,
      `${r.first.perNode} → ${r.last.perNode} instantiations`,
      `${fmt(r.ratio, 2)}x`,
    ]),
  };
}

export const types: Family = { id: "types", title: "Type-checking cost", run: runTypes };
