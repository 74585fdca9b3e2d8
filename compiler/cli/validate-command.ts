/** `weft validate`: checks workflows in source, or a graph document, and prints diagnostics. */
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import { isGraphFile, readGraphFile } from "./graph-file.js";
import { printDiagnostics, type CliIO } from "./output.js";
import { withPeer } from "./peers.js";
import { isTaskFile } from "./task-file.js";
import { loadRegistry } from "./registry-module.js";
import { diagnostic } from "../diagnostics.js";
import type { Graph, SourceLocation } from "../../src/graph/types.js";
import { preparedOf } from "../../src/dag/dag.js";
import type { AnyDag } from "../../src/dag/dag-types.js";
import { RegistryError } from "../../src/serialize/errors.js";
import { fromGraph, type Registry } from "../../src/serialize/from-graph.js";
import type { FunctionRegistry } from "../../src/registry/registry.js";
import { nodeVersions } from "../../src/registry/check.js";

/**
 * `--registry`: rebuilds the graph with the registry, running nothing, so every node's function
 * (and version range) is checked offline. Returns a WEFT042 per unresolved node, at its `fn`, and
 * the versions chosen (`; resize@1.2.0`).
 */
function resolveOffline(
  graph: Graph,
  registry: Registry | FunctionRegistry,
  at: ((path: (string | number)[]) => SourceLocation) | undefined,
): { diagnostics: Diagnostic[]; versions: string } {
  try {
    const wf = fromGraph(graph, registry) as unknown as AnyDag;
    const versions = nodeVersions(preparedOf(wf));
    if (!versions) return { diagnostics: [], versions: "" };
    const list = Object.entries(versions).map(([node, v]) => `${node} ${v}`);
    return { diagnostics: [], versions: `; versions: ${list.join(", ")}` };
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    return {
      versions: "",
      diagnostics: err.problems.map((p) => {
        const top = p.node.split(".")[0];
        const i = graph.nodes.findIndex((n) => n.name === top);
        const where =
          i < 0
            ? undefined
            : at?.(graph.nodes[i].fn !== undefined ? ["nodes", i, "fn"] : ["nodes", i]);
        return diagnostic(
          "WEFT042",
          `node '${p.node}': ${p.message}${err.available.length ? ` (the registry has: ${err.available.join(", ")})` : ""}`,
          where,
          graph.name,
        );
      }),
    };
  }
}

/**
 * Runs `weft validate`; resolves to the exit code (1 when there are errors). Graph files are read
 * without the compiler; TypeScript sources load it (ts-morph).
 */
export async function validateCommand(
  files: string[],
  io: CliIO,
  options: { registry?: string } = {},
): Promise<number> {
  const diagnostics: Diagnostic[] = [];
  const summary: string[] = [];
  const registry =
    options.registry === undefined ? undefined : await loadRegistry(options.registry);
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
    if (!r.graph) continue;
    let resolved = "";
    if (registry && r.graph.kind === "dag" && !hasErrors(r.diagnostics)) {
      const found = resolveOffline(r.graph, registry, r.at);
      diagnostics.push(...found.diagnostics);
      resolved = found.versions;
    }
    summary.push(
      `${file}: ${r.graph.kind} '${r.graph.name}' (${r.graph.nodes.length} ${r.graph.kind === "fsm" ? "states" : "nodes"}${resolved})`,
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
