/**
 * Whether values of a type can be stored by a checkpoint store, decided from the type alone.
 * Mirrors the runtime codec (src/run/codec.ts): primitives, plain objects, arrays, Map, Set, Date,
 * RegExp, BigInt, typed arrays, ArrayBuffer and built-in errors are storable; functions, symbols,
 * promises, weak collections, streams and class instances are not.
 */
import { ts } from "ts-morph";
import { builtinName, isCallable } from "../type-utils.js";

/** Builtin object types the codec stores. */
const STORABLE_BUILTINS = new Set([
  "Date",
  "RegExp",
  "Map",
  "ReadonlyMap",
  "Set",
  "ReadonlySet",
  "Array",
  "ReadonlyArray",
  "ArrayBuffer",
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "String",
  "Number",
  "Boolean",
]);

/** Where in a type something unstorable sits (`rows[].handle`) and what it is. */
export interface UnstorableType {
  path: string;
  reason: string;
}

/**
 * The first part of `type` the checkpoint codec cannot store, or undefined when every value of
 * the type can be stored (or when the type says too little to tell: `any`, `unknown`).
 *
 * @example
 * ```ts
 * findUnstorable(checker, typeOf("{ rows: Row[]; close: () => void }"));
 * // { path: "close", reason: "is a function" }
 * ```
 */
export function findUnstorable(checker: ts.TypeChecker, type: ts.Type): UnstorableType | undefined {
  const seen = new Set<ts.Type>();
  const todo: { type: ts.Type; path: string }[] = [{ type, path: "" }];
  while (todo.length > 0) {
    const { type: t, path } = todo.pop() as { type: ts.Type; path: string };
    if (seen.has(t)) continue;
    seen.add(t);
    const f = t.flags;
    if (f & ts.TypeFlags.ESSymbolLike) return { path, reason: "is a symbol" };
    if (t.isUnion() || t.isIntersection()) {
      for (let i = t.types.length - 1; i >= 0; i--) todo.push({ type: t.types[i], path });
      continue;
    }
    if (!(f & ts.TypeFlags.Object)) continue;
    const name = builtinName(t);
    if (name === "Promise" || name === "PromiseLike") return { path, reason: "is a promise" };
    if (name && /^(WeakMap|WeakSet|WeakRef|SharedArrayBuffer)$/.test(name))
      return { path, reason: `is a ${name}` };
    if (name && /Stream$/.test(name)) return { path, reason: `is a stream (${name})` };
    if (isCallable(t)) return { path, reason: "is a function" };
    const args =
      (t as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference
        ? checker.getTypeArguments(t as ts.TypeReference)
        : [];
    if (name && STORABLE_BUILTINS.has(name)) {
      const suffix = name === "Map" || name === "ReadonlyMap" ? [".keys()[]", ".get()"] : ["[]"];
      args.forEach((a, i) => todo.push({ type: a, path: path + (suffix[i] ?? "[]") }));
      continue;
    }
    if (checker.isTupleType(t)) {
      args.forEach((a, i) => todo.push({ type: a, path: `${path}[${i}]` }));
      continue;
    }
    const symbol = t.getSymbol();
    if (name) return { path, reason: `is a ${name}, which a checkpoint cannot store` };
    if (symbol && symbol.flags & ts.SymbolFlags.Class) {
      return { path, reason: `is an instance of class ${symbol.getName()}` };
    }
    if (symbol && isNodeBuiltinClass(symbol)) return { path, reason: `is a ${symbol.getName()}` };
    const props = checker.getPropertiesOfType(t);
    for (let i = props.length - 1; i >= 0; i--) {
      const p = props[i];
      const pt = checker.getTypeOfSymbol(p);
      const key = /^[A-Za-z_$][\w$]*$/.test(p.getName())
        ? `.${p.getName()}`
        : `[${JSON.stringify(p.getName())}]`;
      if (p.flags & ts.SymbolFlags.Method)
        return { path: (path + key).replace(/^\./, ""), reason: "is a method" };
      todo.push({ type: pt, path: path + key });
    }
    for (const info of checker.getIndexInfosOfType(t))
      todo.push({ type: info.type, path: `${path}[key]` });
  }
  return undefined;
}

/** Declared by Node's typings as a class-like interface (sockets, streams, handles). */
function isNodeBuiltinClass(symbol: ts.Symbol): boolean {
  const decl = symbol.declarations?.[0];
  return (
    !!decl &&
    decl.getSourceFile().fileName.includes("/@types/node/") &&
    /^[A-Z]/.test(symbol.getName())
  );
}

/** The path of an unstorable part for messages: `the value` at the root. */
export function describePath(path: string): string {
  const p = path.replace(/^\./, "");
  return p === "" ? "the value" : p;
}
