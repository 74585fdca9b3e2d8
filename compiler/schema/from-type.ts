/**
 * TypeScript type -> JSON Schema, from the type checker. Covers what a workflow input read from
 * JSON can hold: primitives, literals, enums, unions, arrays, tuples, objects with optional
 * properties, records and index signatures, `Date` (an ISO string), and recursive types (through
 * `$defs`). Anything else (functions, symbols, bigint, Map, promises, type parameters) is reported
 * as a {@link SchemaIssue} naming the path, and left unconstrained in the schema.
 */
import { ts } from "ts-morph";
import { builtinName, isCallable } from "../type-utils.js";
import {
  JSON_SCHEMA_DIALECT,
  type JsonSchema,
  type JsonType,
  type JsonValue,
  type SchemaIssue,
} from "./types.js";

/** Result of {@link typeToJsonSchema}. */
export interface TypeSchema {
  schema: JsonSchema;
  issues: SchemaIssue[];
}

/** Builtin object types with no JSON form. */
const UNSTORABLE_BUILTINS = new Set([
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Promise",
  "RegExp",
  "Error",
  "ReadableStream",
  "WritableStream",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "Uint8Array",
  "Buffer",
]);

/**
 * Converts a type to a JSON Schema (draft 2020-12) and lists what it could not express.
 *
 * @example
 * ```ts
 * const { schema, issues } = typeToJsonSchema(checker, type, "input");
 * // schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"], ... }
 * ```
 */
export function typeToJsonSchema(
  checker: ts.TypeChecker,
  type: ts.Type,
  rootPath = "input",
  title?: string,
): TypeSchema {
  const writer = new SchemaWriter(checker);
  const body = rootSchema(writer, type, rootPath);
  const schema: JsonSchema = { $schema: JSON_SCHEMA_DIALECT, ...(title ? { title } : {}), ...body };
  if (writer.defs.size > 0) {
    schema.$defs = Object.fromEntries([...writer.defs.entries()].sort(([a], [b]) => cmp(a, b)));
  }
  return { schema, issues: writer.issues };
}

/**
 * A missing run input is `undefined`, which JSON cannot hold: an input type that allows
 * `undefined` accepts `null` in its place (the CLI passes no input then).
 */
const NO_INPUT: JsonSchema = { type: "null", tsType: "undefined" };

function rootSchema(writer: SchemaWriter, type: ts.Type, path: string): JsonSchema {
  const isUndef = (t: ts.Type): boolean =>
    (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0;
  if (isUndef(type)) return { ...NO_INPUT };
  if (type.isUnion() && type.types.some(isUndef)) {
    const rest = writer.convert(type, path);
    return { anyOf: [rest, { ...NO_INPUT }] };
  }
  return writer.convert(type, path);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class SchemaWriter {
  readonly issues: SchemaIssue[] = [];
  readonly defs = new Map<string, JsonSchema>();
  /** Object types being converted (for recursion), with the `$defs` name when one was needed. */
  private readonly active = new Map<ts.Type, { name?: string }>();
  private readonly defNames = new Map<ts.Type, string>();

  constructor(private readonly checker: ts.TypeChecker) {}

  private issue(path: string, message: string): JsonSchema {
    this.issues.push({ path, message });
    return {};
  }

  convert(type: ts.Type, path: string): JsonSchema {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (f & ts.TypeFlags.Never) return { not: {} };
    if (f & ts.TypeFlags.StringLiteral) {
      return { type: "string", const: (type as ts.StringLiteralType).value };
    }
    if (f & ts.TypeFlags.NumberLiteral) {
      return { type: "number", const: (type as ts.NumberLiteralType).value };
    }
    if (f & ts.TypeFlags.BooleanLiteral) {
      return { type: "boolean", const: intrinsic(type) === "true" };
    }
    if (f & ts.TypeFlags.String) return { type: "string" };
    if (f & ts.TypeFlags.TemplateLiteral) return { type: "string" };
    if (f & ts.TypeFlags.Number) return { type: "number" };
    if (f & ts.TypeFlags.Boolean && !type.isUnion()) return { type: "boolean" };
    if (f & ts.TypeFlags.Null) return { type: "null" };
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) {
      return this.issue(path, "undefined has no JSON form");
    }
    if (f & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) {
      return this.issue(path, "bigint has no JSON form");
    }
    if (f & ts.TypeFlags.ESSymbolLike) return this.issue(path, "a symbol has no JSON form");
    if (f & ts.TypeFlags.TypeParameter) {
      const c = this.checker.getBaseConstraintOfType(type);
      if (c && c !== type && !(c.flags & ts.TypeFlags.Unknown)) return this.convert(c, path);
      return this.issue(path, "an unconstrained type parameter cannot be described");
    }
    if (type.isUnion()) return this.union(type, path);
    if (type.isIntersection()) return this.intersection(type, path);
    if (f & ts.TypeFlags.NonPrimitive) return { type: "object" };
    if (f & ts.TypeFlags.Object) return this.object(type as ts.ObjectType, path);
    return this.issue(path, `type '${this.checker.typeToString(type)}' cannot be described`);
  }

  private union(type: ts.UnionType, path: string): JsonSchema {
    // Optional members (`undefined`) are handled by `required`; drop them here.
    let members = type.types.filter(
      (t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)),
    );
    const hasTrue = members.some(
      (t) => t.flags & ts.TypeFlags.BooleanLiteral && intrinsic(t) === "true",
    );
    const hasFalse = members.some(
      (t) => t.flags & ts.TypeFlags.BooleanLiteral && intrinsic(t) === "false",
    );
    const schemas: JsonSchema[] = [];
    if (hasTrue && hasFalse) {
      members = members.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral));
      schemas.push({ type: "boolean" });
    }
    if (members.length === 0 && schemas.length === 0) {
      return this.issue(path, "undefined has no JSON form");
    }
    const literals: JsonValue[] = [];
    const literalTypes = new Set<"string" | "number" | "integer" | "boolean" | "null">();
    for (const m of members) {
      if (m.flags & ts.TypeFlags.StringLiteral) {
        literals.push((m as ts.StringLiteralType).value);
        literalTypes.add("string");
      } else if (m.flags & ts.TypeFlags.NumberLiteral) {
        const v = (m as ts.NumberLiteralType).value;
        literals.push(v);
        literalTypes.add("number");
      } else if (m.flags & ts.TypeFlags.BooleanLiteral) {
        literals.push(intrinsic(m) === "true");
        literalTypes.add("boolean");
      } else {
        schemas.push(this.convert(m, path));
      }
    }
    if (literals.length === 1) {
      schemas.push({ type: [...literalTypes][0], const: literals[0] });
    } else if (literals.length > 1) {
      const types = [...literalTypes];
      schemas.push({ type: types.length === 1 ? types[0] : types, enum: literals });
    }
    if (schemas.length === 1) return schemas[0];
    // `string | null` and friends read best as a type list.
    const simple = schemas.every((s) => Object.keys(s).length === 1 && typeof s.type === "string");
    if (simple) return { type: schemas.map((s) => s.type as JsonType) };
    return { anyOf: schemas };
  }

  private intersection(type: ts.IntersectionType, path: string): JsonSchema {
    const objects = type.types.filter((t) => t.flags & ts.TypeFlags.Object);
    if (objects.length === type.types.length) return this.object(type, path);
    // A branded primitive (`string & { __brand: "Id" }`) is the primitive in JSON.
    const primitive = type.types.find((t) => !(t.flags & ts.TypeFlags.Object));
    return primitive ? this.convert(primitive, path) : {};
  }

  private object(type: ts.Type, path: string): JsonSchema {
    const checker = this.checker;
    const builtin = builtinName(type);
    if (builtin === "Date") return { type: "string", format: "date-time", tsType: "Date" };
    if (builtin && UNSTORABLE_BUILTINS.has(builtin)) {
      return this.issue(path, `${builtin} has no JSON form`);
    }
    if (checker.isArrayType(type)) {
      const [elem] = checker.getTypeArguments(type as ts.TypeReference);
      return { type: "array", items: elem ? this.convert(elem, `${path}[]`) : {} };
    }
    if (checker.isTupleType(type)) return this.tuple(type as ts.TupleTypeReference, path);
    if (isCallable(type)) return this.issue(path, "a function has no JSON form");

    const seen = this.active.get(type);
    if (seen) {
      seen.name ??= this.defName(type);
      return { $ref: `#/$defs/${seen.name}` };
    }
    const frame: { name?: string } = {};
    this.active.set(type, frame);
    const schema = this.plainObject(type, path);
    this.active.delete(type);
    if (frame.name) {
      this.defs.set(frame.name, schema);
      return { $ref: `#/$defs/${frame.name}` };
    }
    return schema;
  }

  private plainObject(type: ts.Type, path: string): JsonSchema {
    const checker = this.checker;
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const prop of checker.getPropertiesOfType(type)) {
      const name = prop.getName();
      const propPath = /^[A-Za-z_$][\w$]*$/.test(name)
        ? `${path}.${name}`
        : `${path}[${JSON.stringify(name)}]`;
      const propType = checker.getTypeOfSymbol(prop);
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      if (isCallable(propType) && !propType.isUnion()) {
        this.issue(propPath, "a function has no JSON form");
        continue;
      }
      const s = this.convert(propType, propPath);
      const doc = ts.displayPartsToString(prop.getDocumentationComment(checker)).trim();
      properties[name] = doc && !s.$ref ? { description: doc, ...s } : s;
      if (!optional) required.push(name);
    }
    const schema: JsonSchema = { type: "object" };
    if (Object.keys(properties).length > 0) schema.properties = properties;
    if (required.length > 0) schema.required = required;
    const index = checker
      .getIndexInfosOfType(type)
      .find((i) => i.keyType.flags & (ts.TypeFlags.String | ts.TypeFlags.Number));
    schema.additionalProperties = index ? this.convert(index.type, `${path}[string]`) : false;
    return schema;
  }

  private tuple(type: ts.TupleTypeReference, path: string): JsonSchema {
    const elems = this.checker.getTypeArguments(type);
    const flags = type.target.elementFlags;
    const prefix: JsonSchema[] = [];
    let rest: JsonSchema | undefined;
    elems.forEach((t, i) => {
      if (flags[i] & ts.ElementFlags.Variable) rest = this.convert(t, `${path}[${i}]`);
      else prefix.push(this.convert(t, `${path}[${i}]`));
    });
    const schema: JsonSchema = {
      type: "array",
      prefixItems: prefix,
      minItems: type.target.minLength,
    };
    if (rest) schema.items = rest;
    else {
      schema.items = false;
      schema.maxItems = prefix.length;
    }
    return schema;
  }

  private defName(type: ts.Type): string {
    const existing = this.defNames.get(type);
    if (existing) return existing;
    const base = (type.aliasSymbol ?? type.getSymbol())?.getName() ?? "Type";
    const clean = /^[A-Za-z_][\w]*$/.test(base) && base !== "__type" ? base : "Type";
    const taken = new Set(this.defNames.values());
    let name = clean;
    for (let i = 2; taken.has(name); i++) name = `${clean}${i}`;
    this.defNames.set(type, name);
    return name;
  }
}

function intrinsic(type: ts.Type): string | undefined {
  return (type as ts.Type & { intrinsicName?: string }).intrinsicName;
}
