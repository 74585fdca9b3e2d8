/** Telling a task workflow file from other YAML/JSON (graph files) cheaply, without a YAML parser. */

/**
 * True when `text` looks like a task workflow: a top-level `tasks:` mapping (YAML), or a JSON
 * object with a `tasks` object and no `nodes`.
 *
 * @example
 * ```ts
 * isTaskWorkflowText("name: etl\ntasks:\n  a: { run: echo hi }\n"); // true
 * ```
 */
export function isTaskWorkflowText(text: string): boolean {
  if (/^tasks[ \t]*:/m.test(text)) return true;
  if (text.trimStart()[0] !== "{") return false;
  try {
    const v = JSON.parse(text) as unknown;
    return (
      typeof v === "object" &&
      v !== null &&
      typeof (v as { tasks?: unknown }).tasks === "object" &&
      !("nodes" in v)
    );
  } catch {
    return false;
  }
}
