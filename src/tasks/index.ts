/**
 * weft/tasks: pipelines of scripts described in YAML (`tasks:` with `script`/`run`,
 * `depends_on`, retries, timeouts, matrices, conditions, notifications), run on weft's graph IR,
 * scheduler and checkpoint stores.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseTaskWorkflow, runTaskWorkflow } from "weftjs/tasks";
 * const wf = parseTaskWorkflow(readFileSync("etl.yaml", "utf8"), { file: "etl.yaml" });
 * const result = await runTaskWorkflow(wf, { parallelism: 4 });
 * console.log(result.status, result.tasks.extract.outputs);
 * ```
 */
export {
  parseTaskWorkflow,
  readTaskWorkflow,
  isTaskWorkflowText,
  type TaskReadOptions,
} from "./parse.js";
export { runTaskWorkflow, newRunId, type TaskRunOptions, type TaskRunResult } from "./run.js";
export {
  describeTaskPlan,
  formatTaskPlan,
  type PlannedTask,
  type TaskPlanDescription,
} from "./describe.js";
export {
  requestCancel,
  readControl,
  controlKey,
  type CancelOutcome,
  type RunControl,
} from "./control.js";
export { matrixCombinations } from "./graph.js";
export { parseExpression, evaluate, ExpressionError, type Expr, type Scope } from "./expression.js";
export { parseTemplate, render, type Template } from "./template.js";
export { resolveCommand, findPrlimit, type MemoryLimit } from "./command.js";
export { runProcess, type ProcessOutcome, type ProcessSpec } from "./process.js";
export { TaskFailedError, inputVariable } from "./nodes.js";
export { sendNotifications, type NotificationOutcome, type WebhookBody } from "./notify.js";
export { Semaphore } from "./semaphore.js";
export * from "./fields.js";
export type * from "./types.js";
export { TAIL_BYTES } from "./types.js";
