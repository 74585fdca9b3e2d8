/** Graphs of a given size for the serialization, validation, diagram and plan benchmarks. */
import { looseDag, type Graph } from "../../src/index.js";

function step(a: Record<string, unknown>): { value: number } {
  return { value: ((a.a as number) ?? 0) + ((a.b as { value: number }).value ?? 0) };
}

/**
 * A chain with skip links, like a long pipeline: node `i` reads a port of node `i-1`, the whole
 * result of node `i-7` and a field of the run input (three edges per node).
 */
export function pipelineGraph(n: number): Graph {
  let b = looseDag(`pipeline${n}`).node("n0", { s: "input.seed" }, (a) => ({ value: a.s }));
  for (let i = 1; i < n; i++) {
    b = b.node(
      `n${i}`,
      { a: `n${i - 1}.value`, b: `n${Math.max(0, i - 7)}`, l: "input.label" },
      step,
    );
  }
  return b.build().graph;
}
