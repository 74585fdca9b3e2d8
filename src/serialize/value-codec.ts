/**
 * Encodes run results (arbitrary JavaScript values) as JSON and back. Plain JSON stays as it is;
 * values JSON cannot hold are written as tagged objects `{ "$weft": "<kind>", ... }` so they come
 * back as they were: `undefined`, NaN and infinities, bigint, Date, Map, Set, RegExp, Error and
 * typed arrays. An object that itself has a `$weft` key is wrapped so it is never mistaken for a
 * tag. Functions and symbols cannot be restored; they are written as `unserializable` markers and
 * read back as a descriptive string.
 */
import { SerializeError } from "./errors.js";
import { formatPath, type FieldPath } from "./path.js";
import { defineKey, describe, isPlainObject } from "./shape.js";

/** The tag key of encoded values. */
export const TAG = "$weft";

type TypedArrayName =
  | "Int8Array"
  | "Uint8Array"
  | "Uint8ClampedArray"
  | "Int16Array"
  | "Uint16Array"
  | "Int32Array"
  | "Uint32Array"
  | "Float32Array"
  | "Float64Array";

const TYPED: Record<TypedArrayName, new (values: number[]) => ArrayLike<number>> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
};

const ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Encodes `value` as JSON-able data. Throws a {@link SerializeError} on a cycle, naming the path. */
export function encodeValue(value: unknown, path: FieldPath = []): unknown {
  const onPath = new Set<object>();
  const enc = (v: unknown, p: FieldPath): unknown => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (Number.isFinite(v)) return Object.is(v, -0) ? 0 : v;
        return { [TAG]: "number", value: String(v) };
      case "undefined":
        return { [TAG]: "undefined" };
      case "bigint":
        return { [TAG]: "bigint", value: v.toString() };
      case "function":
      case "symbol":
        return { [TAG]: "unserializable", type: typeof v, text: String(v).slice(0, 200) };
    }
    if (v === null) return null;
    const o = v as object;
    if (onPath.has(o)) {
      throw new SerializeError(
        formatPath(p),
        "value refers to itself (a cycle); it cannot be serialized",
      );
    }
    onPath.add(o);
    try {
      return encObject(o, p);
    } finally {
      onPath.delete(o);
    }
  };
  const encObject = (o: object, p: FieldPath): unknown => {
    if (Array.isArray(o)) {
      const out: unknown[] = [];
      for (let i = 0; i < o.length; i++) out.push(enc(o[i], [...p, i]));
      return out;
    }
    if (o instanceof Date) {
      const t = o.getTime();
      return { [TAG]: "Date", value: Number.isNaN(t) ? null : o.toISOString() };
    }
    if (o instanceof Map) {
      return {
        [TAG]: "Map",
        entries: [...o].map(([k, x], i) => [enc(k, [...p, i, 0]), enc(x, [...p, i, 1])]),
      };
    }
    if (o instanceof Set) return { [TAG]: "Set", values: [...o].map((x, i) => enc(x, [...p, i])) };
    if (o instanceof RegExp) return { [TAG]: "RegExp", source: o.source, flags: o.flags };
    if (o instanceof Error) return { [TAG]: "Error", name: o.name, message: o.message };
    const typed = o.constructor?.name;
    if (ArrayBuffer.isView(o) && typed in TYPED) {
      // Non-finite floats are written as strings, since JSON has no NaN or Infinity.
      const values = Array.from(o as unknown as ArrayLike<number>, (x) =>
        Number.isFinite(x) ? x : String(x),
      );
      return { [TAG]: typed, values };
    }
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (!isPlainObject(o) && typeof toJSON === "function") return enc(toJSON.call(o), p);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) defineKey(out, k, enc(x, [...p, k]));
    return TAG in out ? { [TAG]: "object", value: out } : out;
  };
  return enc(value, path);
}

/**
 * Decodes what {@link encodeValue} wrote. `bad(path, message)` is called for a malformed tag;
 * the result is then `undefined` at that place.
 */
export function decodeValue(
  value: unknown,
  path: FieldPath,
  bad: (path: FieldPath, message: string) => void,
): unknown {
  const dec = (v: unknown, p: FieldPath): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => dec(x, [...p, i]));
    if (!isPlainObject(v)) return v;
    if (!(TAG in v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) defineKey(out, k, dec(x, [...p, k]));
      return out;
    }
    const tag = v[TAG];
    const fail = (message: string): undefined => {
      bad([...p, TAG], message);
      return undefined;
    };
    const field = (k: string): unknown => v[k];
    switch (tag) {
      case "undefined":
        return undefined;
      case "number": {
        const s = field("value");
        return s === "NaN"
          ? NaN
          : s === "Infinity"
            ? Infinity
            : s === "-Infinity"
              ? -Infinity
              : fail(`bad number ${describe(s)}`);
      }
      case "bigint": {
        const s = field("value");
        return typeof s === "string" && /^-?\d+$/.test(s)
          ? BigInt(s)
          : fail(`bad bigint ${describe(s)}`);
      }
      case "Date": {
        const s = field("value");
        if (s === null) return new Date(NaN);
        const d = typeof s === "string" ? new Date(s) : undefined;
        return d && !Number.isNaN(d.getTime()) ? d : fail(`bad date ${describe(s)}`);
      }
      case "Map": {
        const e = field("entries");
        if (!Array.isArray(e) || !e.every((x) => Array.isArray(x) && x.length === 2)) {
          return fail("a Map needs 'entries': a list of [key, value] pairs");
        }
        return new Map(
          e.map((x: unknown[], i) => [
            dec(x[0], [...p, "entries", i, 0]),
            dec(x[1], [...p, "entries", i, 1]),
          ]),
        );
      }
      case "Set": {
        const e = field("values");
        return Array.isArray(e)
          ? new Set(e.map((x, i) => dec(x, [...p, "values", i])))
          : fail("a Set needs 'values': a list");
      }
      case "RegExp": {
        const source = field("source");
        const flags = field("flags");
        if (typeof source !== "string" || typeof flags !== "string")
          return fail("a RegExp needs 'source' and 'flags'");
        try {
          return new RegExp(source, flags);
        } catch (e) {
          return fail(`bad RegExp: ${(e as Error).message}`);
        }
      }
      case "Error": {
        const message = field("message");
        const n = field("name");
        const Ctor = typeof n === "string" && n in ERRORS ? ERRORS[n] : Error;
        const err = new Ctor(typeof message === "string" ? message : String(message));
        if (typeof n === "string" && err.name !== n) err.name = n;
        return err;
      }
      case "object": {
        const inner = field("value");
        if (!isPlainObject(inner)) return fail("a wrapped object needs 'value': an object");
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(inner)) defineKey(out, k, dec(x, [...p, "value", k]));
        return out;
      }
      case "unserializable":
        return `[unserializable ${String(field("type"))}: ${String(field("text"))}]`;
      default: {
        if (typeof tag === "string" && tag in TYPED) {
          const values = field("values");
          const nums = Array.isArray(values) ? values.map(toNumber) : undefined;
          if (!nums || nums.some((x) => x === undefined))
            return fail(`a ${tag} needs 'values': a list of numbers`);
          return new TYPED[tag as TypedArrayName](nums as number[]);
        }
        return fail(`unknown value tag ${describe(tag)}`);
      }
    }
  };
  return dec(value, path);
}

function toNumber(x: unknown): number | undefined {
  if (typeof x === "number") return x;
  return x === "NaN"
    ? NaN
    : x === "Infinity"
      ? Infinity
      : x === "-Infinity"
        ? -Infinity
        : undefined;
}
