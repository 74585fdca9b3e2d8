/**
 * Whether a CLI argument is a task workflow file (a top-level `tasks:` mapping). Kept free of
 * heavy imports: the task commands themselves are loaded only when a task file is given.
 */
import { readFileSync } from "node:fs";
import { isTaskWorkflowText } from "../../src/tasks/detect.js";

/** True for a `.yaml`/`.yml`/`.json` file whose top level has a `tasks:` mapping. */
export function isTaskFile(file: string): boolean {
  if (!/\.(ya?ml|json)$/i.test(file)) return false;
  try {
    return isTaskWorkflowText(readFileSync(file, "utf8"));
  } catch {
    return false;
  }
}
