/**
 * Property testing from types: a fast-check arbitrary built from a workflow's input JSON Schema
 * (the `NAME.input.schema.json` that `weft compile` writes), and a helper that runs a workflow on
 * generated inputs until every condition branch and select case has run.
 */
import type { Arbitrary } from "fast-check";
import fc from "./fast-check.js";
import { INPUT, type Graph } from "../graph/types.js";
import type { RunRecord } from "../run/types.js";

/** The JSON Schema subset `weft compile` emits (see docs/compiler-and-cli.md). */
export interface InputSchema {
  $ref?: string;
  $defs?: Record<string, InputSchema>;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: InputSchema[];
  not?: InputSchema;
  properties?: Record<string, InputSchema>;
  required?: string[];
  additionalProperties?: boolean | InputSchema;
  items?: InputSchema | false;
  prefixItems?: InputSchema[];
  minItems?: number;
  maxItems?: number;
  format?: string;
  /** The TypeScript type a JSON value stands for: `"Date"` strings, `"undefined"` nulls. */
  tsType?: string;
}

/** Options of {@link arbitraryFromSchema}. */
export interface FromSchemaOptions {
  /**
   * Arbitraries to use at given paths instead of the schema's (`"input.ticket.text"`), to steer
   * generation towards interesting values.
   */
  overrides?: Record<string, Arbitrary<unknown>>;
  /** How deep recursive types (`$ref`) unfold. Default 3. */
  maxDepth?: number;
  /** Longest generated array. Default 5. */
  maxLength?: number;
  /**
   * Generate JSON values (ISO strings for `Date` fields, `null` for a missing input) instead of
   * the values a workflow receives at run time. Default false.
   */
  json?: boolean;
}

/**
 * An arbitrary of the values a JSON Schema emitted by `weft compile` accepts. Required
 * properties are always present, optional ones sometimes; `Date` fields are `Date`s (ISO strings
 * with `json: true`).
 *
 * @example
 * ```ts
 * import schema from "./out/refunds.input.schema.json" with { type: "json" };
 * fc.assert(fc.asyncProperty(arbitraryFromSchema(schema), async (input) => {
 *   expect((await refunds.run(input)).status).toBe("completed");
 * }));
 * ```
 */
export function arbitraryFromSchema(
  schema: InputSchema,
  options: FromSchemaOptions = {},
): Arbitrary<unknown> {
  const ctx: Ctx = {
    root: schema,
    overrides: options.overrides ?? {},
    maxDepth: options.maxDepth ?? 3,
    maxLength: options.maxLength ?? 5,
    json: options.json ?? false,
  };
  return build(schema, INPUT, ctx, 0);
}

interface Ctx {
  root: InputSchema;
  overrides: Record<string, Arbitrary<unknown>>;
  maxDepth: number;
  maxLength: number;
  json: boolean;
}

function build(s: InputSchema, path: string, ctx: Ctx, depth: number): Arbitrary<unknown> {
  const override = ctx.overrides[path];
  if (override) return override;
  if (s.$ref !== undefined) {
    const name = s.$ref.replace(/^#\/\$defs\//, "");
    const target = ctx.root.$defs?.[name];
    if (!target) throw new Error(`schema reference '${s.$ref}' at ${path} cannot be resolved`);
    return build(target, path, ctx, depth + 1);
  }
  if (s.tsType === "undefined") return ctx.json ? fc.constant(null) : fc.constant(undefined);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) {
    // Past the depth limit, prefer branches that do not recurse.
    const branches = depth >= ctx.maxDepth ? s.anyOf.filter((b) => b.$ref === undefined) : s.anyOf;
    return fc.oneof(
      ...(branches.length ? branches : s.anyOf).map((b) => build(b, path, ctx, depth)),
    );
  }
  if (s.not && Object.keys(s.not).length === 0) {
    throw new Error(`no value fits the schema at ${path}`);
  }
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length > 1)
    return fc.oneof(...types.map((t) => build({ ...s, type: t }, path, ctx, depth)));
  switch (types[0]) {
    case "string":
      if (s.format === "date-time") {
        const date = fc.date({
          min: new Date("1970-01-01T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        });
        return s.tsType === "Date" && !ctx.json ? date : date.map((d) => d.toISOString());
      }
      return fc.string();
    case "number":
      return fc.oneof(
        fc.integer({ min: -1000, max: 1000 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
      );
    case "integer":
      return fc.integer();
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return array(s, path, ctx, depth);
    case "object":
      return object(s, path, ctx, depth);
    default:
      return fc.jsonValue();
  }
}

function array(s: InputSchema, path: string, ctx: Ctx, depth: number): Arbitrary<unknown> {
  if (s.prefixItems) {
    const min = s.minItems ?? s.prefixItems.length;
    const fixed = s.prefixItems.map((p, i) => build(p, `${path}[${i}]`, ctx, depth));
    // Optional tuple elements: any prefix at least `min` long.
    const lengths = Array.from({ length: s.prefixItems.length - min + 1 }, (_, i) => min + i);
    return fc.constantFrom(...lengths).chain((n) => fc.tuple(...fixed.slice(0, n)));
  }
  if (s.items === false) return fc.constant([]);
  const max = depth >= ctx.maxDepth ? 0 : Math.min(s.maxItems ?? ctx.maxLength, ctx.maxLength);
  const item = s.items && max > 0 ? build(s.items, `${path}[]`, ctx, depth + 1) : fc.constant(null);
  return fc.array(item, { minLength: Math.min(s.minItems ?? 0, max), maxLength: max });
}

function object(s: InputSchema, path: string, ctx: Ctx, depth: number): Arbitrary<unknown> {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const record: Record<string, Arbitrary<unknown>> = {};
  const keys: string[] = [];
  for (const [name, p] of Object.entries(props)) {
    // Past the depth limit optional properties are left out, so recursion ends.
    if (!required.has(name) && depth >= ctx.maxDepth) continue;
    record[name] = build(p, `${path}.${name}`, ctx, depth);
    if (required.has(name)) keys.push(name);
  }
  const fixed = fc.record(record, { requiredKeys: keys });
  const extra = s.additionalProperties;
  if (!extra || depth >= ctx.maxDepth) return fixed;
  const values = extra === true ? fc.jsonValue() : build(extra, `${path}[string]`, ctx, depth + 1);
  const dict = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in props) && k !== "__proto__"),
    values,
    { maxKeys: 3 },
  );
  return fc.tuple(fixed, dict).map(([a, b]) => ({ ...b, ...a }));
}

/** A workflow `coverBranches` can run: a DAG (or anything that runs and reports a record). */
export interface CoverableWorkflow {
  readonly graph: Graph;
  run(input: never, options?: never): Promise<{ toJSON(): RunRecord }>;
}

/** Options of {@link coverBranches}. */
export interface CoverOptions {
  /** Most inputs to try. Default 200. */
  maxRuns?: number;
  /** fast-check seed, for reproducible generation. */
  seed?: number;
  /**
   * Select cases to cover, by node (`{ route: ["billing", "desk"] }`), for selects whose cases
   * the graph does not list. By default: the ports of a compiled graph, or the cases downstream
   * nodes depend on.
   */
  cases?: Record<string, string[]>;
}

/** What {@link coverBranches} found. */
export interface Coverage {
  /** Every branch to cover, as `node.port` (`big.true`, `route.billing`). */
  branches: string[];
  /** Branches some generated input took, with the first such input. */
  covered: Record<string, unknown>;
  /** Branches no generated input reached. */
  missed: string[];
  /** Inputs tried. */
  runs: number;
  /** Runs that did not complete, with the input and the first error (they count as tried). */
  failures: { input: unknown; error: string }[];
}

/**
 * Runs `workflow` on inputs from `arbitrary` until every condition branch (`true`/`false`) and
 * every select case has run at least once, or `maxRuns` inputs were tried; reports the branches
 * no input reached (so a generator can be steered, or dead branches found).
 *
 * @example
 * ```ts
 * const coverage = await coverBranches(refunds, arbitraryFromSchema(schema), { maxRuns: 100 });
 * expect(coverage.missed).toEqual([]);
 * ```
 */
export async function coverBranches(
  workflow: CoverableWorkflow,
  arbitrary: Arbitrary<unknown>,
  options: CoverOptions = {},
): Promise<Coverage> {
  const maxRuns = options.maxRuns ?? 200;
  const branches = branchesOf(workflow.graph, options.cases ?? {});
  const covered: Record<string, unknown> = {};
  const failures: Coverage["failures"] = [];
  const run = workflow.run as (input: unknown) => Promise<{ toJSON(): RunRecord }>;
  let runs = 0;
  const batch = 25;
  let seed = options.seed ?? Date.now();
  while (runs < maxRuns && Object.keys(covered).length < branches.length) {
    const inputs = fc.sample(arbitrary, { numRuns: Math.min(batch, maxRuns - runs), seed: seed++ });
    for (const input of inputs) {
      if (runs >= maxRuns || Object.keys(covered).length === branches.length) break;
      runs++;
      const record = (await run.call(workflow, input)).toJSON();
      if (record.errors.length > 0) failures.push({ input, error: record.errors[0].message });
      for (const [node, n] of Object.entries(record.nodes)) {
        if (n.status !== "completed") continue;
        const taken = takenPort(n.result);
        if (taken === undefined) continue;
        const key = `${node}.${taken}`;
        if (branches.includes(key) && !(key in covered)) covered[key] = input;
      }
    }
  }
  return {
    branches,
    covered,
    missed: branches.filter((b) => !(b in covered)),
    runs,
    failures,
  };
}

/** `node.port` of every condition branch and known select case, in graph order. */
function branchesOf(graph: Graph, cases: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const n of graph.nodes) {
    if (n.kind === "condition") out.push(`${n.name}.true`, `${n.name}.false`);
    if (n.kind !== "select") continue;
    const known = new Set(cases[n.name] ?? n.ports ?? []);
    if (!cases[n.name]) {
      for (const e of graph.edges) {
        if (e.from === n.name && e.port !== undefined) known.add(e.port.split(".")[0]);
      }
    }
    for (const c of known) out.push(`${n.name}.${c}`);
  }
  return out;
}

/** The port a condition (`{ branch }`) or select (`{ case }`) result took. */
function takenPort(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const r = result as { branch?: unknown; case?: unknown };
  if (r.branch === "true" || r.branch === "false") return r.branch;
  return typeof r.case === "string" ? r.case : undefined;
}
