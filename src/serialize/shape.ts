/**
 * Small hand-written checkers for plain data: each returns a clean copy of what it accepts (known
 * fields only, in a fixed order, absent optional fields left out) or records an issue with the
 * offending field path. Used both to read untrusted documents and to write in-memory values.
 */
import { setOwn } from "../graph/reserved.js";
import type { Anchor } from "./read-document.js";
import { formatPath, type FieldPath } from "./path.js";

/** An issue found by a checker. */
export interface ShapeIssue {
  path: FieldPath;
  message: string;
  /** Point at the key (unknown fields) or the value (wrong values). */
  anchor: Anchor;
}

/** Collects issues; stops collecting after `limit` so hostile input cannot flood the report. */
export class ShapeContext {
  readonly issues: ShapeIssue[] = [];
  constructor(readonly limit = 50) {}
  issue(path: FieldPath, message: string, anchor: Anchor = "value"): undefined {
    if (this.issues.length < this.limit) this.issues.push({ path, message, anchor });
    return undefined;
  }
  get full(): boolean {
    return this.issues.length >= this.limit;
  }
}

/** A checker: the accepted (copied) value, or `undefined` after recording an issue. */
export type Check<T> = (ctx: ShapeContext, v: unknown, path: FieldPath) => T | undefined;

/** One field of an object shape: name, checker, whether it must be present. */
export type Field = readonly [name: string, check: Check<unknown>, required?: "required"];

/** A short description of a value for messages: `"tsk"`, `42`, `an array`, `null`. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    case "number":
    case "boolean":
    case "bigint":
      return String(v);
    case "object":
      return "an object";
    default:
      return `a ${typeof v}`;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== "object" || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Any string. */
export const str: Check<string> = (ctx, v, path) =>
  typeof v === "string" ? v : ctx.issue(path, `expected a string, got ${describe(v)}`);

/** A non-empty string. */
export const name: Check<string> = (ctx, v, path) => {
  if (typeof v !== "string") return ctx.issue(path, `expected a string, got ${describe(v)}`);
  return v.length > 0 ? v : ctx.issue(path, "must not be empty");
};

export const bool: Check<boolean> = (ctx, v, path) =>
  typeof v === "boolean" ? v : ctx.issue(path, `expected true or false, got ${describe(v)}`);

/** The literal `true` (used for "present" flags). */
export const yes: Check<true> = (ctx, v, path) =>
  v === true ? true : ctx.issue(path, `expected true, got ${describe(v)}`);

/** A finite number, at least `min` (and an integer when asked). */
export function num(min: number, integer = false): Check<number> {
  return (ctx, v, path) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return ctx.issue(path, `expected a${integer ? "n integer" : " number"}, got ${describe(v)}`);
    }
    if (integer && !Number.isInteger(v)) return ctx.issue(path, `expected an integer, got ${v}`);
    if (v < min) return ctx.issue(path, `must be at least ${min}, got ${v}`);
    return v;
  };
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(...values: T[]): Check<T> {
  const set = new Set<string>(values);
  return (ctx, v, path) =>
    typeof v === "string" && set.has(v)
      ? (v as T)
      : ctx.issue(
          path,
          `expected one of ${values.map((x) => `"${x}"`).join(", ")}, got ${describe(v)}`,
        );
}

/** Either of two checks, tried in order (the second one's issue is reported). */
export function either<A, B>(a: Check<A>, b: Check<B>, expected: string): Check<A | B> {
  return (ctx, v, path) => {
    const probe = new ShapeContext(1);
    const first = a(probe, v, path);
    if (first !== undefined) return first;
    const second = b(new ShapeContext(1), v, path);
    return second !== undefined
      ? second
      : ctx.issue(path, `expected ${expected}, got ${describe(v)}`);
  };
}

/** An array whose items all pass `item`. */
export function arrayOf<T>(item: Check<T>): Check<T[]> {
  return (ctx, v, path) => {
    if (!Array.isArray(v)) return ctx.issue(path, `expected an array, got ${describe(v)}`);
    const out: T[] = [];
    let ok = true;
    for (let i = 0; i < v.length; i++) {
      if (ctx.full) return undefined;
      const x = item(ctx, v[i], [...path, i]);
      if (x === undefined) ok = false;
      else out.push(x);
    }
    return ok ? out : undefined;
  };
}

/** A record with any string keys whose values all pass `item`; keys come out sorted. */
export function recordOf<T>(item: Check<T>): Check<Record<string, T>> {
  return (ctx, v, path) => {
    if (!isPlainObject(v)) return ctx.issue(path, `expected an object, got ${describe(v)}`);
    const out: Record<string, T> = {};
    let ok = true;
    for (const key of Object.keys(v).sort()) {
      if (v[key] === undefined) continue;
      const x = item(ctx, v[key], [...path, key]);
      if (x === undefined) ok = false;
      else defineKey(out, key, x);
    }
    return ok ? out : undefined;
  };
}

/**
 * An object with exactly the listed fields (in the listed order in the copy). Unknown fields are
 * errors; fields whose value is `undefined` count as absent.
 */
export function object(fields: readonly Field[], what: string): Check<Record<string, unknown>> {
  const known = new Set(fields.map((f) => f[0]));
  const list = fields.map((f) => `'${f[0]}'`).join(", ");
  return (ctx, v, path) => {
    if (!isPlainObject(v))
      return ctx.issue(path, `expected ${what} (an object), got ${describe(v)}`);
    let ok = true;
    for (const key of Object.keys(v)) {
      if (!known.has(key) && v[key] !== undefined) {
        ctx.issue([...path, key], `unknown field '${key}' in ${what} (allowed: ${list})`, "key");
        ok = false;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, check, required] of fields) {
      if (ctx.full) return undefined;
      const has = Object.prototype.hasOwnProperty.call(v, key) && v[key] !== undefined;
      if (!has) {
        if (required) {
          ctx.issue(path, `missing required field '${key}' in ${what}`);
          ok = false;
        }
        continue;
      }
      const x = check(ctx, v[key], [...path, key]);
      if (x === undefined) ok = false;
      else out[key] = x;
    }
    return ok ? out : undefined;
  };
}

/**
 * Any JSON value (null, boolean, finite number, string, array, plain object). The copy has
 * object keys sorted, so equal data always writes the same bytes. Cycles and values JSON cannot
 * hold (functions, `undefined` in arrays, NaN, Dates, Maps, ...) are errors naming the path.
 */
export const json: Check<unknown> = (ctx, v, path) => {
  const onPath = new Set<object>();
  const walk = (x: unknown, p: FieldPath): { ok: boolean; value: unknown } => {
    if (x === null || typeof x === "string" || typeof x === "boolean")
      return { ok: true, value: x };
    if (typeof x === "number") {
      if (Number.isFinite(x)) return { ok: true, value: x };
      ctx.issue(p, `${x} cannot be written as JSON`);
      return { ok: false, value: undefined };
    }
    if (typeof x === "object") {
      if (onPath.has(x)) {
        ctx.issue(p, "value refers to itself (a cycle); it cannot be written as JSON");
        return { ok: false, value: undefined };
      }
      if (Array.isArray(x)) {
        onPath.add(x);
        const out: unknown[] = [];
        let ok = true;
        for (let i = 0; i < x.length; i++) {
          const r = walk(x[i], [...p, i]);
          ok &&= r.ok;
          out.push(r.value);
        }
        onPath.delete(x);
        return { ok, value: out };
      }
      if (isPlainObject(x)) {
        onPath.add(x);
        const out: Record<string, unknown> = {};
        let ok = true;
        for (const key of Object.keys(x).sort()) {
          if (x[key] === undefined) continue;
          const r = walk(x[key], [...p, key]);
          ok &&= r.ok;
          defineKey(out, key, r.value);
        }
        onPath.delete(x);
        return { ok, value: out };
      }
      const kind = (x as object).constructor?.name ?? "object";
      ctx.issue(
        p,
        `a ${kind} cannot be written as JSON (use plain objects, arrays and primitives)`,
      );
      return { ok: false, value: undefined };
    }
    ctx.issue(p, `${describe(x)} cannot be written as JSON`);
    return { ok: false, value: undefined };
  };
  const r = walk(v, path);
  return r.ok ? r.value : undefined;
};

/** Sets a key as an own property, `__proto__` included, without touching the prototype. */
export const defineKey: (obj: Record<string, unknown>, key: string, value: unknown) => void =
  setOwn;

/** Joins a path for messages (re-exported for callers that only import the checkers). */
export { formatPath };
