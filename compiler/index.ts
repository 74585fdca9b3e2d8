/**
 * weft's build-time compiler (`import … from "weftjs/compiler"`): reads workflows from TypeScript
 * source without running them and emits graphs, plans, diagrams and input schemas.
 *
 * @example
 * ```ts
 * import { WeftProject, compile, formatDiagnostic } from "weftjs/compiler";
 * const session = new WeftProject({ root: process.cwd() });
 * const result = await compile(session, { paths: ["src/workflows"], out: "generated/weft" });
 * for (const d of result.diagnostics) console.log(formatDiagnostic(d));
 * ```
 */
export { WeftProject, type WeftProjectOptions, type Extraction } from "./project.js";
export {
  compile,
  fileBase,
  type CompileOptions,
  type CompileResult,
  type Manifest,
  type ManifestWorkflow,
} from "./compile.js";
export { checkWorkflow, graphDiagnostics } from "./checks/index.js";
export { findUnstorable, type UnstorableType } from "./checks/storable.js";
export {
  DIAGNOSTIC_CODES,
  diagnostic,
  formatDiagnostic,
  hasErrors,
  sortDiagnostics,
  type Diagnostic,
  type DiagnosticCode,
} from "./diagnostics.js";
export { emitWorkflow, OUTPUT_SUFFIXES, type OutputKind } from "./emit.js";
export type { ExtractedWorkflow, WorkflowFacts } from "./extract/workflow.js";
export { typeToJsonSchema, type TypeSchema } from "./schema/from-type.js";
export { validateJson, type ValidationError } from "./schema/validate.js";
export { reviveDates } from "./schema/revive.js";
export type { JsonSchema, JsonType, JsonValue, SchemaIssue } from "./schema/types.js";
export { runCli } from "./cli/program.js";
