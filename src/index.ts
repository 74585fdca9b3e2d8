/**
 * weft: type-safe DAG and state-machine workflows.
 *
 * @example
 * ```ts
 * import { dag } from "weftjs";
 * const wf = dag<{ n: number }>("double").node("twice", { n: "input.n" }, ({ n }) => n * 2).build();
 * const run = await wf.run({ n: 21 }); // run.output === 42
 * ```
 */
// graph IR
export * from "./graph/index.js";
// runtime types
export * from "./run/types.js";
// dag (builder, runtime)
export * from "./dag/index.js";
export type * from "./run/options.js";
export type * from "./run/standard-schema.js";
export type { InputRunOptions, InputSchemas } from "./run/validate-input.js";
export {
  BudgetExceededError,
  type BudgetName,
  type BudgetRunOptions,
  type RunBudget,
} from "./run/budget.js";
export { CircuitOpenError, resetCircuitBreakers } from "./run/circuit-breaker.js";
// fsm
export * from "./fsm/index.js";
// plan
export * from "./plan/index.js";
// run policies and stores
export {
  closeThreadPool,
  ResourceLimitError,
  ThreadCloneError,
  ThreadModuleError,
  warmThreadPool,
} from "./run/threads.js";
export * from "./run/codec.js";
export { SignalError, WaitTimeoutError } from "./run/waits.js";
export { timers, type Resumable, type TimersReport } from "./run/timers.js";
export * from "./run/store/index.js";
// audit trail
export * from "./audit/index.js";
// versioned function registry
export * from "./registry/index.js";
export * from "./run/trace.js";
export * from "./debug/index.js";
export * from "./run/otel.js";
// serialize
export * from "./serialize/index.js";
// viz
export * from "./viz/index.js";
export * from "./stream/index.js";
