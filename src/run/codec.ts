/**
 * The value codec of checkpoint stores: node results, run inputs and FSM snapshots become bytes
 * through V8's structured-clone serializer (`node:v8`), so Map, Set, Date, RegExp, BigInt, typed
 * arrays, ArrayBuffer, boxed primitives, built-in errors, sparse arrays and circular or shared
 * references all survive a round trip.
 *
 * The codec is strict: a value that would not come back as it went in is refused with an
 * {@link UnstorableValueError} naming where it sits, instead of being stored wrongly. V8 itself
 * refuses functions, symbols, promises, weak collections and shared memory, but it silently turns
 * class instances into plain objects (a `URL` becomes `{}`, a `Row` loses its methods) and drops
 * symbol keys; a resumed run would then see different values than an uninterrupted one. So every
 * value is walked before it is serialized.
 */

import { nodeV8 } from "../peers/builtins.js";

/** Where an unstorable part of a value sits (`rows[3].handle`; empty for the value itself) and why. */
export interface UnstorablePart {
  /**
   * Path from the value's root as code would read it: `rows[3].handle`, `["odd key"]`,
   * `value.get("k")` (a Map entry), `value.keys()[0]` (a Map key), `tags.values()[2]` (a Set member).
   */
  path: string;
  /** What is wrong, e.g. `is a function`, `is an instance of class Row`. */
  reason: string;
}

/**
 * A value cannot be stored by a checkpoint store. The message names what the value is (a node's
 * result, a run's input) and where in it the problem sits.
 *
 * @example
 * ```ts
 * try {
 *   encodeValue({ rows: [{ handle: () => 1 }] }, "node 'load'");
 * } catch (e) {
 *   // e.message: "cannot store the value of node 'load': rows[0].handle is a function; ..."
 *   if (e instanceof UnstorableValueError) console.log(e.path); // "rows[0].handle"
 * }
 * ```
 */
export class UnstorableValueError extends Error {
  /** What the value is, as given to {@link encodeValue} (e.g. `node 'load'`). */
  readonly what: string;
  /** Path of the offending part inside the value; empty when the value itself is the problem. */
  readonly path: string;
  /** Why that part cannot be stored. */
  readonly reason: string;
  constructor(what: string, part: UnstorablePart, cause?: unknown) {
    const where = part.path === "" ? "the value" : part.path;
    super(
      `cannot store the value of ${what}: ${where} ${part.reason}; a stored value may hold ` +
        "primitives, plain objects, arrays, Map, Set, Date, RegExp, BigInt, typed arrays, " +
        "ArrayBuffer and built-in errors",
      cause === undefined ? undefined : { cause },
    );
    this.name = "UnstorableValueError";
    this.what = what;
    this.path = part.path;
    this.reason = part.reason;
  }
}

/**
 * Stored bytes could not be decoded (a damaged file, or bytes that were never written by
 * {@link encodeValue}).
 */
export class CorruptValueError extends Error {
  /** What the value was, as given to {@link decodeValue}. */
  readonly what: string;
  constructor(what: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`cannot decode the stored value of ${what}: ${inner}`, { cause });
    this.name = "CorruptValueError";
    this.what = what;
  }
}

/**
 * Encodes a value for a checkpoint store.
 *
 * @param value - any structured-clone-able value (see the module notes for what is refused).
 * @param what - names the value in error messages, e.g. `node 'load'` or `input of run 'r1'`.
 * @throws {@link UnstorableValueError} when the value (or a part of it) cannot be stored.
 *
 * @example
 * ```ts
 * const bytes = encodeValue(new Map([["a", new Set([1n])]]), "node 'tags'");
 * decodeValue(bytes, "node 'tags'"); // Map { "a" => Set { 1n } }
 * ```
 */
export function encodeValue(value: unknown, what: string): Uint8Array {
  const part = findUnstorable(value);
  if (part) throw new UnstorableValueError(what, part);
  try {
    return nodeV8().serialize(value);
  } catch (error) {
    // The walk accepts everything V8 accepts, so this is a value the walk does not know (a
    // host object it could not see into); report V8's own words at the root.
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnstorableValueError(
      what,
      { path: "", reason: `cannot be cloned (${reason})` },
      error,
    );
  }
}

/**
 * Decodes bytes written by {@link encodeValue}. The result never shares memory with `bytes`
 * (V8 would otherwise hand back typed arrays that are views into the stored buffer).
 *
 * @param what - names the value in error messages.
 * @throws {@link CorruptValueError} when the bytes are not a value this codec wrote.
 *
 * @example
 * ```ts
 * const date = decodeValue(encodeValue(new Date(0), "x"), "x"); // Date 1970-01-01
 * ```
 */
export function decodeValue(bytes: Uint8Array, what = "a value"): unknown {
  try {
    return nodeV8().deserialize(Buffer.from(bytes));
  } catch (error) {
    throw new CorruptValueError(what, error);
  }
}

/**
 * Finds the first part of `value` that {@link encodeValue} would refuse, walking it depth-first
 * (circular references are followed once). Returns `undefined` when the whole value can be stored.
 *
 * @example
 * ```ts
 * findUnstorable({ a: [1, Symbol("s")] }); // { path: "a[1]", reason: "is a symbol" }
 * findUnstorable(new Map([[1, "x"]]));      // undefined
 * ```
 */
export function findUnstorable(value: unknown): UnstorablePart | undefined {
  const seen = new Set<object>();
  // An explicit stack rather than recursion: deep values (long linked lists) must not overflow.
  const stack: Child[] = [{ value, path: "" }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    let children: Child[] | string;
    try {
      const reason = unstorableReason(current);
      if (reason) return { path, reason };
      if (typeof current !== "object" || current === null || seen.has(current)) continue;
      seen.add(current);
      children = childrenOf(current, path);
    } catch (error) {
      // A Proxy whose traps throw (ownKeys, getPrototypeOf, ...) cannot be looked into.
      const inner = error instanceof Error ? error.message : String(error);
      return { path, reason: `cannot be inspected (${inner})` };
    }
    if (typeof children === "string") return { path, reason: children };
    // Reverse so the first child is checked first and the reported path is the first in order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return undefined;
}

/** A part of a value still to be checked, with its path from the root. */
interface Child {
  value: unknown;
  path: string;
}

const builtinErrorPrototypes = new Set<object>([
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
]);

const typedArrayPrototypes = new Set<object>([
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  Buffer.prototype,
  DataView.prototype,
]);

/** Prototypes whose instances V8 clones faithfully (beyond typed arrays and errors). */
const cloneablePrototypes = new Set<object>([
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  Number.prototype,
  String.prototype,
  Boolean.prototype,
  BigInt.prototype,
]);

/** Why this value, looked at alone (not its contents), cannot be stored. */
function unstorableReason(value: unknown): string | undefined {
  switch (typeof value) {
    case "function":
      return "is a function";
    case "symbol":
      return "is a symbol";
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  const proto: object | null = Object.getPrototypeOf(value);
  // Null-prototype objects come back as ordinary objects with the same fields: nothing lost.
  if (proto === null || cloneablePrototypes.has(proto)) return undefined;
  if (typedArrayPrototypes.has(proto)) {
    const view = value as ArrayBufferView;
    return view.buffer instanceof SharedArrayBuffer
      ? "is a view of a SharedArrayBuffer"
      : undefined;
  }
  if (builtinErrorPrototypes.has(proto)) return undefined;
  if (value instanceof Promise) return "is a promise";
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
    return `is a ${(value as object).constructor.name}`;
  }
  if (value instanceof SharedArrayBuffer) return "is a SharedArrayBuffer";
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  const className = typeof ctor === "function" && ctor.name ? ctor.name : "(anonymous)";
  return `is an instance of class ${className} (it would come back as a plain object)`;
}

/** The parts of a storable container to walk next, or why the container itself cannot be stored. */
function childrenOf(value: object, path: string): Child[] | string {
  const children: Child[] = [];
  if (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Number ||
    value instanceof String ||
    value instanceof Boolean ||
    value instanceof BigInt
  ) {
    return children;
  }
  if (value instanceof Map || value instanceof Set) {
    const kind = value instanceof Map ? "Map" : "Set";
    // V8 writes the entries of a Map or Set and nothing else.
    const extra = Object.keys(value);
    if (extra.length > 0) return `is a ${kind} with own field '${extra[0]}', which would be lost`;
    const base = path || "value";
    let i = 0;
    if (value instanceof Map) {
      for (const [key, entry] of value) {
        children.push({ value: key, path: `${base}.keys()[${i}]` });
        children.push({ value: entry, path: `${base}.get(${describeKey(key, i)})` });
        i++;
      }
    } else {
      for (const member of value)
        children.push({ value: member, path: `${base}.values()[${i++}]` });
    }
    return children;
  }
  if (value instanceof Error) {
    // V8 keeps the message, stack and cause of a built-in error (and its class's own name),
    // nothing else: an assigned `name` or `code` would be dropped.
    const extra = Object.keys(value).filter((key) => key !== "cause");
    if (extra.length > 0) return `is an Error with own field '${extra[0]}', which would be lost`;
    if ("cause" in value) children.push({ value: value.cause, path: propertyPath(path, "cause") });
    return children;
  }
  const symbolKey = Object.getOwnPropertySymbols(value).find(
    (s) => Object.getOwnPropertyDescriptor(value, s)?.enumerable,
  );
  if (symbolKey) return `has the symbol key ${String(symbolKey)}, which would be lost`;
  const isArray = Array.isArray(value);
  for (const key of Object.keys(value)) {
    // Reading through a getter is what V8 does too; a getter that throws is reported here.
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch (error) {
      const inner = error instanceof Error ? error.message : String(error);
      return `has a getter '${key}' that throws (${inner})`;
    }
    children.push({ value: child, path: propertyPath(path, key, isArray) });
  }
  return children;
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/** `path.key`, `path[3]` or `path["odd key"]`; a field of the root reads without a leading dot. */
function propertyPath(path: string, key: string, isArray = false): string {
  if (isArray && /^(0|[1-9]\d*)$/.test(key)) return `${path}[${key}]`;
  if (!identifier.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** A Map key as it reads in a path: primitives literally, anything else by position. */
function describeKey(key: unknown, index: number): string {
  switch (typeof key) {
    case "string":
      return JSON.stringify(key);
    case "number":
    case "boolean":
      return String(key);
    case "bigint":
      return `${key}n`;
    case "undefined":
      return "undefined";
    default:
      return key === null ? "null" : `<key #${index}>`;
  }
}
