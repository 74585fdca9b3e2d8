/**
 * The ways a weft workflow can be run in the benchmarks, and feature detection for plan loading
 * (`withPlan`), so the suite runs before and after it exists.
 */
import type { ExecutionPlan, RunOptions } from "../../src/index.js";
import type { LooseDag } from "./trivial.js";

/** A weft run path: the sync path, or `run()` in one of its modes. */
export type RunPath = "runSync" | "parallel" | "sequential";

/** Runs a workflow along one path and returns its output (a promise unless `runSync`). */
export function runPath(
  wf: LooseDag,
  path: RunPath,
  input: unknown,
  options: RunOptions = {},
): unknown {
  if (path === "runSync") return wf.runSync(input, options).output;
  return wf.run(input, { ...options, mode: path }).then((r) => r.output);
}

/** The workflow bound to a precomputed plan, when this version of weft can load plans. */
export function withPlan(wf: LooseDag, plan: ExecutionPlan): LooseDag | undefined {
  const loader = (wf as unknown as { withPlan?: (p: ExecutionPlan) => LooseDag }).withPlan;
  return typeof loader === "function" ? loader.call(wf, plan) : undefined;
}
