/**
 * A strict JSON reader that, unlike `JSON.parse`, rejects duplicate keys, limits nesting depth and
 * remembers where every key and value starts, so later checks can point at a line and column.
 */
import { defineKey } from "./shape.js";

/** Offsets of one container's entries: where each key (or array element) and its value start. */
export interface EntryOffsets {
  start: number;
  keys: Map<string | number, number>;
  values: Map<string | number, number>;
}

/** The result of reading: the value and (when tracked) the offsets of its objects and arrays. */
export interface JsonRead {
  value: unknown;
  offsets: WeakMap<object, EntryOffsets>;
}

/** Options of {@link readJson}. */
export interface ReadJsonOptions {
  maxDepth?: number;
  /** Record entry offsets (slower; needed only to point at fields in error messages). */
  track?: boolean;
}

/** A syntax problem at a character offset. */
export class JsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = "JsonSyntaxError";
    this.offset = offset;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/**
 * Reads one JSON value from `text`. Throws {@link JsonSyntaxError} on malformed text, duplicate
 * keys, or nesting deeper than `maxDepth`.
 */
export function readJson(text: string, options: ReadJsonOptions = {}): JsonRead {
  const maxDepth = options.maxDepth ?? 256;
  const track = options.track ?? false;
  const offsets = new WeakMap<object, EntryOffsets>();
  let i = 0;
  const n = text.length;

  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, at);
  };
  const describe = (at: number): string =>
    at >= n ? "end of input" : `'${text[at] === "\n" ? "\\n" : text[at]}'`;
  const skipSpace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  const readString = (): string => {
    const start = i;
    i++; // opening quote
    let out = "";
    let run = i;
    for (;;) {
      if (i >= n) fail("unterminated string", start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(run, i);
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in string (escape it)");
      if (c === 0x5c) {
        out += text.slice(run, i);
        const e = text[i + 1];
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          i += 2;
        } else {
          fail(`invalid escape '\\${e ?? ""}'`);
        }
        run = i;
      } else {
        i++;
      }
    }
  };

  const readValue = (depth: number): unknown => {
    skipSpace();
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      return c === "{" ? readObject(depth + 1) : readArray(depth + 1);
    }
    if (c === '"') return readString();
    if (c === "t" && text.startsWith("true", i)) return ((i += 4), true);
    if (c === "f" && text.startsWith("false", i)) return ((i += 5), false);
    if (c === "n" && text.startsWith("null", i)) return ((i += 4), null);
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0].length > 0 && m[0] !== "-") {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail(`unexpected ${describe(i)}, expected a value`);
  };

  const readObject = (depth: number): Record<string, unknown> => {
    const obj: Record<string, unknown> = {};
    const entry: EntryOffsets | undefined = track
      ? { start: i, keys: new Map(), values: new Map() }
      : undefined;
    if (entry) offsets.set(obj, entry);
    i++;
    skipSpace();
    if (text[i] === "}") return (i++, obj);
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(`unexpected ${describe(i)}, expected a quoted key`);
      const keyAt = i;
      const key = readString();
      if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key '${key}'`, keyAt);
      skipSpace();
      if (text[i] !== ":") fail(`unexpected ${describe(i)}, expected ':'`);
      i++;
      skipSpace();
      entry?.keys.set(key, keyAt);
      entry?.values.set(key, i);
      const value = readValue(depth);
      // `__proto__` must become an own property, as with JSON.parse, never the prototype.
      defineKey(obj, key, value);
      skipSpace();
      if (text[i] === ",") i++;
      else if (text[i] === "}") return (i++, obj);
      else fail(`unexpected ${describe(i)}, expected ',' or '}'`);
    }
  };

  const readArray = (depth: number): unknown[] => {
    const arr: unknown[] = [];
    const entry: EntryOffsets | undefined = track
      ? { start: i, keys: new Map(), values: new Map() }
      : undefined;
    if (entry) offsets.set(arr, entry);
    i++;
    skipSpace();
    if (text[i] === "]") return (i++, arr);
    for (;;) {
      skipSpace();
      entry?.keys.set(arr.length, i);
      entry?.values.set(arr.length, i);
      arr.push(readValue(depth));
      skipSpace();
      if (text[i] === ",") i++;
      else if (text[i] === "]") return (i++, arr);
      else fail(`unexpected ${describe(i)}, expected ',' or ']'`);
    }
  };

  // A byte-order mark is not JSON, but editors write one; skip it.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const value = readValue(0);
  skipSpace();
  if (i < n) fail(`unexpected ${describe(i)} after the end of the document`);
  return { value, offsets };
}
