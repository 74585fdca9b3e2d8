/**
 * Input validation against a JSON Schema with `@cfworker/json-schema` (a standard validator for
 * any draft, so schemas written by hand work as well as the compiler's), reduced to one problem
 * per field. Shared by `run(input, { validate })` and `weft serve`.
 */
import { createRequire } from "node:module";
import { missingPeer } from "../peers/missing-peer.js";
import type { InputIssue } from "./types.js";

/** What weft uses of `@cfworker/json-schema`'s `Validator` (an optional peer). */
export interface JsonSchemaValidatorClass {
  new (
    schema: never,
    draft?: "4" | "7" | "2019-09" | "2020-12",
    shortCircuit?: boolean,
  ): {
    validate(input: unknown): {
      valid: boolean;
      errors: { keyword: string; instanceLocation: string; error: string }[];
    };
  };
}

let loaded: JsonSchemaValidatorClass | undefined;

/**
 * The validator class, loaded on first use. Loaded synchronously (the package ships CommonJS
 * too) so that `runSync` can validate and a run without a schema never loads it.
 */
export function jsonSchemaValidator(feature: string): JsonSchemaValidatorClass {
  if (loaded) return loaded;
  try {
    const mod = createRequire(import.meta.url)("@cfworker/json-schema") as {
      Validator: JsonSchemaValidatorClass;
    };
    loaded = mod.Validator;
  } catch (err) {
    throw missingPeer(err, "@cfworker/json-schema", feature) ?? err;
  }
  return loaded;
}

// Keywords whose errors only say "a part below did not match"; the part's own error says what.
const SUMMARY = new Set([
  "properties",
  "items",
  "prefixItems",
  "additionalItems",
  "$ref",
  "allOf",
  "patternProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "dependentSchemas",
  "false",
]);

/**
 * A checker for one schema: every problem of an input, empty when it is valid.
 *
 * @example
 * ```ts
 * const check = jsonSchemaChecker(schema, jsonSchemaValidator("validate"));
 * check({ n: "x" }); // [{ path: "input.n", message: "Instance type \"string\" is invalid. Expected \"number\"." }]
 * ```
 */
export function jsonSchemaChecker(
  schema: object,
  Validator: JsonSchemaValidatorClass,
): (input: unknown) => InputIssue[] {
  const draft = draftOf(schema);
  const validator = new Validator(schema as never, draft, false);
  return (input) => {
    const result = validator.validate(input);
    if (result.valid) return [];
    const problems: InputIssue[] = [];
    const seen = new Set<string>();
    for (const e of result.errors) {
      if (SUMMARY.has(e.keyword)) continue;
      let path = pointerToPath(e.instanceLocation);
      let message = e.error;
      const missing = /^Instance does not have required property "(.*)"\.$/.exec(message);
      if (e.keyword === "required" && missing) {
        path = `${path}.${missing[1]}`;
        message = "is required";
      }
      const extra = /^Property "(.*)" does not match additional properties schema\.$/.exec(message);
      if (e.keyword === "additionalProperties" && extra) {
        path = `${path}.${extra[1]}`;
        message = "is not a known field";
      }
      const key = `${path}\u0000${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({ path, message });
    }
    return problems.length > 0
      ? problems
      : [{ path: "input", message: "does not match the schema" }];
  };
}

function draftOf(schema: object): "4" | "7" | "2019-09" | "2020-12" {
  const id = (schema as { $schema?: unknown }).$schema;
  if (typeof id !== "string") return "2020-12";
  if (id.includes("draft-04")) return "4";
  if (id.includes("draft-06") || id.includes("draft-07")) return "7";
  if (id.includes("2019-09")) return "2019-09";
  return "2020-12";
}

/** `#/rows/2/age` → `input.rows[2].age`. */
function pointerToPath(pointer: string): string {
  let path = "input";
  for (const raw of pointer.replace(/^#\/?/, "").split("/")) {
    if (raw === "") continue;
    const part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    path += /^(0|[1-9]\d*)$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return path;
}
