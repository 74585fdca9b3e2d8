/** `weft validate`: checks workflows in source, or a graph document, and prints diagnostics. */
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import { isGraphFile, readGraphFile } from "./graph-file.js";
import { printDiagnostics, type CliIO } from "./output.js";
import { withPeer } from "./peers.js";
import { isTaskFile } from "./task-file.js";

/**
 * Runs `weft validate`; resolves to the exit code (1 when there are errors). Graph files are read
 * without the compiler; TypeScript sources load it (ts-morph).
 */
export async function validateCommand(files: string[], io: CliIO): Promise<number> {
  const diagnostics: Diagnostic[] = [];
  const summary: string[] = [];
  const taskFiles = files.filter(isTaskFile);
  if (taskFiles.length > 0) {
    const { validateTaskFile } = await import("./tasks-command.js");
    for (const file of taskFiles) {
      const r = validateTaskFile(file);
      diagnostics.push(...r.diagnostics);
      if (r.summary) summary.push(r.summary);
    }
  }
  files = files.filter((f) => !taskFiles.includes(f));
  const sources = files.filter((f) => !isGraphFile(f));
  for (const file of files.filter(isGraphFile)) {
    const r = readGraphFile(file);
    diagnostics.push(...r.diagnostics);
    if (r.graph)
      summary.push(
        `${file}: ${r.graph.kind} '${r.graph.name}' (${r.graph.nodes.length} ${r.graph.kind === "fsm" ? "states" : "nodes"})`,
      );
  }
  if (sources.length > 0) {
    const [{ checkWorkflow }, { WeftProject }] = await withPeer(
      "ts-morph",
      "weft validate of TypeScript source",
      () => Promise.all([import("../checks/index.js"), import("../project.js")]),
    );
    const session = new WeftProject();
    const { workflows, diagnostics: found } = session.extract(sources);
    diagnostics.push(...found);
    const checker = session.project.getTypeChecker().compilerObject;
    for (const w of workflows) {
      diagnostics.push(...checkWorkflow(w, checker));
      summary.push(
        `${w.file}: ${w.graph.kind} '${w.graph.name}' (${w.graph.nodes.length} ${w.graph.kind === "fsm" ? "states" : "nodes"})`,
      );
    }
    if (workflows.length === 0 && found.length === 0)
      summary.push(`${sources.join(", ")}: no exported workflows`);
  }
  const sorted = sortDiagnostics(diagnostics);
  printDiagnostics(sorted, io.out);
  if (!hasErrors(sorted)) for (const line of summary) io.out.write(`ok ${line}\n`);
  return hasErrors(sorted) ? 1 : 0;
}
