/**
 * Diagnostics of the compiler and the CLI, printed the way tsc prints its own:
 * `path:line:col - error WEFT001: message`. Errors make `weft compile` exit with code 1; warnings
 * do not.
 */
import type { SourceLocation } from "../src/graph/types.js";

/** Every diagnostic the compiler can report, by code. Documented in docs/compiler-and-cli.md. */
export const DIAGNOSTIC_CODES = {
  // Graph structure (from validateGraph).
  WEFT001: "dependency on an unknown node",
  WEFT002: "dependency on an unknown port",
  WEFT003: "cycle",
  WEFT004: "duplicate node name",
  WEFT005: "invalid node name",
  WEFT006: "output node does not exist",
  WEFT007: "two workflows with the same name",
  WEFT008: "more graph problems than are listed",
  WEFT009: "reference to an input field the input type does not have",
  // State machines.
  WEFT010: "state unreachable from the initial state",
  WEFT011: "state that can never stop",
  WEFT012: "unknown state",
  WEFT013: "stream node misused",
  // Source the compiler cannot analyse statically.
  WEFT020: "value built at run time where a literal is needed",
  WEFT021: "builder the compiler cannot follow",
  WEFT022: "spread the compiler cannot expand",
  WEFT023: "fragment the compiler cannot follow",
  WEFT024: "options the compiler cannot read",
  WEFT025: "unknown builder method",
  WEFT026: "sub-workflow the compiler cannot follow",
  // Durability.
  WEFT030: "durable workflow with a node output that cannot be stored",
  // Input files.
  WEFT040: "file cannot be read or parsed",
  WEFT041: "graph file is malformed",
  WEFT042: "graph node whose function the registry cannot resolve",
  WEFT050: "task workflow file is invalid",
  // Warnings.
  WEFT101: "select case nothing consumes",
  WEFT102: "node whose result nothing uses",
  WEFT103: "input type not fully expressible as JSON Schema",
  WEFT104: "builder chain longer than the documented limit",
} as const;

/** A diagnostic code, `WEFT0NN` for errors and `WEFT1NN` for warnings. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** One problem found by the compiler, with where it is. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: "error" | "warning";
  message: string;
  /** Where; absent only when nothing better than the workflow is known and it has no source. */
  location?: SourceLocation;
  /** Workflow the problem belongs to, when there is one. */
  workflow?: string;
}

/** Builds a diagnostic; the severity follows from the code (`WEFT1NN` are warnings). */
export function diagnostic(
  code: DiagnosticCode,
  message: string,
  location?: SourceLocation,
  workflow?: string,
): Diagnostic {
  const severity = code.startsWith("WEFT1") ? "warning" : "error";
  const d: Diagnostic = { code, severity, message };
  if (location) d.location = location;
  if (workflow !== undefined) d.workflow = workflow;
  return d;
}

/**
 * Formats one diagnostic as tsc does: `path:line:col - error WEFT001: message`.
 *
 * @example
 * ```ts
 * formatDiagnostic(diagnostic("WEFT001", "node 'b' depends on unknown node 'x'",
 *   { file: "src/flow.ts", line: 3, column: 14 }));
 * // "src/flow.ts:3:14 - error WEFT001: node 'b' depends on unknown node 'x'"
 * ```
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column} - ` : "";
  return `${where}${d.severity} ${d.code}: ${d.message}`;
}

/** Sorts diagnostics by file, line, column, then code, so output is stable. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => {
    const fa = a.location?.file ?? "";
    const fb = b.location?.file ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.location?.line ?? 0;
    const lb = b.location?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.location?.column ?? 0;
    const cb = b.location?.column ?? 0;
    if (ca !== cb) return ca - cb;
    if (a.code !== b.code) return a.code < b.code ? -1 : 1;
    return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}

/** True when any diagnostic is an error. */
export function hasErrors(list: Diagnostic[]): boolean {
  return list.some((d) => d.severity === "error");
}
