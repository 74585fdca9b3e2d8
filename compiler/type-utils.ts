/** Small questions about TypeScript types that the extractor and the schema writer share. */
import { ts } from "ts-morph";

/** Type text as users write it: no truncation, aliases kept, relative to `where`. */
export function typeText(checker: ts.TypeChecker, type: ts.Type, where?: ts.Node): string {
  let flags =
    ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
  // weft's own helper aliases (`TransitionValue<...>`, `Awaited<...>`-style plumbing) say less
  // than the type they resolve to: write that instead.
  if (isWeftAlias(type.aliasSymbol)) flags |= ts.TypeFormatFlags.InTypeAlias;
  return checker.typeToString(type, where, flags);
}

function isWeftAlias(symbol: ts.Symbol | undefined): boolean {
  const file = symbol?.declarations?.[0]?.getSourceFile().fileName ?? "";
  return /\/src\/(dag|fsm|run|graph)\//.test(file) || file.includes("/node_modules/weft/");
}

/** True when the symbol is declared by the standard library or Node's type definitions. */
export function isBuiltinSymbol(symbol: ts.Symbol | undefined): boolean {
  const decl = symbol?.declarations?.[0];
  if (!decl) return false;
  const file = decl.getSourceFile().fileName;
  return /\/typescript\/lib\/lib\.[^/]*\.d\.ts$/.test(file) || file.includes("/@types/node/");
}

/** The name of a builtin type's symbol (`Date`, `Map`, `Promise`…), or undefined. */
export function builtinName(type: ts.Type): string | undefined {
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  return symbol && isBuiltinSymbol(symbol) ? symbol.getName() : undefined;
}

/** The type a promise resolves to, or the type itself when it is not a promise. */
export function awaited(checker: ts.TypeChecker, type: ts.Type): ts.Type {
  return checker.getAwaitedType(type) ?? type;
}

/** True for a callable type (a function or an object with call signatures). */
export function isCallable(type: ts.Type): boolean {
  return type.getCallSignatures().length > 0;
}

/** Type of property `name` of `type`, or undefined when it has none. */
export function propertyType(
  checker: ts.TypeChecker,
  type: ts.Type,
  name: string,
): ts.Type | undefined {
  const prop = checker.getPropertyOfType(checker.getApparentType(type), name);
  return prop ? checker.getTypeOfSymbol(prop) : undefined;
}

/** The union's members, or the type alone. */
export function unionMembers(type: ts.Type): readonly ts.Type[] {
  return type.isUnion() ? type.types : [type];
}
