/** Helpers of the task workflow tests. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseTaskWorkflow } from "../../src/tasks/parse.js";
import type { TaskWorkflow } from "../../src/tasks/types.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** Parses a workflow written into `dir` as `name`. */
export function workflowIn(dir: string, text: string, name = "wf.yaml"): TaskWorkflow {
  return parseTaskWorkflow(text, { file: path.join(dir, name) });
}

/** The example pipeline `examples/pipelines/<name>`. */
export function example(rel: string): TaskWorkflow {
  const file = path.join(ROOT, "examples/pipelines", rel);
  return parseTaskWorkflow(readFileSync(file, "utf8"), { file });
}

/** True when `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  const status = `/proc/${pid}/status`;
  if (existsSync("/proc/self/status")) {
    if (!existsSync(status)) return false;
    try {
      return !/^State:\s+Z/m.test(readFileSync(status, "utf8"));
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it holds or `ms` pass. */
export async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
