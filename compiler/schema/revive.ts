/**
 * JSON has no dates: an input field typed `Date` arrives as an ISO string (the schema marks it
 * with `tsType: "Date"`). This turns such strings back into `Date`s before a run starts.
 */
import type { JsonSchema } from "./types.js";

/**
 * A copy of `value` with every string the schema marks as a `Date` turned into a `Date`. Call it
 * on input that {@link validateJson} accepted.
 *
 * @example
 * ```ts
 * reviveDates({ when: "2024-01-01T00:00:00Z" }, schema); // { when: Date }
 * ```
 */
export function reviveDates(
  value: unknown,
  schema: JsonSchema,
  root: JsonSchema = schema,
  depth = 0,
): unknown {
  if (depth > 200) return value;
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/\$defs\//, "");
    const target = root.$defs?.[name];
    return target ? reviveDates(value, target, root, depth + 1) : value;
  }
  if (schema.tsType === "Date" && typeof value === "string") return new Date(value);
  if (schema.anyOf) {
    // Use the first branch the value plainly belongs to (by JSON type).
    const branch = schema.anyOf.find((s) => matchesKind(value, s, root));
    return branch ? reviveDates(value, branch, root, depth + 1) : value;
  }
  if (Array.isArray(value)) {
    const prefix = schema.prefixItems ?? [];
    return value.map((v, i) => {
      const s = i < prefix.length ? prefix[i] : schema.items;
      return s ? reviveDates(v, s, root, depth + 1) : v;
    });
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s =
        (schema.properties && Object.prototype.hasOwnProperty.call(schema.properties, k)
          ? schema.properties[k]
          : undefined) ??
        (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      // An own property even for '__proto__' (validation refuses it; this copy never drops it).
      Object.defineProperty(out, k, {
        value: s ? reviveDates(v, s, root, depth + 1) : v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

function matchesKind(value: unknown, s: JsonSchema, root: JsonSchema): boolean {
  if (s.$ref) {
    const target = root.$defs?.[s.$ref.replace(/^#\/\$defs\//, "")];
    return target ? matchesKind(value, target, root) : false;
  }
  if (s.const !== undefined) return s.const === value;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length === 0) return true;
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return types.some(
    (t) => t === kind || ((t === "integer" || t === "number") && kind === "number"),
  );
}
