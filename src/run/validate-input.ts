/**
 * What a run input goes through before anything runs: its size (`maxInputBytes`), the
 * workflow's Standard Schema validator (zod, valibot, arktype...; its output is what nodes get)
 * and, with `validate`, a JSON Schema (the one `weft compile` writes). A refused input is an
 * {@link InputError} listing every issue; the run never starts (no events, no checkpoint).
 * Resumed runs are not checked again: they continue with the input their first start admitted.
 */
import { jsonSchemaChecker, jsonSchemaValidator } from "./json-schema.js";
import type { StandardIssue, StandardResult, StandardSchema } from "./standard-schema.js";
import { InputError, type InputIssue } from "./types.js";

/**
 * Run options about the input (of `wf.run`, `runSync`, `stream`, and of state machines).
 *
 * @example
 * ```ts
 * await wf.withInputSchema(schema).run(input, { maxInputBytes: 1 << 20 });
 * await wf.run(input, { validate: schema }); // a JSON Schema object for this run only
 * ```
 */
export interface InputRunOptions {
  /**
   * Check the input against a JSON Schema before the run starts: `true` uses the schema attached
   * with `wf.withInputSchema(schema)` or carried by a compiled graph (`graph.input.schema`);
   * an object is the JSON Schema itself; `false` skips an attached one. Default: check when a
   * schema is attached. Needs the optional peer `@cfworker/json-schema`.
   */
  validate?: boolean | object;
  /**
   * Refuse an input larger than this many bytes (its UTF-8 length for a string, its length for
   * bytes, its JSON length for other values, measured only up to the limit).
   */
  maxInputBytes?: number;
}

/** The schemas a workflow carries for its input. */
export interface InputSchemas {
  /** A Standard Schema validator (`dag(name, { input: schema })`): always applied. */
  standard?: StandardSchema;
  /** A JSON Schema attached with `withInputSchema`: applied unless `validate: false`. */
  json?: object;
}

/**
 * The value a run starts with: `input` once it passed the size limit and the schemas (a Standard
 * Schema may transform it). Synchronous unless the Standard Schema validates asynchronously,
 * which `sync` (runSync, a stepper) refuses. Throws an {@link InputError}.
 *
 * @param label - names the workflow in errors: `workflow 'etl'`, `machine 'light'`.
 * @param graphSchema - the graph's own input JSON Schema (compiled graphs), for `validate: true`.
 */
export function admitInput(
  label: string,
  schemas: InputSchemas | undefined,
  graphSchema: unknown,
  input: unknown,
  options: InputRunOptions,
  sync: boolean,
): unknown {
  const { validate, maxInputBytes } = options;
  // A workflow without schemas and a run without these options pay three property reads.
  if (schemas === undefined && validate === undefined && maxInputBytes === undefined) return input;
  if (maxInputBytes !== undefined) checkInputSize(label, input, maxInputBytes);
  const json = jsonSchemaOf(label, schemas, graphSchema, validate);
  if (json !== undefined) {
    const issues = jsonChecker(label, json)(input);
    if (issues.length > 0) throw refusal(label, issues);
  }
  const standard = schemas?.standard;
  return standard === undefined ? input : standardCheck(label, standard, input, sync);
}

function jsonSchemaOf(
  label: string,
  schemas: InputSchemas | undefined,
  graphSchema: unknown,
  validate: boolean | object | undefined,
): object | undefined {
  if (validate === false) return undefined;
  if (validate === undefined) return schemas?.json;
  if (validate === true) {
    const schema = schemas?.json ?? graphSchema;
    if (typeof schema === "object" && schema !== null) return schema;
    // A Standard Schema already validates: nothing more is asked for.
    if (schemas?.standard) return undefined;
    throw new InputError(
      `run option 'validate': ${label} has no JSON Schema for its input; attach the one ` +
        "`weft compile` writes (NAME.input.schema.json) with wf.withInputSchema(schema), or " +
        "pass the schema itself as 'validate'",
    );
  }
  if (typeof validate === "object" && validate !== null && !Array.isArray(validate)) {
    return validate;
  }
  throw new InputError(
    `run option 'validate' must be true, false or a JSON Schema object; got ${validate === null ? "null" : Array.isArray(validate) ? "an array" : typeof validate}`,
  );
}

const checkers = new WeakMap<object, (input: unknown) => InputIssue[]>();

function jsonChecker(label: string, schema: object): (input: unknown) => InputIssue[] {
  let check = checkers.get(schema);
  if (check) return check;
  const Validator = jsonSchemaValidator("run option 'validate'");
  try {
    check = jsonSchemaChecker(schema, Validator);
  } catch (err) {
    throw new InputError(
      `the input JSON Schema of ${label} is not a usable JSON Schema: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  checkers.set(schema, check);
  return check;
}

/** Validates with a Standard Schema: the schema's output value, or a promise of it. */
function standardCheck(
  label: string,
  schema: StandardSchema,
  input: unknown,
  sync: boolean,
): unknown {
  const std = schema["~standard"];
  let result: StandardResult<unknown> | Promise<StandardResult<unknown>>;
  try {
    result = std.validate(input);
  } catch (err) {
    throw schemaThrew(label, std.vendor, err);
  }
  if (typeof (result as { then?: unknown }).then === "function") {
    const pending = result as Promise<StandardResult<unknown>>;
    if (sync) {
      // Nobody waits for it: its outcome is this refusal, not an unhandled rejection.
      pending.then(undefined, () => undefined);
      throw new InputError(
        `${label}: its input schema (${std.vendor}) validates asynchronously, which runSync ` +
          "and start() cannot wait for; use run()",
      );
    }
    return Promise.resolve(pending).then(
      (r) => outcome(label, r),
      (err: unknown) => {
        throw schemaThrew(label, std.vendor, err);
      },
    );
  }
  return outcome(label, result as StandardResult<unknown>);
}

function outcome(label: string, r: StandardResult<unknown>): unknown {
  if (r.issues === undefined) return r.value;
  const issues = r.issues.map((i) => ({ path: issuePath(i), message: i.message }));
  throw refusal(label, issues.length > 0 ? issues : [{ path: "input", message: "is invalid" }]);
}

function schemaThrew(label: string, vendor: string, err: unknown): InputError {
  const e = new InputError(
    `${label}: its input schema (${vendor}) threw: ${err instanceof Error ? err.message : String(err)}`,
  );
  (e as { cause?: unknown }).cause = err;
  return e;
}

/** A Standard Schema issue's path as code reads it: `input.rows[2].age`. */
export function issuePath(issue: StandardIssue): string {
  let path = "input";
  for (const seg of issue.path ?? []) {
    const key = typeof seg === "object" && seg !== null ? seg.key : seg;
    if (typeof key === "number") path += `[${key}]`;
    else if (typeof key === "symbol") path += `[${key.toString()}]`;
    else path += /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return path;
}

/** The error for an input its schema refused: every issue, one per line. */
export function refusal(label: string, issues: InputIssue[]): InputError {
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
  return new InputError(
    `invalid input for ${label}; nothing was run (${issues.length} issue${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
    issues,
  );
}

/**
 * Refuses an input over `max` bytes. Strings and bytes are measured exactly without copying;
 * other values by the length of their JSON form, counted only until it passes `max`, so a huge
 * (or cyclic) value costs no more than the limit.
 *
 * @example
 * ```ts
 * checkInputSize("workflow 'etl'", "x".repeat(2048), 1024);
 * // InputError: workflow 'etl': the input is 2048 bytes, over maxInputBytes (1024)
 * ```
 */
export function checkInputSize(label: string, input: unknown, max: number): void {
  if (typeof max !== "number" || !(max >= 0)) {
    throw new InputError(
      `run option 'maxInputBytes' must be a number of bytes, 0 or more; got ${String(max)}`,
    );
  }
  const exact = byteLengthOf(input);
  if (exact !== undefined) {
    if (exact > max) {
      throw new InputError(`${label}: the input is ${exact} bytes, over maxInputBytes (${max})`);
    }
    return;
  }
  if (jsonLengthOver(input, max)) {
    throw new InputError(
      `${label}: the input is over maxInputBytes (${max}): its JSON form passed ${max} bytes (measuring stopped there)`,
    );
  }
}

function byteLengthOf(input: unknown): number | undefined {
  if (typeof input === "string") return Buffer.byteLength(input, "utf8");
  if (input instanceof ArrayBuffer) return input.byteLength;
  if (ArrayBuffer.isView(input)) return input.byteLength;
  return undefined;
}

/**
 * Whether the JSON form of `value` is longer than `max` bytes (exact for JSON data without
 * escaped characters; other values are counted as the codec stores them); stops past `max`.
 */
export function jsonLengthOver(value: unknown, max: number): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") total += Buffer.byteLength(v, "utf8") + 2;
    else if (typeof v === "number" || typeof v === "bigint") total += String(v).length;
    else if (typeof v === "boolean") total += v ? 4 : 5;
    else if (v === null || v === undefined) total += 4;
    else if (typeof v === "object") {
      const bytes = byteLengthOf(v);
      if (bytes !== undefined) total += bytes;
      else if (v instanceof Date) total += 26;
      else if (v instanceof Map) {
        total += 2;
        for (const [k, item] of v) stack.push(k, item);
      } else if (v instanceof Set || Array.isArray(v)) {
        // Brackets, and a comma between items.
        total += 1;
        let items = 0;
        for (const item of v as Iterable<unknown>) {
          items++;
          total += 1;
          stack.push(item);
          if (total > max) return true;
        }
        if (items === 0) total += 1;
      } else {
        // Braces, `"key":` and a comma between fields.
        total += 1;
        let fields = 0;
        for (const key in v) {
          if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
          fields++;
          total += Buffer.byteLength(key, "utf8") + 4;
          stack.push((v as Record<string, unknown>)[key]);
          if (total > max) return true;
        }
        if (fields === 0) total += 1;
      }
    }
    if (total > max) return true;
  }
  return false;
}
