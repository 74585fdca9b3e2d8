/** Strings with `{{ expression }}` parts: parsing (with offsets for error positions) and rendering. */
import {
  ExpressionError,
  evaluate,
  parseExpression,
  truthy,
  type Expr,
  type Scope,
} from "./expression.js";

/** A literal piece of text or an expression, with the offset of its source in the string. */
export type TemplatePart =
  { kind: "text"; text: string } | { kind: "expr"; expr: Expr; source: string; offset: number };

/** A parsed template. */
export interface Template {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

/**
 * Parses a string with `{{ … }}` parts. Throws an {@link ExpressionError} whose offset is in
 * `source` (not in the expression).
 */
export function parseTemplate(source: string): Template {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf("{{", i);
    if (open < 0) {
      parts.push({ kind: "text", text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: "text", text: source.slice(i, open) });
    const close = source.indexOf("}}", open + 2);
    if (close < 0) throw new ExpressionError(`'{{' without a closing '}}'`, open);
    const inner = source.slice(open + 2, close);
    if (inner.trim() === "") throw new ExpressionError(`empty '{{ }}'`, open);
    try {
      parts.push({
        kind: "expr",
        expr: parseExpression(inner),
        source: inner.trim(),
        offset: open + 2,
      });
    } catch (e) {
      if (e instanceof ExpressionError) throw new ExpressionError(e.message, open + 2 + e.offset);
      throw e;
    }
    i = close + 2;
  }
  return { source, parts };
}

/** True when the string has a `{{` part. */
export function hasTemplate(source: string): boolean {
  return source.includes("{{");
}

/**
 * A condition: a single `{{ expression }}` or a bare expression. Throws an
 * {@link ExpressionError} (offset in `source`) on anything else.
 */
export function parseCondition(source: string): Template {
  const trimmed = source.trim();
  if (!hasTemplate(trimmed)) {
    const lead = source.length - source.trimStart().length;
    try {
      return {
        source,
        parts: [{ kind: "expr", expr: parseExpression(trimmed), source: trimmed, offset: lead }],
      };
    } catch (e) {
      if (e instanceof ExpressionError) throw new ExpressionError(e.message, lead + e.offset);
      throw e;
    }
  }
  const t = parseTemplate(source);
  const exprs = t.parts.filter((p) => p.kind === "expr");
  const text = t.parts.filter((p) => p.kind === "text" && p.text.trim() !== "");
  if (exprs.length !== 1 || text.length > 0) {
    throw new ExpressionError(`a condition is one expression: '{{ … }}' with nothing around it`, 0);
  }
  return { source, parts: exprs };
}

/** The string a value becomes inside a template: `""` for null/undefined, JSON for objects. */
export function stringify(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Renders a template to a string. */
export function render(t: Template, scope: Scope): string {
  let out = "";
  for (const p of t.parts) out += p.kind === "text" ? p.text : stringify(evaluate(p.expr, scope));
  return out;
}

/** Evaluates a condition template to a boolean. */
export function test(t: Template, scope: Scope): boolean {
  const p = t.parts[0];
  return p !== undefined && p.kind === "expr" ? truthy(evaluate(p.expr, scope)) : false;
}
