/**
 * The template expression language of task workflows: what goes between `{{` and `}}`.
 *
 * Deliberately small and evaluated by walking a parsed tree (never `eval` or `new Function`):
 * literals (numbers, 'strings' or "strings", `true`, `false`, `null`), names and property access
 * (`a.b`, `a["b"]`, `a[0]`), comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`), `&&`, `||`, `!` and
 * parentheses, and three string methods: `a.endsWith("x")`, `a.startsWith("x")`, `a.includes("x")`
 * (`includes` on arrays too; `length` reads a string's or an array's length). `==`/`!=` compare strictly, except that a number and a numeric string compare as
 * numbers (values from the environment are strings); `<`-style comparisons hold only between two
 * numbers or two strings. `&&`/`||` return booleans.
 */

/** A parsed expression. `at` is the 0-based offset of the node in the expression text. */
export type Expr =
  | { kind: "literal"; value: string | number | boolean | null; at: number }
  | { kind: "path"; root: string; props: (string | number)[]; at: number; propAt: number[] }
  | { kind: "not"; arg: Expr; at: number }
  | { kind: "call"; target: PathExpr; method: Method; args: Expr[]; at: number }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; at: number };

/** A name with properties: `a.b[0]`. */
export type PathExpr = Extract<Expr, { kind: "path" }>;

/** The methods an expression may call: pure checks on strings (and `includes` on arrays). */
export const METHODS = ["endsWith", "startsWith", "includes"] as const;
export type Method = (typeof METHODS)[number];

/** Binary operators of the language. */
export type BinaryOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||";

/** A syntax error at `offset` (0-based) of the expression text. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "ExpressionError";
  }
}

type Token =
  | { t: "num"; v: number; at: number }
  | { t: "str"; v: string; at: number }
  | { t: "id"; v: string; at: number }
  | { t: "op"; v: string; at: number }
  | { t: "end"; at: number };

const OPS = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", ".", "[", "]", "(", ")", ","];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
      if (!m) throw new ExpressionError(`bad number`, at);
      out.push({ t: "num", v: Number(m[0]), at });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let s = "";
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === "\\" && i + 1 < src.length) {
          const e = src[i + 1];
          s += e === "n" ? "\n" : e === "t" ? "\t" : e;
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new ExpressionError(`unterminated string`, at);
      i++;
      out.push({ t: "str", v: s, at });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: "id", v: m[0], at });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) {
      const hint =
        c === "=" ? " (use == to compare)" : c === "&" || c === "|" ? ` (use ${c}${c})` : "";
      throw new ExpressionError(`unexpected character '${c}'${hint}`, at);
    }
    out.push({ t: "op", v: op, at });
    i += op.length;
  }
  out.push({ t: "end", at: src.length });
  return out;
}

/**
 * Parses an expression. Throws an {@link ExpressionError} with the offset of the problem.
 *
 * @example
 * ```ts
 * parseExpression("transform.exit_code != 0 && !report.skipped");
 * ```
 */
export function parseExpression(src: string): Expr {
  const toks = tokenize(src);
  let k = 0;
  const peek = (): Token => toks[k];
  const isOp = (v: string): boolean => {
    const t = toks[k];
    return t.t === "op" && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new ExpressionError(`expected '${v}'`, peek().at);
    k++;
  };
  const or = (): Expr => {
    let left = and();
    while (isOp("||")) {
      const at = peek().at;
      k++;
      left = { kind: "binary", op: "||", left, right: and(), at };
    }
    return left;
  };
  const and = (): Expr => {
    let left = not();
    while (isOp("&&")) {
      const at = peek().at;
      k++;
      left = { kind: "binary", op: "&&", left, right: not(), at };
    }
    return left;
  };
  const not = (): Expr => {
    if (isOp("!")) {
      const at = peek().at;
      k++;
      return { kind: "not", arg: not(), at };
    }
    return compare();
  };
  const compare = (): Expr => {
    const left = primary();
    const t = peek();
    if (t.t === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(t.v)) {
      k++;
      const right = primary();
      const next = peek();
      if (next.t === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(next.v)) {
        throw new ExpressionError(`comparisons do not chain; use && or parentheses`, next.at);
      }
      return { kind: "binary", op: t.v as BinaryOp, left, right, at: t.at };
    }
    return left;
  };
  const primary = (): Expr => {
    const t = peek();
    if (t.t === "num" || t.t === "str") {
      k++;
      return { kind: "literal", value: t.v, at: t.at };
    }
    if (t.t === "op" && t.v === "(") {
      k++;
      const e = or();
      expect(")");
      return e;
    }
    if (t.t === "id") {
      k++;
      if (t.v === "true" || t.v === "false")
        return { kind: "literal", value: t.v === "true", at: t.at };
      if (t.v === "null") return { kind: "literal", value: null, at: t.at };
      const props: (string | number)[] = [];
      const propAt: number[] = [];
      for (;;) {
        if (isOp(".")) {
          k++;
          const p = peek();
          if (p.t !== "id") throw new ExpressionError(`expected a property name after '.'`, p.at);
          props.push(p.v);
          propAt.push(p.at);
          k++;
        } else if (isOp("[")) {
          k++;
          const p = peek();
          if (p.t !== "num" && p.t !== "str") {
            throw new ExpressionError(`expected a number or a string inside [ ]`, p.at);
          }
          props.push(p.v);
          propAt.push(p.at);
          k++;
          expect("]");
        } else break;
      }
      if (isOp("(")) return call({ kind: "path", root: t.v, props, at: t.at, propAt });
      return { kind: "path", root: t.v, props, at: t.at, propAt };
    }
    if (t.t === "end") throw new ExpressionError(`unexpected end of expression`, t.at);
    throw new ExpressionError(`unexpected '${t.v}'`, t.at);
  };
  // `a.b.endsWith("x")`: the last property is the method, the rest its target.
  const call = (path: PathExpr): Expr => {
    const open = peek().at;
    const method = path.props.pop();
    const at = path.propAt.pop() ?? path.at;
    if (typeof method !== "string" || !(METHODS as readonly string[]).includes(method)) {
      throw new ExpressionError(
        method === undefined
          ? `'${path.root}' is not a method; call one of ${METHODS.join(", ")} on a value`
          : `unknown method '${String(method)}' (expressions may call ${METHODS.join(", ")})`,
        method === undefined ? open : at,
      );
    }
    k++;
    const args: Expr[] = [];
    if (!isOp(")")) {
      args.push(or());
      while (isOp(",")) {
        k++;
        args.push(or());
      }
    }
    expect(")");
    if (args.length !== 1) {
      throw new ExpressionError(`'${method}' takes one argument, got ${args.length}`, at);
    }
    return { kind: "call", target: path, method: method as Method, args, at };
  };
  const e = or();
  if (peek().t !== "end") throw new ExpressionError(`unexpected '${describe(peek())}'`, peek().at);
  return e;
}

function describe(t: Token): string {
  return t.t === "end" ? "end" : String(t.v);
}

/** Every name path the expression reads, for validation. */
export function pathsOf(
  e: Expr,
  out: Extract<Expr, { kind: "path" }>[] = [],
): Extract<Expr, { kind: "path" }>[] {
  if (e.kind === "path") out.push(e);
  else if (e.kind === "not") pathsOf(e.arg, out);
  else if (e.kind === "call") {
    out.push(e.target);
    for (const a of e.args) pathsOf(a, out);
  } else if (e.kind === "binary") {
    pathsOf(e.left, out);
    pathsOf(e.right, out);
  }
  return out;
}

/** Values names resolve to when an expression is evaluated. */
export type Scope = Readonly<Record<string, unknown>>;

/**
 * Evaluates a parsed expression. A missing property gives `undefined`, never an error (names were
 * checked when the workflow was validated).
 *
 * @example
 * ```ts
 * evaluate(parseExpression("a.n >= 2"), { a: { n: 3 } }); // true
 * ```
 */
export function evaluate(e: Expr, scope: Scope): unknown {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "path": {
      let v: unknown = Object.prototype.hasOwnProperty.call(scope, e.root)
        ? scope[e.root]
        : undefined;
      for (const p of e.props) {
        if (typeof v === "string" && p === "length") {
          v = v.length;
          continue;
        }
        if (v === null || v === undefined || typeof v !== "object") return undefined;
        v = Object.prototype.hasOwnProperty.call(v, p)
          ? (v as Record<string | number, unknown>)[p]
          : undefined;
      }
      return v;
    }
    case "not":
      return !truthy(evaluate(e.arg, scope));
    case "call": {
      const v = evaluate(e.target, scope);
      const a = evaluate(e.args[0], scope);
      if (e.method === "includes" && Array.isArray(v)) return v.some((x) => same(x, a));
      if (typeof v !== "string" || typeof a !== "string") return false;
      return e.method === "endsWith"
        ? v.endsWith(a)
        : e.method === "startsWith"
          ? v.startsWith(a)
          : v.includes(a);
    }
    case "binary": {
      if (e.op === "&&") return truthy(evaluate(e.left, scope)) && truthy(evaluate(e.right, scope));
      if (e.op === "||") return truthy(evaluate(e.left, scope)) || truthy(evaluate(e.right, scope));
      const a = evaluate(e.left, scope);
      const b = evaluate(e.right, scope);
      switch (e.op) {
        case "==":
          return same(a, b);
        case "!=":
          return !same(a, b);
        default:
          return order(e.op, a, b);
      }
    }
  }
}

/** Truthiness as in JavaScript, except that `"false"` and `"0"` (common in env vars) are false. */
export function truthy(v: unknown): boolean {
  if (v === "false" || v === "0") return false;
  return Boolean(v);
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "string" && b.trim() !== "") return a === Number(b);
  if (typeof b === "number" && typeof a === "string" && a.trim() !== "") return b === Number(a);
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  return a === b;
}

function order(op: BinaryOp, a: unknown, b: unknown): boolean {
  const ok =
    (typeof a === "number" && typeof b === "number") ||
    (typeof a === "string" && typeof b === "string");
  if (!ok) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
}
