/** What every extraction step needs: the checker, the project root, and where to report problems. */
import path from "node:path";
import { ts } from "ts-morph";
import type { SourceLocation } from "../../src/graph/types.js";
import { diagnostic, type Diagnostic, type DiagnosticCode } from "../diagnostics.js";

/** Shared state of one extraction run. */
export class ExtractContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly program: ts.Program,
    readonly checker: ts.TypeChecker,
    /** Absolute project root; paths in the output are relative to it. */
    readonly root: string,
  ) {}

  /** Path of a file relative to the root, with `/` separators. */
  relPath(fileName: string): string {
    return path.relative(this.root, fileName).split(path.sep).join("/");
  }

  /** 1-based location of a node's first token. */
  locate(node: ts.Node): SourceLocation {
    const sf = node.getSourceFile();
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return { file: this.relPath(sf.fileName), line: line + 1, column: character + 1 };
  }

  report(
    code: DiagnosticCode,
    message: string,
    at: ts.Node | SourceLocation | undefined,
    workflow?: string,
  ): void {
    const loc = at === undefined ? undefined : "kind" in at ? this.locate(at) : at;
    this.diagnostics.push(diagnostic(code, message, loc, workflow));
  }
}

/** A problem found while reading source; thrown inside extraction, reported by the caller. */
export class Unanalysable extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly at: ts.Node,
  ) {
    super(message);
  }
}

/** Strips parentheses, `as`, `satisfies`, `!` and type assertions around an expression. */
export function unwrap(expr: ts.Expression): ts.Expression {
  let e = expr;
  for (;;) {
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isTypeAssertionExpression(e)
    ) {
      e = e.expression;
    } else return e;
  }
}

/** Short source text of a node, for messages. */
export function snippet(node: ts.Node, max = 40): string {
  const text = node.getText().replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
