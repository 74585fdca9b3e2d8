/** The JSON Schema (draft 2020-12) subset the compiler emits and the CLI validates against. */

/** A JSON value. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** JSON Schema primitive type names. */
export type JsonType = "string" | "number" | "integer" | "boolean" | "null" | "object" | "array";

/**
 * A JSON Schema in the subset weft emits: types, `const`/`enum`, `anyOf`, objects with
 * `properties`/`required`/`additionalProperties`, arrays with `items`, tuples with `prefixItems`,
 * `format: "date-time"`, and `$ref` into `$defs` for recursive types. `tsType` is an annotation
 * naming the TypeScript type a string stands for (`"Date"`).
 */
export interface JsonSchema {
  $schema?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  const?: JsonValue;
  enum?: JsonValue[];
  anyOf?: JsonSchema[];
  not?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  format?: string;
  tsType?: string;
}

/** Something in a type that JSON Schema cannot express, with where it is (`input.when`). */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** The dialect URI written into emitted schemas. */
export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";
