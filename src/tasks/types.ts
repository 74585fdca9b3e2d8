/** The data of a task workflow file once read and checked, and what a task run produces. */
import type { Graph, SourceLocation } from "../graph/types.js";
import type { Template } from "./template.js";

/** A scalar a matrix axis may hold. */
export type MatrixValue = string | number | boolean;

/** One task of a workflow file, checked, with its templates parsed. */
export interface TaskSpec {
  /** The task's key under `tasks:`. */
  name: string;
  /** `script:` resolved against the workflow file's folder. */
  script?: string;
  /** `script:` as written. */
  scriptText?: string;
  /** `run:` (a shell command; may hold templates). */
  run?: Template;
  dependsOn: string[];
  /** `timeout_minutes` in ms. */
  timeoutMs?: number;
  retries: number;
  retryBackoff: "fixed" | "exponential";
  retryDelayMs: number;
  environment: Record<string, Template>;
  /** Axis name → values; absent without a matrix. */
  matrix?: Record<string, MatrixValue[]>;
  parallelism?: number;
  condition?: Template;
  skipIf?: Template;
  runAlways: boolean;
  cpuCores?: number;
  memoryMb?: number;
  description?: string;
  source: SourceLocation;
}

/** A webhook notification. */
export interface NotificationSpec {
  type: "webhook";
  url: Template;
  message?: Template;
  headers?: Record<string, Template>;
}

/** When notifications fire. */
export type NotificationEvent = "on_success" | "on_failure" | "on_complete";

/**
 * A task workflow: the file's tasks and notifications, and the graph IR they become.
 *
 * @example
 * ```ts
 * const wf = parseTaskWorkflow(readFileSync("etl.yaml", "utf8"), { file: "etl.yaml" });
 * wf.graph.nodes.map((n) => n.name); // ["extract", "transform[0]", "transform[1]", "transform", ...]
 * ```
 */
export interface TaskWorkflow {
  name: string;
  version?: string;
  description?: string;
  /** Absolute path of the file (scripts and commands run from its folder). */
  file: string;
  dir: string;
  tasks: TaskSpec[];
  notifications: Partial<Record<NotificationEvent, NotificationSpec[]>>;
  /** The graph IR: one node per task, one per matrix instance plus a join node named as the task. */
  graph: Graph;
  /** Graph node name → what it runs. */
  nodes: Map<string, TaskNode>;
}

/** A graph node of a task workflow: a task, one instance of a matrix task, or a matrix join. */
export type TaskNode =
  | { kind: "task"; task: TaskSpec }
  | { kind: "instance"; task: TaskSpec; index: number; matrix: Record<string, MatrixValue> }
  | { kind: "join"; task: TaskSpec; instances: string[] };

/** How a task ended. */
export type TaskStatus = "completed" | "failed" | "skipped";

/**
 * The result of one task (what templates see as `{{ name.field }}`).
 *
 * @example
 * ```ts
 * const r: TaskResult = { task: "extract", status: "completed", exit_code: 0, failed: false,
 *   skipped: false, duration: 41, stdout: "ok\n", stderr: "", outputs: { rows: 3 }, attempts: 1 };
 * ```
 */
export interface TaskResult {
  /** Graph node name (`transform[2]` for a matrix instance). */
  task: string;
  status: TaskStatus;
  /** Exit code of the last attempt; `null` when killed by a signal, skipped or never started. */
  exit_code: number | null;
  failed: boolean;
  skipped: boolean;
  /** Wall time of the last attempt, in ms. */
  duration: number;
  /** The last lines of the output (at most {@link TAIL_BYTES} each). */
  stdout: string;
  stderr: string;
  /** What the task wrote to `$WEFT_OUTPUT` (JSON); `{}` when nothing. A matrix join: one per instance. */
  outputs: unknown;
  attempts: number;
  /** Signal that ended the process (e.g. `SIGKILL` on a timeout). */
  signal?: string;
  /** Why it failed or was skipped. */
  reason?: string;
  /** A matrix instance: its values. */
  matrix?: Record<string, MatrixValue>;
  /** A matrix join: the instances' results, in matrix order. */
  instances?: TaskResult[];
}

/** Bytes of stdout and stderr kept in a {@link TaskResult}. */
export const TAIL_BYTES = 4096;
