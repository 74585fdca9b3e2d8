/**
 * Node options read from source into the IR's {@link NodeOptionsData}, the same way the runtime
 * builder's `optionsData` turns option objects into data: values are copied, and options that
 * are functions or stores are recorded only as present under `has`.
 */
import { ts } from "ts-morph";
import type { NodeOptionsData, RetryData, RunIf } from "../../src/graph/types.js";
import { Unanalysable, snippet, unwrap } from "./context.js";
import { FUNCTION, type StaticReader, type StaticValue, type StaticEntry } from "./static-value.js";

/** Reads an options argument; `undefined` when it holds no data (as the runtime builder does). */
export function readOptions(
  reader: StaticReader,
  expr: ts.Expression | undefined,
): NodeOptionsData | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (e.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isIdentifier(e) && e.text === "undefined"))
    return undefined;
  const entries = byKey(withCode(() => reader.entries(e)));
  const d: NodeOptionsData = {};
  const has: Record<string, true> = {};
  const value = (entry: StaticEntry | undefined): StaticValue =>
    entry?.value
      ? withCode(() => reader.evaluate(entry.value as ts.Expression))
      : entry
        ? FUNCTION
        : undefined;

  const retry = entries.get("retry");
  if (retry?.value) {
    const r = byKey(withCode(() => reader.entries(retry.value as ts.Expression)));
    const data: Record<string, StaticValue> = {};
    for (const [k, entry] of r) {
      if (k === "retryOn") {
        if (value(entry) !== undefined) has.retryOn = true;
      } else data[k] = value(entry);
    }
    d.retry = plain(data, retry.value) as unknown as RetryData;
  }
  const timeoutMs = value(entries.get("timeoutMs"));
  if (timeoutMs !== undefined) d.timeoutMs = num(timeoutMs, "timeoutMs", entries);
  const runIf = value(entries.get("runIf"));
  if (runIf !== undefined) d.runIf = runIf as RunIf;
  const concurrency = value(entries.get("concurrency"));
  if (concurrency !== undefined) d.concurrency = num(concurrency, "concurrency", entries);
  const buffer = value(entries.get("buffer"));
  if (buffer !== undefined) d.buffer = num(buffer, "buffer", entries);
  const cache = entries.get("cache");
  if (cache?.value) {
    const c = unwrap(cache.value);
    if (c.kind === ts.SyntaxKind.TrueKeyword) d.cache = {};
    else if (
      c.kind !== ts.SyntaxKind.FalseKeyword &&
      !(ts.isIdentifier(c) && c.text === "undefined")
    ) {
      const ce = byKey(withCode(() => reader.entries(c)));
      const ttl = value(ce.get("ttlMs"));
      d.cache = ttl !== undefined ? { ttlMs: num(ttl, "cache.ttlMs", ce) } : {};
      if (value(ce.get("key")) !== undefined) has.cacheKey = true;
      if (ce.has("store") && !isUndefined(ce.get("store"))) has.cacheStore = true;
    }
  }
  const fallback = entries.get("fallback");
  if (fallback && !isUndefined(fallback)) {
    let v: StaticValue | typeof OPAQUE;
    try {
      v = value(fallback);
    } catch (err) {
      if (!(err instanceof Unanalysable)) throw err;
      v = OPAQUE; // computed at run time: only its presence is known
    }
    if (v !== OPAQUE && isJsonable(v)) d.fallback = v;
    else has.fallback = true;
  }
  const breaker = entries.get("circuitBreaker");
  if (breaker?.value) {
    const b = value(breaker);
    if (b !== undefined)
      d.circuitBreaker = plain(b, breaker.value) as NodeOptionsData["circuitBreaker"];
  }
  const cost = value(entries.get("cost"));
  if (cost !== undefined) d.cost = num(cost, "cost", entries);
  const thread = value(entries.get("thread"));
  if (typeof thread === "boolean") d.thread = thread;
  if (entries.has("hooks") && !isUndefined(entries.get("hooks"))) has.hooks = true;
  if (entries.has("compensate") && !isUndefined(entries.get("compensate"))) has.compensate = true;
  if (Object.keys(has).length > 0) d.has = has;
  return Object.keys(d).length > 0 ? d : undefined;
}

const OPAQUE: unique symbol = Symbol("opaque");

function byKey(entries: StaticEntry[]): Map<string, StaticEntry> {
  return new Map(entries.map((e) => [e.key, e]));
}

function isUndefined(entry: StaticEntry | undefined): boolean {
  if (!entry?.value) return entry === undefined;
  const v = unwrap(entry.value);
  return ts.isIdentifier(v) && v.text === "undefined";
}

/** Runs a read and turns "not static" into the options diagnostic code. */
function withCode<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof Unanalysable && err.code === "WEFT020") {
      throw new Unanalysable(
        "WEFT024",
        `options cannot be read: ${err.message}; write them as an object literal of constants`,
        err.at,
      );
    }
    throw err;
  }
}

function num(v: StaticValue, what: string, entries: Map<string, StaticEntry>): number {
  if (typeof v === "number") return v;
  const at = entries.get(what.split(".").pop() as string)?.keyNode;
  if (!at) throw new Error(`option '${what}' must be a number`);
  throw new Unanalysable(
    "WEFT024",
    `option '${what}' must be a number, got ${JSON.stringify(v)}`,
    at,
  );
}

/** A data value with functions removed (they cannot appear in the IR). */
function plain(v: StaticValue, at: ts.Node): StaticValue {
  if (v === FUNCTION)
    throw new Unanalysable(
      "WEFT024",
      `'${snippet(at)}' holds a function where data is expected`,
      at,
    );
  if (Array.isArray(v)) return v.map((x) => plain(x, at));
  if (v && typeof v === "object") {
    const out: Record<string, StaticValue> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plain(x, at);
    return out;
  }
  return v;
}

function isJsonable(v: StaticValue): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonable);
  if (v && typeof v === "object") return Object.values(v).every(isJsonable);
  return false;
}
