/** Workflows of the distributed benchmarks, loaded by the bench process and its worker processes. */
import { looseDag, type AnyDag } from "../../src/index.js";

export const CHAIN = 1_000;
export const WIDE = 1_000;
export const IO_WIDTH = 160;
export const IO_MS = 40;

/** `c0 -> c1 -> ... -> c{n-1}`, each adding one (synchronous). */
function chainOf(n: number): AnyDag {
  let b = looseDag(`dist_chain_${n}`).node("c0", { x: "input.x" }, ({ x }) => Number(x) + 1);
  for (let k = 1; k < n; k++) b = b.node(`c${k}`, { x: `c${k - 1}` }, ({ x }) => Number(x) + 1);
  return b.build() as unknown as AnyDag;
}

/** `seed` -> `width` nodes (each `work`) -> `sum`. */
function wideOf(name: string, width: number, work: (v: number) => unknown): AnyDag {
  let b = looseDag(name).node("seed", { x: "input.x" }, ({ x }) => Number(x));
  const deps: Record<string, string> = {};
  for (let k = 0; k < width; k++) {
    deps[`w${k}`] = `w${k}`;
    b = b.node(`w${k}`, { s: "seed" }, ({ s }) => work(Number(s) + k));
  }
  b = b.node("sum", deps, (args) => {
    let total = 0;
    for (const v of Object.values(args)) total += Number(v);
    return total;
  });
  return b.build() as unknown as AnyDag;
}

export const chain = chainOf(CHAIN);
export const wide = wideOf(`dist_wide_${WIDE}`, WIDE, (v) => v);
export const ioWide = wideOf(
  `dist_io_${IO_WIDTH}`,
  IO_WIDTH,
  (v) => new Promise((resolve) => setTimeout(() => resolve(v), IO_MS)),
);

export const workflows: AnyDag[] = [chain, wide, ioWide];

/** Sum of `wideOf` for input `x`. */
export function wideSum(width: number, x: number): number {
  return width * x + (width * (width - 1)) / 2;
}
