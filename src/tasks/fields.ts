/** The field names of the task workflow format (the JSON Schema in schema/ lists the same). */

/** Top-level fields. */
export const WORKFLOW_FIELDS = [
  "name",
  "version",
  "description",
  "tasks",
  "notifications",
] as const;

/** Fields of a task. */
export const TASK_FIELDS = [
  "script",
  "run",
  "description",
  "depends_on",
  "timeout_minutes",
  "retries",
  "retry_backoff",
  "retry_delay_ms",
  "environment",
  "matrix",
  "parallelism",
  "condition",
  "skip_if",
  "run_always",
  "cpu_cores",
  "memory_mb",
] as const;

/** Keys of `notifications`. */
export const NOTIFICATION_EVENTS = ["on_success", "on_failure", "on_complete"] as const;

/** Fields of one notification. */
export const NOTIFICATION_FIELDS = ["type", "url", "message", "headers"] as const;

/** Fields of a task result that templates may read (`{{ task.field }}`). */
export const RESULT_FIELDS = [
  "task",
  "status",
  "exit_code",
  "failed",
  "skipped",
  "duration",
  "stdout",
  "stderr",
  "outputs",
  "attempts",
  "signal",
  "reason",
  "matrix",
  "instances",
] as const;

/** Fields of `pipeline` in templates. */
export const PIPELINE_FIELDS = ["name", "version", "run_id", "status", "failed_tasks"] as const;

/** Names templates may not use for tasks (they mean something else in expressions). */
export const RESERVED_NAMES = ["env", "matrix", "pipeline", "input", "true", "false", "null"];

/** Default pause before a retry, in ms. */
export const DEFAULT_RETRY_DELAY_MS = 1000;
