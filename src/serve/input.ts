/**
 * Input validation against a workflow's JSON Schema with `@cfworker/json-schema` (see
 * `run/json-schema.ts`, shared with `run(input, { validate })`).
 */
import { Validator } from "@cfworker/json-schema";
import { jsonSchemaChecker, type JsonSchemaValidatorClass } from "../run/json-schema.js";
import type { InputIssue } from "../run/types.js";

/** One thing wrong with a run input. */
export type InputProblem = InputIssue;

/** A checker for one schema: every problem of an input, empty when it is valid. */
export function inputChecker(schema: object): (input: unknown) => InputProblem[] {
  return jsonSchemaChecker(schema, Validator as unknown as JsonSchemaValidatorClass);
}
