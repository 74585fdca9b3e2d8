/**
 * Input validation against a workflow's JSON Schema with `@cfworker/json-schema` (a standard
 * validator for any draft, so schemas written by hand work as well as the compiler's), reduced
 * to one problem per field.
 */
import { Validator, type Schema } from "@cfworker/json-schema";

/** One thing wrong with a run input. */
export interface InputProblem {
  /** Where: `input`, `input.rows[2].age`. */
  path: string;
  message: string;
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

/** A checker for one schema: every problem of an input, empty when it is valid. */
export function inputChecker(schema: object): (input: unknown) => InputProblem[] {
  const draft = draftOf(schema);
  const validator = new Validator(schema as Schema, draft, false);
  return (input) => {
    const result = validator.validate(input);
    if (result.valid) return [];
    const problems: InputProblem[] = [];
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
