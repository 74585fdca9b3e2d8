/**
 * Reading a task workflow file (YAML or JSON) into a checked {@link TaskWorkflow} and its graph
 * IR. Every problem is reported with the file, line and column of the offending field, or of the
 * offending spot inside a template.
 */
import { statSync } from "node:fs";
import path from "node:path";
import type { ParseIssue } from "../serialize/errors.js";
import { ParseError } from "../serialize/errors.js";
import { formatPath, type FieldPath } from "../serialize/path.js";
import { readDocument, type Anchor, type ReadDocument } from "../serialize/read-document.js";
import { ExpressionError, pathsOf, type Expr } from "./expression.js";
import {
  DEFAULT_RETRY_DELAY_MS,
  NOTIFICATION_EVENTS,
  NOTIFICATION_FIELDS,
  PIPELINE_FIELDS,
  RESERVED_NAMES,
  RESULT_FIELDS,
  TASK_FIELDS,
  WORKFLOW_FIELDS,
} from "./fields.js";
import { buildTaskGraph } from "./graph.js";
export { isTaskWorkflowText } from "./detect.js";
import { parseCondition, parseTemplate, type Template } from "./template.js";
import type {
  MatrixValue,
  NotificationEvent,
  NotificationSpec,
  TaskSpec,
  TaskWorkflow,
} from "./types.js";

/** Options of {@link parseTaskWorkflow}. */
export interface TaskReadOptions {
  /** The file's path: scripts resolve against its folder and messages name it. */
  file?: string;
  /** `"json"` or `"yaml"` (default: from the extension, else YAML). */
  format?: "json" | "yaml";
  /** Check that `script:` files exist (default `true`). */
  checkScripts?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const WHAT = "invalid task workflow";
/** Most combinations a matrix may expand to (each becomes a graph node). */
export const MAX_MATRIX = 10_000;

/**
 * Reads and checks a task workflow. Throws a `ParseError` listing every problem, each with its
 * line and column.
 *
 * @example
 * ```ts
 * import { parseTaskWorkflow } from "weftjs/tasks";
 * const wf = parseTaskWorkflow(readFileSync("etl.yaml", "utf8"), { file: "etl.yaml" });
 * ```
 */
export function parseTaskWorkflow(text: string, options: TaskReadOptions = {}): TaskWorkflow {
  const { workflow, issues } = readTaskWorkflow(text, options);
  if (!workflow || issues.length > 0) throw new ParseError(WHAT, issues, options.file);
  return workflow;
}

/** Like {@link parseTaskWorkflow}, but returns the problems instead of throwing. */
export function readTaskWorkflow(
  text: string,
  options: TaskReadOptions = {},
): { workflow?: TaskWorkflow; issues: ParseIssue[] } {
  const file = options.file;
  let doc: ReadDocument;
  try {
    doc = readDocument(
      text,
      { file, format: options.format ?? (file?.endsWith(".json") ? "json" : "yaml") },
      WHAT,
    );
  } catch (e) {
    if (e instanceof ParseError) return { issues: e.issues };
    throw e;
  }
  const reader = new Reader(doc, text, file, options.checkScripts !== false);
  const workflow = reader.read();
  return { workflow: reader.issues.length === 0 ? workflow : undefined, issues: reader.issues };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Where a template sits, to check its names once the task graph is known. */
interface PendingTemplate {
  template: Template;
  path: FieldPath;
  /** The task it belongs to; undefined for notifications. */
  task?: TaskSpec;
}

class Reader {
  readonly issues: ParseIssue[] = [];
  private readonly lines: string[];
  private readonly templates: PendingTemplate[] = [];
  private readonly dir: string;
  private readonly display: string | undefined;

  constructor(
    private readonly doc: ReadDocument,
    text: string,
    private readonly file: string | undefined,
    private readonly checkScripts: boolean,
  ) {
    this.lines = text.split("\n");
    this.dir = path.dirname(path.resolve(file ?? "workflow.yaml"));
    this.display = file;
  }

  private issue(p: FieldPath, message: string, anchor: Anchor = "value", offset?: number): void {
    const pos = offset === undefined ? this.doc.locate(p, anchor) : this.inString(p, offset);
    this.issues.push({ path: formatPath(p), message, file: this.display, ...pos });
  }

  /** The position of character `offset` of the string value at `p` (single-line scalars exactly). */
  private inString(p: FieldPath, offset: number): { line: number; column: number } | undefined {
    const pos = this.doc.locate(p, "value");
    if (!pos) return undefined;
    const ch = this.lines[pos.line - 1]?.[pos.column - 1];
    if (ch === "|" || ch === ">") return pos;
    const quote = ch === '"' || ch === "'" ? 1 : 0;
    return { line: pos.line, column: pos.column + quote + offset };
  }

  private unknownFields(
    obj: Record<string, unknown>,
    p: FieldPath,
    allowed: readonly string[],
    what: string,
  ): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.issue(
          [...p, key],
          `unknown field '${key}' in ${what} (expected one of: ${allowed.join(", ")})`,
          "key",
        );
      }
    }
  }

  read(): TaskWorkflow | undefined {
    const root = this.doc.value;
    if (!isRecord(root)) {
      this.issue([], "a task workflow is a mapping with a 'tasks:' field");
      return undefined;
    }
    this.unknownFields(root, [], WORKFLOW_FIELDS, "the workflow");
    const name =
      this.string(root, [], "name") ??
      path.basename(this.file ?? "workflow", path.extname(this.file ?? ""));
    const versionRaw = root.version;
    let version: string | undefined;
    if (typeof versionRaw === "string" || typeof versionRaw === "number")
      version = String(versionRaw);
    else if (versionRaw !== undefined) this.issue(["version"], "expected a string");
    const description = this.string(root, [], "description");
    if (!isRecord(root.tasks)) {
      this.issue(
        root.tasks === undefined ? [] : ["tasks"],
        "'tasks' must be a mapping of task names to tasks",
      );
      return undefined;
    }
    const tasks: TaskSpec[] = [];
    for (const [key, value] of Object.entries(root.tasks)) {
      const t = this.task(key, value);
      if (t) tasks.push(t);
    }
    if (Object.keys(root.tasks).length === 0)
      this.issue(["tasks"], "a workflow needs at least one task");
    const notifications = this.notifications(root.notifications);
    // Every check runs, so one validation lists every problem of the file.
    const byName = new Map(tasks.map((t) => [t.name, t]));
    this.dependencies(tasks, byName);
    const ancestors = ancestorsOf(tasks, byName);
    for (const pending of this.templates) this.checkTemplate(pending, byName, ancestors);
    if (this.issues.length > 0) return undefined;
    const wf: Omit<TaskWorkflow, "graph" | "nodes"> = {
      name,
      ...(version !== undefined ? { version } : {}),
      ...(description !== undefined ? { description } : {}),
      file: path.resolve(this.file ?? "workflow.yaml"),
      dir: this.dir,
      tasks,
      notifications,
    };
    const { graph, nodes } = buildTaskGraph(wf, this.file);
    return { ...wf, graph, nodes };
  }

  private string(obj: Record<string, unknown>, p: FieldPath, key: string): string | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") {
      this.issue([...p, key], `'${key}' must be a string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  private number(
    obj: Record<string, unknown>,
    p: FieldPath,
    key: string,
    rule: { integer?: boolean; min: number; exclusive?: boolean },
  ): number | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    const ok =
      typeof v === "number" &&
      Number.isFinite(v) &&
      (!rule.integer || Number.isInteger(v)) &&
      (rule.exclusive ? v > rule.min : v >= rule.min);
    if (!ok) {
      const kind = rule.integer ? "an integer" : "a number";
      const bound = rule.exclusive ? `> ${rule.min}` : `>= ${rule.min}`;
      this.issue([...p, key], `'${key}' must be ${kind} ${bound}, got ${describe(v)}`);
      return undefined;
    }
    return v as number;
  }

  private template(
    value: string,
    p: FieldPath,
    task: TaskSpec | undefined,
    condition = false,
  ): Template | undefined {
    try {
      const t = condition ? parseCondition(value) : parseTemplate(value);
      this.templates.push({ template: t, path: p, task });
      return t;
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      this.issue(p, `bad template: ${e.message}`, "value", e.offset);
      return undefined;
    }
  }

  private task(name: string, raw: unknown): TaskSpec | undefined {
    const p: FieldPath = ["tasks", name];
    if (!NAME.test(name)) {
      this.issue(
        p,
        `task name '${name}' must start with a letter or '_' and hold only letters, digits, '_' and '-'`,
        "key",
      );
    } else if (RESERVED_NAMES.includes(name)) {
      this.issue(p, `task name '${name}' is reserved (templates use it for something else)`, "key");
    }
    if (!isRecord(raw)) {
      this.issue(
        p,
        `task '${name}' must be a mapping with 'script' or 'run', got ${describe(raw)}`,
      );
      return undefined;
    }
    this.unknownFields(raw, p, TASK_FIELDS, `task '${name}'`);
    const pos = this.doc.locate(p, "key") ?? { line: 1, column: 1 };
    const spec: TaskSpec = {
      name,
      dependsOn: [],
      retries: 0,
      retryBackoff: "fixed",
      retryDelayMs: DEFAULT_RETRY_DELAY_MS,
      environment: {},
      runAlways: false,
      source: { file: this.file ?? "workflow.yaml", line: pos.line, column: pos.column },
    };
    const script = this.string(raw, p, "script");
    const run = this.string(raw, p, "run");
    if (script === undefined && run === undefined && !("script" in raw) && !("run" in raw)) {
      this.issue(p, `task '${name}' needs 'script' (a file) or 'run' (a command)`, "key");
    } else if (script !== undefined && run !== undefined) {
      this.issue([...p, "run"], `task '${name}' has both 'script' and 'run'; give one`, "key");
    }
    if (script !== undefined) {
      spec.scriptText = script;
      spec.script = path.resolve(this.dir, script);
      if (!/\.(py|sh|bash|js|mjs|cjs|ts|mts)$/i.test(script)) {
        this.issue(
          [...p, "script"],
          `cannot tell how to run '${script}': use .py, .sh, .js, .mjs, .cjs or .ts, or 'run' for a command`,
        );
      } else if (this.checkScripts && !existsSyncSafe(spec.script)) {
        this.issue([...p, "script"], `script '${script}' not found (looked for ${spec.script})`);
      }
    }
    if (run !== undefined) spec.run = this.template(run, [...p, "run"], spec);
    const deps = raw.depends_on;
    if (typeof deps === "string") spec.dependsOn = [deps];
    else if (Array.isArray(deps)) {
      deps.forEach((d, i) => {
        if (typeof d === "string") spec.dependsOn.push(d);
        else this.issue([...p, "depends_on", i], `a dependency is a task name, got ${describe(d)}`);
      });
    } else if (deps !== undefined)
      this.issue([...p, "depends_on"], `'depends_on' must be a task name or a list of them`);
    const minutes = this.number(raw, p, "timeout_minutes", { min: 0, exclusive: true });
    if (minutes !== undefined) spec.timeoutMs = Math.round(minutes * 60_000);
    spec.retries = this.number(raw, p, "retries", { integer: true, min: 0 }) ?? 0;
    const backoff = raw.retry_backoff;
    if (backoff === "fixed" || backoff === "exponential") spec.retryBackoff = backoff;
    else if (backoff !== undefined)
      this.issue(
        [...p, "retry_backoff"],
        `'retry_backoff' must be 'fixed' or 'exponential', got ${describe(backoff)}`,
      );
    spec.retryDelayMs =
      this.number(raw, p, "retry_delay_ms", { integer: true, min: 0 }) ?? DEFAULT_RETRY_DELAY_MS;
    const env = raw.environment;
    if (isRecord(env)) {
      for (const [k, v] of Object.entries(env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
          this.issue(
            [...p, "environment", k],
            `'${k}' is not a valid environment variable name`,
            "key",
          );
        } else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
          const t = this.template(String(v), [...p, "environment", k], spec);
          if (t) spec.environment[k] = t;
        } else
          this.issue(
            [...p, "environment", k],
            `an environment value is a string, number or boolean, got ${describe(v)}`,
          );
      }
    } else if (env !== undefined)
      this.issue([...p, "environment"], `'environment' must be a mapping of names to values`);
    const matrix = raw.matrix;
    if (isRecord(matrix)) {
      const axes: Record<string, MatrixValue[]> = {};
      for (const [k, v] of Object.entries(matrix)) {
        if (!NAME.test(k))
          this.issue([...p, "matrix", k], `matrix axis '${k}' must be a simple name`, "key");
        else if (!Array.isArray(v) || v.length === 0)
          this.issue([...p, "matrix", k], `matrix axis '${k}' must be a non-empty list`);
        else if (
          !v.every((x) => typeof x === "string" || typeof x === "number" || typeof x === "boolean")
        ) {
          this.issue([...p, "matrix", k], `matrix values are strings, numbers or booleans`);
        } else axes[k] = v as MatrixValue[];
      }
      if (Object.keys(matrix).length === 0)
        this.issue([...p, "matrix"], `'matrix' needs at least one axis`);
      const size = Object.values(axes).reduce((n, v) => n * v.length, 1);
      if (size > MAX_MATRIX) {
        this.issue(
          [...p, "matrix"],
          `the matrix has ${size} combinations, over the limit of ${MAX_MATRIX}`,
        );
      }
      spec.matrix = axes;
    } else if (matrix !== undefined)
      this.issue([...p, "matrix"], `'matrix' must be a mapping of axis names to lists`);
    const par = this.number(raw, p, "parallelism", { integer: true, min: 1 });
    if (par !== undefined) spec.parallelism = par;
    for (const key of ["condition", "skip_if"] as const) {
      const v = raw[key];
      if (v === undefined) continue;
      if (typeof v === "boolean") {
        const t = this.template(String(v), [...p, key], spec, true);
        if (t) spec[key === "condition" ? "condition" : "skipIf"] = t;
      } else if (typeof v === "string") {
        const t = this.template(v, [...p, key], spec, true);
        if (t) spec[key === "condition" ? "condition" : "skipIf"] = t;
      } else this.issue([...p, key], `'${key}' must be an expression string like "{{ a.failed }}"`);
    }
    const always = raw.run_always;
    if (typeof always === "boolean") spec.runAlways = always;
    else if (always !== undefined)
      this.issue([...p, "run_always"], `'run_always' must be true or false`);
    const cores = this.number(raw, p, "cpu_cores", { integer: true, min: 1 });
    if (cores !== undefined) spec.cpuCores = cores;
    const mem = this.number(raw, p, "memory_mb", { integer: true, min: 1 });
    if (mem !== undefined) spec.memoryMb = mem;
    const description = this.string(raw, p, "description");
    if (description !== undefined) spec.description = description;
    return spec;
  }

  private notifications(raw: unknown): Partial<Record<NotificationEvent, NotificationSpec[]>> {
    const out: Partial<Record<NotificationEvent, NotificationSpec[]>> = {};
    if (raw === undefined) return out;
    if (!isRecord(raw)) {
      this.issue(
        ["notifications"],
        `'notifications' must be a mapping with ${NOTIFICATION_EVENTS.join(", ")}`,
      );
      return out;
    }
    this.unknownFields(raw, ["notifications"], NOTIFICATION_EVENTS, "notifications");
    for (const event of NOTIFICATION_EVENTS) {
      const list = raw[event];
      if (list === undefined) continue;
      const p: FieldPath = ["notifications", event];
      if (!Array.isArray(list)) {
        this.issue(p, `'${event}' must be a list of notifications`);
        continue;
      }
      const specs: NotificationSpec[] = [];
      list.forEach((n, i) => {
        const q: FieldPath = [...p, i];
        if (!isRecord(n)) {
          this.issue(q, `a notification is a mapping like { type: webhook, url: ... }`);
          return;
        }
        this.unknownFields(n, q, NOTIFICATION_FIELDS, "a notification");
        if (n.type !== "webhook")
          this.issue(
            [...q, "type"],
            `notification type must be 'webhook', got ${describe(n.type)}`,
          );
        const url = this.string(n, q, "url");
        if (url === undefined) {
          if (n.url === undefined) this.issue(q, `a webhook needs a 'url'`);
          return;
        }
        const spec: NotificationSpec = {
          type: "webhook",
          url: this.template(url, [...q, "url"], undefined) ?? parseTemplate(""),
        };
        const message = this.string(n, q, "message");
        if (message !== undefined) {
          const t = this.template(message, [...q, "message"], undefined);
          if (t) spec.message = t;
        }
        if (isRecord(n.headers)) {
          spec.headers = {};
          for (const [k, v] of Object.entries(n.headers)) {
            if (typeof v !== "string")
              this.issue([...q, "headers", k], `a header value is a string`);
            else {
              const t = this.template(v, [...q, "headers", k], undefined);
              if (t) spec.headers[k] = t;
            }
          }
        } else if (n.headers !== undefined)
          this.issue([...q, "headers"], `'headers' must be a mapping`);
        specs.push(spec);
      });
      out[event] = specs;
    }
    return out;
  }

  private dependencies(tasks: TaskSpec[], byName: Map<string, TaskSpec>): void {
    for (const t of tasks) {
      const seen = new Set<string>();
      t.dependsOn.forEach((d, i) => {
        const p: FieldPath =
          typeof (this.doc.value as { tasks: Record<string, { depends_on?: unknown }> }).tasks[
            t.name
          ].depends_on === "string"
            ? ["tasks", t.name, "depends_on"]
            : ["tasks", t.name, "depends_on", i];
        if (d === t.name) this.issue(p, `task '${t.name}' depends on itself`);
        else if (!byName.has(d)) {
          const names = [...byName.keys()].filter((n) => n !== t.name);
          this.issue(
            p,
            `task '${t.name}' depends on unknown task '${d}' (${names.length ? `tasks: ${names.join(", ")}` : "the workflow has no other task"})`,
          );
        } else if (seen.has(d)) this.issue(p, `task '${d}' is listed twice in depends_on`);
        seen.add(d);
      });
    }
    // Cycles: depth-first search; each cycle is reported once, at the edge that closes it.
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const visit = (name: string): void => {
      state.set(name, 1);
      stack.push(name);
      const t = byName.get(name) as TaskSpec;
      t.dependsOn.forEach((d, i) => {
        if (!byName.has(d) || d === name) return;
        const s = state.get(d);
        if (s === 1) {
          const cycle = [...stack.slice(stack.indexOf(d)), d];
          const p: FieldPath = Array.isArray(
            (this.doc.value as { tasks: Record<string, { depends_on?: unknown }> }).tasks[name]
              .depends_on,
          )
            ? ["tasks", name, "depends_on", i]
            : ["tasks", name, "depends_on"];
          this.issue(p, `dependency cycle: ${cycle.reverse().join(" -> ")}`);
        } else if (s === undefined) visit(d);
      });
      stack.pop();
      state.set(name, 2);
    };
    for (const t of tasks) if (!state.has(t.name)) visit(t.name);
  }

  private checkTemplate(
    pending: PendingTemplate,
    byName: Map<string, TaskSpec>,
    ancestors: Map<string, Set<string>>,
  ): void {
    const { template, path: p, task } = pending;
    for (const part of template.parts) {
      if (part.kind !== "expr") continue;
      for (const ref of pathsOf(part.expr)) {
        const problem = this.nameProblem(ref, task, byName, ancestors);
        if (problem)
          this.issue(
            p,
            `bad template '{{ ${part.source} }}': ${problem.message}`,
            "value",
            part.offset + problem.at,
          );
      }
    }
  }

  private nameProblem(
    ref: Extract<Expr, { kind: "path" }>,
    task: TaskSpec | undefined,
    byName: Map<string, TaskSpec>,
    ancestors: Map<string, Set<string>>,
  ): { message: string; at: number } | undefined {
    const first = ref.props[0];
    const firstAt = ref.propAt[0] ?? ref.at;
    if (ref.root === "env") return undefined;
    if (ref.root === "matrix") {
      if (!task)
        return { message: `'matrix' is only defined inside a task with a matrix`, at: ref.at };
      if (!task.matrix)
        return { message: `'matrix' is used but task '${task.name}' has no matrix`, at: ref.at };
      if (first !== undefined && !(String(first) in task.matrix)) {
        return {
          message: `unknown matrix axis '${first}' (axes: ${Object.keys(task.matrix).join(", ")})`,
          at: firstAt,
        };
      }
      return undefined;
    }
    if (ref.root === "pipeline") {
      const fields: readonly string[] = task
        ? PIPELINE_FIELDS.filter((f) => f !== "status" && f !== "failed_tasks")
        : PIPELINE_FIELDS;
      if (first !== undefined && !fields.includes(String(first))) {
        return {
          message: `unknown field 'pipeline.${first}' (fields: ${fields.join(", ")})`,
          at: firstAt,
        };
      }
      return undefined;
    }
    const target = byName.get(ref.root);
    if (!target) {
      const names = [
        "env",
        "pipeline",
        ...(task?.matrix ? ["matrix"] : []),
        ...(task ? [...(ancestors.get(task.name) ?? [])] : [...byName.keys()]),
      ];
      return {
        message: `unknown name '${ref.root}' (known here: ${names.join(", ")})`,
        at: ref.at,
      };
    }
    if (task && !ancestors.get(task.name)?.has(ref.root)) {
      return {
        message: `task '${ref.root}' is not upstream of '${task.name}': add it to depends_on`,
        at: ref.at,
      };
    }
    if (first !== undefined && !(RESULT_FIELDS as readonly string[]).includes(String(first))) {
      return {
        message: `unknown field '${first}' of task '${ref.root}' (fields: ${RESULT_FIELDS.join(", ")})`,
        at: firstAt,
      };
    }
    return undefined;
  }
}

function ancestorsOf(tasks: TaskSpec[], byName: Map<string, TaskSpec>): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const of = (name: string): Set<string> => {
    const hit = memo.get(name);
    if (hit) return hit;
    const out = new Set<string>();
    memo.set(name, out);
    for (const d of (byName.get(name) as TaskSpec).dependsOn) {
      if (!byName.has(d)) continue;
      out.add(d);
      for (const a of of(d)) out.add(a);
    }
    return out;
  };
  for (const t of tasks) of(t.name);
  return memo;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function existsSyncSafe(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
