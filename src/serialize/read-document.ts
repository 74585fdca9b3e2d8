/**
 * Turns JSON or YAML text into plain data plus a way to find where any field path sits in the
 * text. Everything that can make reading unsafe (size, alias expansion, nesting, duplicate keys,
 * custom tags, several documents in one stream) is refused here, before any field is looked at.
 */
import type { Document, Node } from "yaml";
import { yamlLib } from "./yaml-lib.js";
import { ParseError } from "./errors.js";
import { JsonSyntaxError, readJson, type EntryOffsets, type JsonRead } from "./json-reader.js";
import { formatPath, type FieldPath } from "./path.js";
import { LineIndex } from "./text-position.js";
import { Utf8Error, decodeUtf8 } from "./utf8.js";
import { yamlDepthOver } from "./yaml-depth.js";

/** Largest document read by default: 10 MiB. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** Most alias expansions a YAML document may use (a guard against "billion laughs"). */
export const MAX_YAML_ALIASES = 100;
/** Deepest nesting of objects and arrays accepted. */
export const MAX_DEPTH = 256;

/**
 * Options shared by the readers. Text may be given as a string or as the file's bytes; bytes are
 * size-checked before decoding, and decoded as strict UTF-8 (invalid bytes are refused with their
 * offset, never replaced).
 */
export interface ReadOptions {
  /** `"json"` or `"yaml"`; by default taken from `file`'s extension, else from the text. */
  format?: "json" | "yaml";
  /** File name used in error messages (and to pick the format). */
  file?: string;
  /** Size limit in bytes (UTF-8); default {@link MAX_DOCUMENT_BYTES}. */
  maxBytes?: number;
}

/** Which part of an entry to point at. */
export type Anchor = "key" | "value";

/** Read data and a locator for field paths. */
export interface ReadDocument {
  value: unknown;
  format: "json" | "yaml";
  /** 1-based position of a path's key or value, or of the nearest enclosing entry that exists. */
  locate(path: FieldPath, anchor: Anchor): { line: number; column: number } | undefined;
}

/** Picks the format from the option, the file extension or the first significant character. */
export function detectFormat(text: string, options: ReadOptions): "json" | "yaml" {
  if (options.format) return options.format;
  const ext = options.file?.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (ext === "json") return "json";
  if (ext === "yaml" || ext === "yml") return "yaml";
  const first = text.replace(/^\uFEFF/, "").trimStart()[0];
  return first === "{" || first === "[" ? "json" : "yaml";
}

/**
 * Reads `text` as JSON or YAML. Throws a {@link ParseError} (naming `what` and the file) on
 * anything malformed or unsafe.
 */
export function readDocument(
  input: string | Uint8Array,
  options: ReadOptions,
  what: string,
): ReadDocument {
  const file = options.file;
  const limit = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  let text: string;
  if (input instanceof Uint8Array) {
    // Bytes are measured before they are decoded, so an oversized file costs nothing more.
    if (input.byteLength > limit) {
      throw new ParseError(
        what,
        [
          {
            path: "",
            message: `document is ${input.byteLength} bytes, over the limit of ${limit}`,
            file,
          },
        ],
        file,
      );
    }
    try {
      text = decodeUtf8(input);
    } catch (e) {
      if (!(e instanceof Utf8Error)) throw e;
      throw new ParseError(
        what,
        [{ path: "", message: e.message, file, line: e.line, column: e.column }],
        file,
      );
    }
  } else if (typeof input === "string") {
    text = input;
  } else {
    throw new ParseError(
      what,
      [{ path: "", message: `expected text, got ${typeof input}`, file }],
      file,
    );
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so short texts skip the exact count.
  if (text.length * 3 > limit) {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > limit) {
      throw new ParseError(
        what,
        [{ path: "", message: `document is ${bytes} bytes, over the limit of ${limit}`, file }],
        file,
      );
    }
  }
  const format = detectFormat(text, options);
  const lines = new LineIndex(text);
  return format === "json"
    ? readJsonDocument(text, lines, file, what)
    : readYamlDocument(text, lines, file, what);
}

function readJsonDocument(
  text: string,
  lines: LineIndex,
  file: string | undefined,
  what: string,
): ReadDocument {
  let value: unknown;
  try {
    value = readJson(text, { maxDepth: MAX_DEPTH }).value;
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const pos = lines.position(e.offset);
    throw new ParseError(
      what,
      [{ path: "", message: `invalid JSON: ${e.message}`, file, ...pos }],
      file,
    );
  }
  // Offsets are only needed to point at a problem, so a second read records them on the first
  // call to locate; valid documents are read once, quickly.
  let tracked: JsonRead | undefined;
  const locate = (
    path: FieldPath,
    anchor: Anchor,
  ): { line: number; column: number } | undefined => {
    tracked ??= readJson(text, { maxDepth: MAX_DEPTH, track: true });
    const { offsets } = tracked;
    let current: unknown = tracked.value;
    let best: number | undefined;
    for (let k = 0; k < path.length; k++) {
      if (!current || typeof current !== "object") break;
      const entry: EntryOffsets | undefined = offsets.get(current);
      if (!entry) break;
      best = entry.start;
      const seg = path[k];
      const keyAt = entry.keys.get(seg);
      if (keyAt === undefined) break;
      const last = k === path.length - 1;
      best = last && anchor === "key" ? keyAt : entry.values.get(seg);
      current = (current as Record<string | number, unknown>)[seg];
    }
    if (path.length === 0 && current && typeof current === "object") {
      best = offsets.get(current)?.start;
    }
    return best === undefined ? undefined : lines.position(best);
  };
  return { value, format: "json", locate };
}

function readYamlDocument(
  text: string,
  lines: LineIndex,
  file: string | undefined,
  what: string,
): ReadDocument {
  // The YAML library is slow on very deep documents long before it refuses them: scan first.
  const deep = yamlDepthOver(text, MAX_DEPTH + 1);
  if (deep !== undefined) {
    throw new ParseError(
      what,
      [
        {
          path: "",
          message: `nesting deeper than ${MAX_DEPTH} levels`,
          file,
          ...lines.position(deep),
        },
      ],
      file,
    );
  }
  const { isAlias, isMap, isScalar, isSeq, parseDocument } = yamlLib();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      version: "1.2",
      schema: "core",
      uniqueKeys: true,
      prettyErrors: false,
      strict: true,
      merge: false,
    });
  } catch (e) {
    // Pathological input can exhaust the parser's stack.
    const message = /call stack/i.test((e as Error).message)
      ? "the document nests too deeply"
      : (e as Error).message;
    throw new ParseError(what, [{ path: "", message: `invalid YAML: ${message}`, file }], file);
  }
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new ParseError(
      what,
      problems.map((p) => ({
        path: "",
        message: /call stack/i.test(p.message)
          ? "invalid YAML: the document nests too deeply"
          : `invalid YAML: ${p.message.split("\n")[0]}`,
        file,
        ...lines.position(p.pos[0]),
      })),
      file,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    const message =
      e instanceof ReferenceError && /alias/i.test(e.message)
        ? `YAML aliases expand too much (more than ${MAX_YAML_ALIASES} references); refusing a possible alias bomb`
        : `invalid YAML: ${(e as Error).message}`;
    throw new ParseError(what, [{ path: "", message, file }], file);
  }
  const depth = depthOver(value, MAX_DEPTH);
  if (depth) {
    throw new ParseError(
      what,
      [{ path: formatPath(depth), message: `nesting deeper than ${MAX_DEPTH} levels`, file }],
      file,
    );
  }
  const locate = (
    path: FieldPath,
    anchor: Anchor,
  ): { line: number; column: number } | undefined => {
    let node: unknown = doc.contents;
    let best: number | undefined;
    for (let k = 0; k < path.length; k++) {
      if (isAlias(node)) node = node.resolve(doc);
      const seg = path[k];
      const last = k === path.length - 1;
      if (isMap(node)) {
        best = node.range?.[0] ?? best;
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const target = last && anchor === "key" ? pair.key : pair.value;
        best = (target as Node | null)?.range?.[0] ?? (pair.key as Node).range?.[0] ?? best;
        node = pair.value;
      } else if (isSeq(node)) {
        best = node.range?.[0] ?? best;
        const item = typeof seg === "number" ? node.items[seg] : undefined;
        if (!item) break;
        best = (item as Node).range?.[0] ?? best;
        node = item;
      } else {
        break;
      }
    }
    if (path.length === 0) best = (doc.contents as Node | null)?.range?.[0];
    return best === undefined ? undefined : lines.position(best);
  };
  return { value, format: "yaml", locate };
}

/** The path of the first container nested deeper than `max`, if any (iterative: no recursion). */
function depthOver(root: unknown, max: number): FieldPath | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: root, path: [] }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { v, path } = stack.pop() as { v: unknown; path: (string | number)[] };
    if (!v || typeof v !== "object" || seen.has(v)) continue;
    seen.add(v);
    if (path.length >= max) return path;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
    else for (const [k, x] of Object.entries(v)) stack.push({ v: x, path: [...path, k] });
  }
  return undefined;
}
