/** `weft viz`: a diagram of a workflow from source (read statically) or from a graph file. */
import path from "node:path";
import { readFileBytes } from "./read-bytes.js";
import type { Graph } from "../../src/graph/types.js";
import type { RunRecord } from "../../src/run/types.js";
import { parseRunRecord } from "../../src/serialize/index.js";
import { toDot, toHtml, toMermaid, toSvg } from "../../src/viz/index.js";
import { formatDiagnostic } from "../diagnostics.js";
import { writeIfChanged } from "../write.js";
import { isGraphFile, readGraphFile } from "./graph-file.js";
import { CliError, type CliIO } from "./output.js";
import { loadPick } from "./peers.js";
import { isTaskFile } from "./task-file.js";

/** Options of `weft viz`. */
export interface VizCommandOptions {
  /** Default: from the extension of `out` (`.mmd`/`.md`, `.dot`/`.gv`, `.svg`, `.html`), else mermaid. */
  format?: string;
  workflow?: string;
  run?: string;
  out?: string;
}

const FORMATS = ["mermaid", "dot", "svg", "html"] as const;

/** Runs `weft viz`; resolves to the exit code. */
export async function vizCommand(
  file: string,
  options: VizCommandOptions,
  io: CliIO,
): Promise<number> {
  const format = (options.format ?? formatOf(options.out)) as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) {
    throw new CliError(`--format must be one of ${FORMATS.join(", ")}, got '${options.format}'`);
  }
  const graph = isTaskFile(file)
    ? (await import("./tasks-command.js")).taskFileGraph(file)
    : await loadGraph(file, options.workflow);
  let run: RunRecord | undefined;
  if (options.run) {
    let text: Uint8Array;
    try {
      text = readFileBytes(options.run);
    } catch (err) {
      throw new CliError(`cannot read run record '${options.run}': ${(err as Error).message}`);
    }
    try {
      run = parseRunRecord(text, { file: options.run });
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    if (run.workflow !== graph.name) {
      throw new CliError(
        `run record '${options.run}' is a run of '${run.workflow}', not of '${graph.name}'`,
      );
    }
  }
  const text =
    format === "mermaid"
      ? toMermaid(graph, { run })
      : format === "dot"
        ? toDot(graph, { run })
        : format === "svg"
          ? await toSvg(graph, { run })
          : await toHtml(graph, { run });
  if (options.out) writeIfChanged(options.out, text);
  else io.out.write(text.endsWith("\n") ? text : `${text}\n`);
  return 0;
}

const EXTENSIONS: Record<string, (typeof FORMATS)[number]> = {
  ".mmd": "mermaid",
  ".mermaid": "mermaid",
  ".md": "mermaid",
  ".dot": "dot",
  ".gv": "dot",
  ".svg": "svg",
  ".html": "html",
  ".htm": "html",
};

/** The format an output file's extension names; mermaid without a file (printed as text). */
function formatOf(out: string | undefined): string {
  if (out === undefined) return "mermaid";
  const ext = path.extname(out).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) {
    throw new CliError(
      `cannot tell the format from '${out}' (known extensions: ${Object.keys(EXTENSIONS).join(", ")}); pass --format ${FORMATS.join("|")}`,
    );
  }
  return format;
}

/** The graph of a source file's workflow or of a graph document; errors if it is invalid. */
export async function loadGraph(file: string, workflow: string | undefined): Promise<Graph> {
  if (isGraphFile(file)) {
    const { graph, diagnostics } = readGraphFile(file);
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (!graph || errors.length > 0) throw new CliError(errors.map(formatDiagnostic).join("\n"));
    return graph;
  }
  const { pickWorkflow } = await loadPick(`weft viz of TypeScript source (${file})`);
  return pickWorkflow(file, workflow).workflow.graph;
}
