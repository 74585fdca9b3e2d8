/**
 * A validator for the JSON Schema subset the compiler emits (see {@link JsonSchema}). Errors name
 * the path of the offending value (`input.rows[2].age`), so `weft run` can say which field of the
 * input is wrong before anything runs. An object key `__proto__` is always an error, whatever the
 * schema: it would be dropped or reach a prototype.
 */
import { nearestName } from "../nearest-name.js";
import type { JsonSchema, JsonValue } from "./types.js";

/** One validation failure. */
export interface ValidationError {
  /** Path of the value, rooted at the name given to {@link validateJson} (`input.minAge`). */
  path: string;
  message: string;
}

/**
 * Validates a value against a schema emitted by the compiler and returns every error found (an
 * empty array means valid).
 *
 * @example
 * ```ts
 * validateJson({ path: 1 }, { type: "object", properties: { path: { type: "string" } } });
 * // [{ path: "input.path", message: "expected string, got number" }]
 * ```
 */
export function validateJson(
  value: unknown,
  schema: JsonSchema,
  root = "input",
): ValidationError[] {
  const errors: ValidationError[] = [];
  check(value, schema, root, schema, errors, 0);
  return errors;
}

const MAX_DEPTH = 200;

function check(
  value: unknown,
  schema: JsonSchema,
  path: string,
  rootSchema: JsonSchema,
  errors: ValidationError[],
  depth: number,
): void {
  const fail = (message: string): void => {
    errors.push({ path, message });
  };
  if (depth > MAX_DEPTH) return fail("value is nested too deeply");
  if (schema.$ref !== undefined) {
    const target = resolveRef(schema.$ref, rootSchema);
    if (!target) return fail(`schema reference '${schema.$ref}' cannot be resolved`);
    return check(value, target, path, rootSchema, errors, depth + 1);
  }
  if (schema.not && Object.keys(schema.not).length === 0) return fail("no value is allowed here");
  if (schema.anyOf) {
    const branches = schema.anyOf.map((s) => {
      const e: ValidationError[] = [];
      check(value, s, path, rootSchema, e, depth + 1);
      return e;
    });
    if (!branches.some((e) => e.length === 0)) {
      // When one branch is of the value's own JSON type, its errors say what is wrong.
      const sameKind = schema.anyOf
        .map((s, i) => ({ s, e: branches[i] }))
        .filter(
          ({ s }) =>
            s.type !== undefined &&
            (Array.isArray(s.type) ? s.type : [s.type]).some((t) => hasType(value, t)),
        );
      if (sameKind.length === 1) errors.push(...sameKind[0].e);
      else fail(`expected ${schema.anyOf.map(describe).join(" | ")}, got ${show(value)}`);
    }
    return;
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t))) {
      return fail(`expected ${types.join(" | ")}, got ${kindOf(value)}`);
    }
  }
  if (schema.const !== undefined && !jsonEqual(value, schema.const)) {
    return fail(`expected ${JSON.stringify(schema.const)}, got ${show(value)}`);
  }
  if (schema.enum && !schema.enum.some((v) => jsonEqual(value, v))) {
    return fail(
      `expected one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}, got ${show(value)}`,
    );
  }
  if (schema.format === "date-time" && typeof value === "string" && !isDateTime(value)) {
    return fail(`expected a date-time string (ISO 8601), got ${show(value)}`);
  }
  if (Array.isArray(value)) {
    checkArray(value, schema, path, rootSchema, errors, depth);
  } else if (value !== null && typeof value === "object") {
    checkObject(value as Record<string, unknown>, schema, path, rootSchema, errors, depth);
  }
}

function checkArray(
  value: unknown[],
  schema: JsonSchema,
  path: string,
  rootSchema: JsonSchema,
  errors: ValidationError[],
  depth: number,
): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    errors.push({
      path,
      message: `expected at least ${schema.minItems} items, got ${value.length}`,
    });
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    errors.push({
      path,
      message: `expected at most ${schema.maxItems} items, got ${value.length}`,
    });
  }
  const prefix = schema.prefixItems ?? [];
  value.forEach((item, i) => {
    const s = i < prefix.length ? prefix[i] : schema.items;
    if (s === false) return; // counted by maxItems
    if (s) check(item, s, `${path}[${i}]`, rootSchema, errors, depth + 1);
  });
}

function checkObject(
  value: Record<string, unknown>,
  schema: JsonSchema,
  path: string,
  rootSchema: JsonSchema,
  errors: ValidationError[],
  depth: number,
): void {
  const props = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    if (!Object.prototype.hasOwnProperty.call(value, name) || value[name] === undefined) {
      errors.push({ path: child(path, name), message: "is required" });
    }
  }
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (name === "__proto__") {
      // JSON.parse keeps it as an own key, but most copies (`{ ...x }` aside) turn it into the
      // object's prototype and drop it: refused, never silently lost.
      errors.push({
        path: child(path, name),
        message:
          "the key '__proto__' is not allowed (copying it would replace the object's prototype)",
      });
      continue;
    }
    const p = Object.prototype.hasOwnProperty.call(props, name) ? props[name] : undefined;
    if (p) {
      check(v, p, child(path, name), rootSchema, errors, depth + 1);
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(props);
      const hint = nearestName(name, known);
      errors.push({
        path: child(path, name),
        message: `unknown field` + (hint ? ` (did you mean '${hint}'?)` : ""),
      });
    } else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
      check(v, schema.additionalProperties, child(path, name), rootSchema, errors, depth + 1);
    }
  }
}

function child(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  if (!m || !root.$defs) return undefined;
  return Object.prototype.hasOwnProperty.call(root.$defs, m[1]) ? root.$defs[m[1]] : undefined;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return false;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return kindOf(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function describe(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.$ref) return s.$ref.replace("#/$defs/", "");
  if (s.type) return Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  return "value";
}

function jsonEqual(a: unknown, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, JsonValue>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => jsonEqual(ao[k], bo[k]));
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function isDateTime(s: string): boolean {
  return DATE_TIME.test(s) && !Number.isNaN(Date.parse(s));
}
