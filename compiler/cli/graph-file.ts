/** Reading a workflow for `viz` and `validate`: from TypeScript source, or from a graph file. */
import path from "node:path";
import type { Graph, SourceLocation } from "../../src/graph/types.js";
import { ParseError } from "../../src/serialize/errors.js";
import { checkGraph } from "../../src/serialize/graph-shape.js";
import { formatPath } from "../../src/serialize/path.js";
import { readDocument } from "../../src/serialize/read-document.js";
import { ShapeContext } from "../../src/serialize/shape.js";
import { issueField } from "../../src/graph/issue-field.js";
import { graphDiagnostics } from "../checks/graph.js";
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { readFileBytes } from "./read-bytes.js";

/** True for a path that names a graph document rather than source. */
export function isGraphFile(file: string): boolean {
  return /\.(json|ya?ml)$/i.test(file);
}

/**
 * Reads a graph document (JSON or YAML) and checks it: its shape (unknown fields, wrong types:
 * WEFT041) and the workflow (dangling references, cycles, unreachable states: WEFT001…). Every
 * diagnostic points at the line and column of the offending field.
 */
export function readGraphFile(file: string): {
  graph?: Graph;
  diagnostics: Diagnostic[];
  /** Where a field of the document is (its line and column), for later diagnostics. */
  at?: (path: (string | number)[]) => SourceLocation;
} {
  const display =
    path.relative(process.cwd(), path.resolve(file)).split(path.sep).join("/") || file;
  let text: Uint8Array;
  try {
    text = readFileBytes(file);
  } catch (err) {
    return {
      diagnostics: [diagnostic("WEFT040", `cannot read '${file}': ${(err as Error).message}`)],
    };
  }
  const at = (line?: number, column?: number) =>
    line === undefined
      ? { file: display, line: 1, column: 1 }
      : { file: display, line, column: column ?? 1 };
  let doc: ReturnType<typeof readDocument>;
  try {
    doc = readDocument(text, { file: display }, "invalid workflow graph");
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return {
      diagnostics: err.issues.map((i) =>
        diagnostic("WEFT041", i.path ? `${i.path}: ${i.message}` : i.message, at(i.line, i.column)),
      ),
    };
  }
  const ctx = new ShapeContext();
  const graph = checkGraph(ctx, doc.value);
  if (!graph) {
    return {
      diagnostics: ctx.issues.map((i) => {
        const pos = doc.locate(i.path, i.anchor);
        const p = formatPath(i.path);
        return diagnostic(
          "WEFT041",
          p ? `${p}: ${i.message}` : i.message,
          at(pos?.line, pos?.column),
        );
      }),
    };
  }
  const diagnostics = graphDiagnostics(graph, (issue, g, where) => {
    const pos = doc.locate([...where, ...issueField(g, issue)], "value");
    return at(pos?.line, pos?.column);
  });
  const locate = (where: (string | number)[]): SourceLocation => {
    const pos = doc.locate(where, "value");
    return at(pos?.line, pos?.column);
  };
  return { graph, diagnostics, at: locate };
}
