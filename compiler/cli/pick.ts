/** Finding one workflow in a TypeScript file, statically (nothing is executed). */
import type { ExtractedWorkflow } from "../extract/workflow.js";
import { formatDiagnostic, hasErrors } from "../diagnostics.js";
import { WeftProject } from "../project.js";
import { CliError } from "./output.js";

/**
 * Extracts the workflows of `file` and returns the one named `name` (its workflow name or export
 * name), or the only one. Errors name what the file holds.
 */
export function pickWorkflow(
  file: string,
  name: string | undefined,
  session = new WeftProject(),
): { workflow: ExtractedWorkflow; session: WeftProject } {
  const { workflows, diagnostics } = session.extract([file]);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (hasErrors(diagnostics) && workflows.length === 0) {
    throw new CliError(errors.map(formatDiagnostic).join("\n"));
  }
  if (workflows.length === 0) {
    throw new CliError(
      `${file}: no exported workflow found (export a dag(...)/fsm(...)/machine(...) chain ending in .build())`,
    );
  }
  const listing = workflows.map((w) => `'${w.graph.name}' (export ${w.exportName})`).join(", ");
  let workflow: ExtractedWorkflow | undefined;
  if (name !== undefined) {
    workflow =
      workflows.find((w) => w.graph.name === name) ?? workflows.find((w) => w.exportName === name);
    if (!workflow)
      throw new CliError(`${file}: no workflow named '${name}'; the file has ${listing}`);
  } else if (workflows.length === 1) {
    workflow = workflows[0];
  } else {
    throw new CliError(
      `${file} has ${workflows.length} workflows, pick one with --workflow: ${listing}`,
    );
  }
  const own = errors.filter((d) => d.workflow === workflow.graph.name);
  if (own.length > 0) throw new CliError(own.map(formatDiagnostic).join("\n"));
  return { workflow, session };
}
