/**
 * Reads values from source without running it: literals, object and array literals, `const`
 * bindings (in this file or imported), enum members, and simple arithmetic and templates over
 * those. Anything else is reported as {@link Unanalysable} with where it is.
 */
import { ts } from "ts-morph";
import { Unanalysable, snippet, unwrap } from "./context.js";

/** Marks a value that is a function (only its presence is recorded). */
export const FUNCTION: unique symbol = Symbol("function");

/** A value known at compile time. */
export type StaticValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | typeof FUNCTION
  | StaticValue[]
  | { [key: string]: StaticValue };

/** One property of an object literal read statically, with the nodes to point at. */
export interface StaticEntry {
  key: string;
  keyNode: ts.Node;
  /** The value's expression; absent for a method or accessor (a function value). */
  value?: ts.Expression;
}

const MAX_FOLLOW = 50;

/** Follows identifiers to `const` initializers (through imports). */
export class StaticReader {
  constructor(private readonly checker: ts.TypeChecker) {}

  /** The declaration an identifier (or `a.b` access) refers to, through import aliases. */
  declarationOf(node: ts.Node): ts.Declaration | undefined {
    let symbol = this.checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias)
      symbol = this.checker.getAliasedSymbol(symbol);
    return symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  }

  /**
   * The initializer of the `const` an identifier names, or undefined when it is not one.
   * `let`/`var` bindings and parameters are not followed: their value is only known at run time.
   */
  constInitializer(id: ts.Expression): ts.Expression | undefined {
    const decl = this.declarationOf(id);
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return undefined;
    const list = decl.parent;
    if (!ts.isVariableDeclarationList(list) || !(list.flags & ts.NodeFlags.Const)) return undefined;
    return decl.initializer;
  }

  /** What an identifier is bound to, when it cannot be followed: `'b' (a 'let' binding)`. */
  describeBinding(id: ts.Expression): string {
    const decl = this.declarationOf(id);
    const name = `'${snippet(id)}'`;
    if (!decl) return `${name} (which cannot be resolved)`;
    if (ts.isParameter(decl)) return `${name} (a function parameter)`;
    if (ts.isVariableDeclaration(decl)) {
      const list = decl.parent;
      if (ts.isVariableDeclarationList(list) && !(list.flags & ts.NodeFlags.Const)) {
        return `${name} (a 'let'/'var' binding that may change)`;
      }
      if (!decl.initializer) return `${name} (declared without a value)`;
    }
    return `${name} (not a constant)`;
  }

  /** Evaluates an expression to a static value, or throws {@link Unanalysable}. */
  evaluate(expr: ts.Expression, depth = 0): StaticValue {
    if (depth > MAX_FOLLOW) throw new Unanalysable("WEFT020", "value refers to itself", expr);
    const e = unwrap(expr);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isNumericLiteral(e)) return Number(e.text);
    if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (e.kind === ts.SyntaxKind.NullKeyword) return null;
    if (ts.isIdentifier(e) && e.text === "undefined") return undefined;
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return FUNCTION;
    if (ts.isPrefixUnaryExpression(e)) {
      const v = this.evaluate(e.operand, depth + 1);
      if (typeof v === "number") {
        if (e.operator === ts.SyntaxKind.MinusToken) return -v;
        if (e.operator === ts.SyntaxKind.PlusToken) return v;
      }
      if (e.operator === ts.SyntaxKind.ExclamationToken) return !v;
      throw this.dynamic(e);
    }
    if (ts.isBinaryExpression(e)) return this.binary(e, depth);
    if (ts.isTemplateExpression(e)) {
      let s = e.head.text;
      for (const span of e.templateSpans) {
        const v = this.evaluate(span.expression, depth + 1);
        if (typeof v === "object" || typeof v === "symbol") throw this.dynamic(span.expression);
        s += String(v) + span.literal.text;
      }
      return s;
    }
    if (ts.isArrayLiteralExpression(e)) {
      const out: StaticValue[] = [];
      for (const el of e.elements) {
        if (ts.isSpreadElement(el)) {
          const v = this.evaluate(el.expression, depth + 1);
          if (!Array.isArray(v))
            throw new Unanalysable(
              "WEFT022",
              `spread of '${snippet(el.expression)}' cannot be expanded`,
              el,
            );
          out.push(...v);
        } else out.push(this.evaluate(el, depth + 1));
      }
      return out;
    }
    if (ts.isObjectLiteralExpression(e)) {
      const out: { [key: string]: StaticValue } = {};
      for (const entry of this.entries(e, depth + 1)) {
        out[entry.key] = entry.value ? this.evaluate(entry.value, depth + 1) : FUNCTION;
      }
      return out;
    }
    if (ts.isIdentifier(e)) {
      const decl = this.declarationOf(e);
      if (decl && (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl))) return FUNCTION;
      const init = this.constInitializer(e);
      if (init) return this.evaluate(init, depth + 1);
      throw new Unanalysable("WEFT020", `${this.describeBinding(e)} is only known at run time`, e);
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const constant = this.checker.getConstantValue(e);
      if (constant !== undefined) return constant;
      const obj = this.evaluate(e.expression, depth + 1);
      const key = ts.isPropertyAccessExpression(e)
        ? e.name.text
        : this.evaluate(e.argumentExpression, depth + 1);
      if (obj && typeof obj === "object" && (typeof key === "string" || typeof key === "number")) {
        const v = (obj as Record<string, StaticValue>)[String(key)];
        return v;
      }
      throw this.dynamic(e);
    }
    throw this.dynamic(e);
  }

  /** Evaluates to a string, or throws naming what was expected. */
  string(expr: ts.Expression, what: string): string {
    let v: StaticValue;
    try {
      v = this.evaluate(expr);
    } catch (err) {
      if (err instanceof Unanalysable) {
        // Report at the argument itself, saying where the run-time part comes from.
        const inside =
          err.at.pos >= expr.pos &&
          err.at.end <= expr.end &&
          err.at.getSourceFile() === expr.getSourceFile();
        const sf = err.at.getSourceFile();
        const line = sf.getLineAndCharacterOfPosition(err.at.getStart(sf)).line + 1;
        const where = inside ? "" : ` (line ${line})`;
        throw new Unanalysable(
          err.code,
          `${what} must be a string literal or a constant, but '${snippet(expr)}' is not: ${err.message}${where}; ` +
            `write the name out literally (workflows built in loops need looseDag and are checked at run time only)`,
          expr,
        );
      }
      throw err;
    }
    if (typeof v !== "string") {
      throw new Unanalysable("WEFT020", `${what} must be a string, got '${snippet(expr)}'`, expr);
    }
    return v;
  }

  /**
   * The properties of an object literal, following shorthand properties, `const` identifiers and
   * spreads of constant objects. Methods count as function values.
   */
  entries(expr: ts.Expression, depth = 0): StaticEntry[] {
    if (depth > MAX_FOLLOW) throw new Unanalysable("WEFT020", "object refers to itself", expr);
    const e = unwrap(expr);
    if (ts.isIdentifier(e)) {
      const init = this.constInitializer(e);
      if (!init) {
        throw new Unanalysable(
          "WEFT020",
          `${this.describeBinding(e)} is only known at run time`,
          e,
        );
      }
      return this.entries(init, depth + 1);
    }
    if (!ts.isObjectLiteralExpression(e)) {
      throw new Unanalysable("WEFT020", `expected an object literal, got '${snippet(e)}'`, e);
    }
    const byKey = new Map<string, StaticEntry>();
    for (const p of e.properties) {
      if (ts.isSpreadAssignment(p)) {
        let spread: StaticEntry[];
        try {
          spread = this.entries(p.expression, depth + 1);
        } catch (err) {
          if (!(err instanceof Unanalysable)) throw err;
          throw new Unanalysable(
            "WEFT022",
            `spread '...${snippet(p.expression)}' cannot be expanded (${err.message})`,
            p,
          );
        }
        for (const s of spread) {
          byKey.delete(s.key);
          byKey.set(s.key, s);
        }
        continue;
      }
      const key = this.propertyKey(p.name, depth);
      let value: ts.Expression | undefined;
      if (ts.isPropertyAssignment(p)) value = p.initializer;
      else if (ts.isShorthandPropertyAssignment(p)) value = p.name;
      byKey.delete(key);
      byKey.set(key, { key, keyNode: p.name, value });
    }
    return [...byKey.values()];
  }

  private propertyKey(name: ts.PropertyName, depth: number): string {
    if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name))
      return name.text;
    if (ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
    if (ts.isComputedPropertyName(name)) {
      const v = this.evaluate(name.expression, depth + 1);
      if (typeof v === "string" || typeof v === "number") return String(v);
    }
    throw new Unanalysable(
      "WEFT020",
      `property name '${snippet(name)}' is computed at run time`,
      name,
    );
  }

  private binary(e: ts.BinaryExpression, depth: number): StaticValue {
    const op = e.operatorToken.kind;
    const a = this.evaluate(e.left, depth + 1);
    if (op === ts.SyntaxKind.QuestionQuestionToken) return a ?? this.evaluate(e.right, depth + 1);
    const b = this.evaluate(e.right, depth + 1);
    if (op === ts.SyntaxKind.PlusToken) {
      if (typeof a === "number" && typeof b === "number") return a + b;
      if (
        (typeof a === "string" || typeof a === "number") &&
        (typeof b === "string" || typeof b === "number")
      ) {
        return String(a) + String(b);
      }
    }
    if (typeof a === "number" && typeof b === "number") {
      switch (op) {
        case ts.SyntaxKind.MinusToken:
          return a - b;
        case ts.SyntaxKind.AsteriskToken:
          return a * b;
        case ts.SyntaxKind.SlashToken:
          return a / b;
        case ts.SyntaxKind.PercentToken:
          return a % b;
        case ts.SyntaxKind.AsteriskAsteriskToken:
          return a ** b;
      }
    }
    throw this.dynamic(e);
  }

  private dynamic(e: ts.Node): Unanalysable {
    return new Unanalysable("WEFT020", `'${snippet(e)}' is computed at run time`, e);
  }
}
