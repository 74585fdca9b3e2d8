/**
 * Where a node's function lives. The runtime builder records the function's own name
 * (`fn.name`); the compiler adds the module it comes from and its export name when the function
 * is exported, so workers and serializers can find it by reference.
 */
import { ts } from "ts-morph";
import type { FunctionRef } from "../../src/graph/types.js";
import { unwrap, type ExtractContext } from "./context.js";
import { parseFunctionRef } from "../../src/registry/ref.js";

/** The function reference of a node's function argument, or undefined when it has no name. */
export function functionRef(ctx: ExtractContext, arg: ts.Expression): FunctionRef | undefined {
  const e = unwrap(arg);
  const fromRegistry = registryUse(ctx, e);
  if (fromRegistry) return fromRegistry;
  // Inline functions: an arrow has no name at run time; a named function expression has one.
  if (ts.isArrowFunction(e)) return undefined;
  if (ts.isFunctionExpression(e)) return e.name ? { name: e.name.text } : undefined;
  if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return undefined;

  let symbol = ctx.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(e) ? e.name : e);
  if (!symbol) return undefined;
  let viaImport: ts.ImportSpecifier | ts.ImportClause | ts.NamespaceImport | undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) {
    const d = symbol.declarations?.[0];
    if (d && (ts.isImportSpecifier(d) || ts.isImportClause(d) || ts.isNamespaceImport(d)))
      viaImport = d;
    symbol = ctx.checker.getAliasedSymbol(symbol);
  }
  const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!decl) return undefined;
  const name = runtimeName(decl);
  if (name === undefined) return undefined;
  const ref: FunctionRef = { name };
  const version = versionTag(decl);
  if (version !== undefined) ref.version = version;
  const sf = decl.getSourceFile();
  const exportName = exportNameOf(ctx.checker, sf, symbol);
  if (exportName !== undefined) {
    ref.module = moduleOf(ctx, sf, viaImport);
    ref.export = exportName;
  }
  return ref;
}

/**
 * `reg.use("resize@^1.2")` on a versioned registry (`registry()`): the node's function is that
 * registry entry, so the graph names it as the runtime builder does, `{ name, version: range }`.
 */
function registryUse(ctx: ExtractContext, e: ts.Expression): FunctionRef | undefined {
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return undefined;
  if (e.expression.name.text !== "use" || e.arguments.length < 1) return undefined;
  const first = unwrap(e.arguments[0]);
  if (!ts.isStringLiteralLike(first)) return undefined;
  const receiver = ctx.checker.getTypeAtLocation(e.expression.expression);
  if (receiver.getSymbol()?.getName() !== "FunctionRegistry") return undefined;
  const ref = parseFunctionRef(first.text);
  if (!ref) return undefined;
  return ref.version !== undefined ? { name: ref.name, version: ref.version } : { name: ref.name };
}

/** The `@version` doc tag of a function's declaration (`/** @version 1.2.0 *\/`), if any. */
function versionTag(decl: ts.Declaration): string | undefined {
  for (const tag of ts.getJSDocTags(decl)) {
    if (tag.tagName.text !== "version") continue;
    const text = ts.getTextOfJSDocComment(tag.comment)?.trim();
    if (text) return text.split(/\s+/)[0];
  }
  return undefined;
}

/** The `name` a function gets at run time from its declaration. */
function runtimeName(decl: ts.Declaration): string | undefined {
  if (ts.isFunctionDeclaration(decl)) {
    if (decl.name) return decl.name.text;
    const isDefault = decl.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    return isDefault ? "default" : undefined;
  }
  if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && decl.initializer) {
    const init = unwrap(decl.initializer);
    if (ts.isFunctionExpression(init) && init.name) return init.name.text;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init) || ts.isClassExpression(init)) {
      return decl.name.text;
    }
    return undefined; // a value computed at run time (e.g. a call), whose name we cannot know
  }
  if (
    ts.isMethodDeclaration(decl) ||
    ts.isPropertyAssignment(decl) ||
    ts.isShorthandPropertyAssignment(decl)
  ) {
    const n = decl.name;
    if (ts.isIdentifier(n) || ts.isStringLiteral(n)) {
      if (ts.isPropertyAssignment(decl)) {
        const init = unwrap(decl.initializer);
        if (ts.isFunctionExpression(init) && init.name) return init.name.text;
        if (!ts.isArrowFunction(init) && !ts.isFunctionExpression(init)) return undefined;
      }
      return n.text;
    }
  }
  return undefined;
}

/** The name `symbol` is exported under from `sf`, if it is. */
function exportNameOf(
  checker: ts.TypeChecker,
  sf: ts.SourceFile,
  symbol: ts.Symbol,
): string | undefined {
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) return undefined;
  const names: string[] = [];
  for (const exp of checker.getExportsOfModule(moduleSymbol)) {
    const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    if (target === symbol) names.push(exp.getName());
  }
  if (names.length === 0) return undefined;
  // Prefer the declared name over aliases and `default`, so refs read naturally.
  return names.includes(symbol.getName()) ? symbol.getName() : names.sort()[0];
}

/** A package specifier for code in node_modules, else the path relative to the project root. */
function moduleOf(
  ctx: ExtractContext,
  sf: ts.SourceFile,
  viaImport: ts.ImportSpecifier | ts.ImportClause | ts.NamespaceImport | undefined,
): string {
  if (sf.fileName.includes("/node_modules/")) {
    let n: ts.Node | undefined = viaImport;
    while (n && !ts.isImportDeclaration(n)) n = n.parent;
    if (n && ts.isStringLiteral(n.moduleSpecifier)) return n.moduleSpecifier.text;
  }
  return ctx.relPath(sf.fileName);
}
