/** What `weft run --dry-run` shows: levels, matrix expansion, resolved commands and environment. */
import { planOf } from "../plan/plan.js";
import { resolveCommand, type MemoryLimit } from "./command.js";
import { evaluate, pathsOf } from "./expression.js";
import { stringify, type Template } from "./template.js";
import type { TaskWorkflow } from "./types.js";

/** One node of the plan as it would run. */
export interface PlannedTask {
  node: string;
  level: number;
  dependsOn: string[];
  /** The program and its arguments (templates that read other tasks stay as `{{ … }}`). */
  command: string[];
  /** The task's own `environment`, resolved the same way. */
  environment: Record<string, string>;
  matrix?: Record<string, string | number | boolean>;
  /** `"join"` for a matrix task's join node. */
  kind: "task" | "instance" | "join";
  timeoutMs?: number;
  retries?: number;
  cpuCores?: number;
  memoryMb?: number;
  memoryLimit?: MemoryLimit;
  condition?: string;
  skipIf?: string;
  runAlways?: boolean;
}

/** The dry-run description of a workflow. */
export interface TaskPlanDescription {
  workflow: string;
  levels: string[][];
  tasks: PlannedTask[];
}

/**
 * Describes how a workflow would run, without running anything.
 *
 * @example
 * ```ts
 * const d = describeTaskPlan(wf, process.env);
 * d.levels; // [["extract"], ["transform[0]", "transform[1]"], ["transform"], ["load"]]
 * ```
 */
export function describeTaskPlan(
  wf: TaskWorkflow,
  env: NodeJS.ProcessEnv = process.env,
): TaskPlanDescription {
  const plan = planOf(wf.graph);
  const levels = plan.levels.map((lvl) => lvl.map((i) => plan.nodes[i]));
  const levelOf = new Map<string, number>();
  levels.forEach((names, l) => names.forEach((n) => levelOf.set(n, l)));
  const tasks: PlannedTask[] = [];
  for (const g of wf.graph.nodes) {
    const node = wf.nodes.get(g.name);
    if (!node) continue;
    const t = node.task;
    const deps = wf.graph.edges.filter((e) => e.to === g.name).map((e) => e.from);
    if (node.kind === "join") {
      tasks.push({
        node: g.name,
        level: levelOf.get(g.name) ?? 0,
        dependsOn: deps,
        command: [],
        environment: {},
        kind: "join",
      });
      continue;
    }
    const matrix = node.kind === "instance" ? node.matrix : undefined;
    const scope: Record<string, unknown> = {
      env: { ...env },
      pipeline: { name: wf.name, version: wf.version, run_id: "(dry run)" },
    };
    if (matrix) scope.matrix = matrix;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.environment)) environment[k] = renderKnown(v, scope);
    const cmd = resolveCommand({
      ...(t.script !== undefined
        ? { script: t.script }
        : { run: t.run ? renderKnown(t.run, scope) : "" }),
      cwd: wf.dir,
      env: {},
      ...(t.memoryMb !== undefined ? { memoryMb: t.memoryMb } : {}),
    });
    tasks.push({
      node: g.name,
      level: levelOf.get(g.name) ?? 0,
      dependsOn: deps,
      command: [cmd.command, ...cmd.args],
      environment,
      kind: node.kind,
      ...(matrix ? { matrix } : {}),
      ...(t.timeoutMs !== undefined ? { timeoutMs: t.timeoutMs } : {}),
      ...(t.retries > 0 ? { retries: t.retries } : {}),
      ...(t.cpuCores !== undefined ? { cpuCores: t.cpuCores } : {}),
      ...(t.memoryMb !== undefined
        ? { memoryMb: t.memoryMb, ...(cmd.memory ? { memoryLimit: cmd.memory } : {}) }
        : {}),
      ...(t.condition ? { condition: t.condition.source } : {}),
      ...(t.skipIf ? { skipIf: t.skipIf.source } : {}),
      ...(t.runAlways ? { runAlways: true } : {}),
    });
  }
  return { workflow: wf.name, levels, tasks };
}

/** Renders the parts that read only `env`, `matrix` and `pipeline`; others stay as written. */
function renderKnown(t: Template, scope: Record<string, unknown>): string {
  let out = "";
  for (const p of t.parts) {
    if (p.kind === "text") out += p.text;
    else if (pathsOf(p.expr).every((r) => r.root in scope))
      out += stringify(evaluate(p.expr, scope));
    else out += `{{ ${p.source} }}`;
  }
  return out;
}

/** The description as text, one block per level. */
export function formatTaskPlan(d: TaskPlanDescription): string {
  const lines: string[] = [
    `plan of '${d.workflow}': ${d.tasks.length} nodes in ${d.levels.length} levels (nothing is run)`,
  ];
  const byName = new Map(d.tasks.map((t) => [t.node, t]));
  d.levels.forEach((names, l) => {
    lines.push(`level ${l}:`);
    for (const n of names) {
      const t = byName.get(n);
      if (!t) continue;
      if (t.kind === "join") {
        lines.push(`  ${n}  (matrix join of ${t.dependsOn.length})`);
        continue;
      }
      const facts: string[] = [];
      if (t.dependsOn.length) facts.push(`after ${t.dependsOn.join(", ")}`);
      if (t.matrix)
        facts.push(
          `matrix ${Object.entries(t.matrix)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(" ")}`,
        );
      if (t.timeoutMs !== undefined) facts.push(`timeout ${t.timeoutMs / 1000}s`);
      if (t.retries) facts.push(`retries ${t.retries}`);
      if (t.cpuCores) facts.push(`cpu_cores ${t.cpuCores}`);
      if (t.memoryMb) facts.push(`memory ${t.memoryMb} MB (${t.memoryLimit ?? "none"})`);
      if (t.condition) facts.push(`if ${t.condition}`);
      if (t.skipIf) facts.push(`skip_if ${t.skipIf}`);
      if (t.runAlways) facts.push("run_always");
      lines.push(`  ${n}${facts.length ? `  [${facts.join("; ")}]` : ""}`);
      lines.push(`    $ ${t.command.map(shellQuote).join(" ")}`);
      for (const [k, v] of Object.entries(t.environment)) lines.push(`    ${k}=${v}`);
    }
  });
  return `${lines.join("\n")}\n`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
