/**
 * Flattens builder call chains (`dag("x").node(...).node(...).build()`) into a list of method
 * calls, iteratively (a chain of a thousand calls is a thousand-deep tree), following `const`
 * bindings that hold a partial chain (`const base = dag(...).node(...); base.node(...)`).
 */
import { ts } from "ts-morph";
import { Unanalysable, snippet, unwrap } from "./context.js";
import { dslCallee, type DslFunction } from "./discover.js";
import type { StaticReader } from "./static-value.js";

/** One method call of a chain. */
export interface ChainStep {
  method: string;
  call: ts.CallExpression;
  /** The method name's node (`node` in `.node(`), where the call is reported. */
  nameNode: ts.MemberName;
}

/** Where a chain starts. */
export type ChainRoot =
  /** A call to a builder function: `dag("x")`, `fsm("y")`. */
  | { kind: "call"; fn: DslFunction; call: ts.CallExpression }
  /** The builder parameter of a fragment function. */
  | { kind: "param"; param: ts.ParameterDeclaration };

/** A flattened chain: where it starts and the calls applied to it, in order. */
export interface Chain {
  root: ChainRoot;
  steps: ChainStep[];
}

/**
 * Flattens `expr` into a {@link Chain}. `param`, when given, is the parameter a fragment's chain
 * may start from. Returns undefined when the expression is not a builder chain at all (so callers
 * can ignore unrelated exports); throws {@link Unanalysable} when it is a chain the compiler
 * cannot follow to its start.
 */
export function flattenChain(
  expr: ts.Expression,
  reader: StaticReader,
  param?: ts.ParameterDeclaration,
): Chain | undefined {
  const reversed: ChainStep[] = [];
  let e = unwrap(expr);
  for (let hops = 0; ; hops++) {
    if (hops > 100_000) throw new Unanalysable("WEFT021", "builder chain refers to itself", expr);
    if (ts.isCallExpression(e)) {
      const fn = dslCallee(e);
      if (fn) return { root: { kind: "call", fn, call: e }, steps: reversed.reverse() };
      const callee = unwrap(e.expression);
      if (ts.isPropertyAccessExpression(callee)) {
        reversed.push({ method: callee.name.text, call: e, nameNode: callee.name });
        e = unwrap(callee.expression);
        continue;
      }
      if (reversed.length === 0) return undefined;
      throw new Unanalysable(
        "WEFT021",
        `the builder comes from a call to '${snippet(callee)}', which the compiler does not follow; ` +
          `start the chain with dag(...)/fsm(...) here, or compose with .use(fragment)`,
        e,
      );
    }
    if (ts.isIdentifier(e)) {
      if (param && ts.isIdentifier(param.name) && reader.declarationOf(e) === param) {
        return { root: { kind: "param", param }, steps: reversed.reverse() };
      }
      const init = reader.constInitializer(e);
      if (!init) {
        if (reversed.length === 0) return undefined;
        throw new Unanalysable(
          "WEFT021",
          `the builder is passed through ${reader.describeBinding(e)}, which the compiler cannot follow; ` +
            `hold partial chains in 'const' bindings and compose with .use(fragment) ` +
            `(workflows built in loops need looseDag and are checked at run time only)`,
          e,
        );
      }
      e = unwrap(init);
      continue;
    }
    // A chain on a literal (`[1, 2].map(...)`, `new Foo().bar()`) is not a builder.
    if (reversed.length === 0 || isPlainValue(e)) return undefined;
    throw new Unanalysable(
      "WEFT021",
      `the builder comes from '${snippet(e)}', which the compiler cannot follow; ` +
        `start the chain with dag(...)/fsm(...) or a 'const' holding one`,
      e,
    );
  }
}

function isPlainValue(e: ts.Expression): boolean {
  return (
    ts.isArrayLiteralExpression(e) ||
    ts.isObjectLiteralExpression(e) ||
    ts.isLiteralExpression(e) ||
    ts.isTemplateExpression(e) ||
    ts.isNewExpression(e) ||
    ts.isRegularExpressionLiteral(e) ||
    e.kind === ts.SyntaxKind.ThisKeyword
  );
}
