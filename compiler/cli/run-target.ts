/**
 * What `weft run` runs, from one of three kinds of file, each loading only what it needs:
 * - a TypeScript module: the input schema comes from its types (ts-morph, nothing executed), then
 *   the module is imported through tsx;
 * - a graph file (`.graph.json`/`.graph.yaml` from `weft compile`) with `--registry MODULE`: the
 *   graph is rebuilt with the module's exported functions (`fromGraph`); the input is checked
 *   against the `<name>.input.schema.json` emitted beside it, when there is one;
 * - a JavaScript module: its exported workflows are found at run time (no types, so no schema).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { dagFromGraph } from "../../src/dag/dag.js";
import type { AnyDag, NodeImpl } from "../../src/dag/dag-types.js";
import type { Graph } from "../../src/graph/types.js";
import type { RunRecord } from "../../src/run/types.js";
import { ParseError } from "../../src/serialize/errors.js";
import { fromGraph } from "../../src/serialize/from-graph.js";
import { parseGraph } from "../../src/serialize/graph-text.js";
import type { JsonSchema } from "../schema/types.js";
import { isGraphFile } from "./graph-file.js";
import { CliError } from "./output.js";
import { importModule, isTypeScript, loadPick } from "./peers.js";
import { loadRegistry } from "./registry-module.js";

/** A finished run as the CLI reads it. */
export interface RunOutcome {
  toJSON(): RunRecord;
  status: string;
}

/** What a loaded workflow offers (a DAG or a function-return machine). */
export interface Runnable {
  graph: Graph;
  run(input: unknown, options: Record<string, unknown>): Promise<RunOutcome>;
  resume?(runId: string, options: Record<string, unknown>): Promise<RunOutcome>;
}

/** A workflow to run, known before its code is loaded where the file allows. */
export interface RunTarget {
  /** Workflow name. */
  name: string;
  /** ` (file:line)` of its declaration, or empty. */
  where: string;
  /** Its input type as written in source, when known. */
  inputType?: string;
  /** JSON Schema of the input, when known (TypeScript source, compiled graph). */
  schema?: JsonSchema;
  /**
   * Loads the workflow's code. With `threads`, a DAG declared without `{ module: import.meta.url }`
   * gets the module reference the compiler recorded, so worker threads can load its functions.
   */
  load(options?: { threads?: boolean }): Promise<Runnable>;
}

/** Options `weft run` passes here. */
export interface TargetOptions {
  workflow?: string;
  registry?: string;
}

/** The workflow `file` (and `--workflow`, `--registry`) name. */
export async function runTarget(file: string, options: TargetOptions): Promise<RunTarget> {
  if (isGraphFile(file)) return graphTarget(file, options);
  if (options.registry !== undefined) {
    throw new CliError(`--registry applies to graph files (.graph.json, .graph.yaml), not ${file}`);
  }
  return isTypeScript(file) ? sourceTarget(file, options.workflow) : moduleTarget(file, options);
}

async function sourceTarget(file: string, name: string | undefined): Promise<RunTarget> {
  const { pickWorkflow } = await loadPick(`weft run of TypeScript source (${file})`);
  const { workflow } = pickWorkflow(file, name);
  const src = workflow.graph.source;
  return {
    name: workflow.graph.name,
    where: src ? ` (${src.file}:${src.line})` : "",
    inputType: workflow.graph.input?.type,
    schema: workflow.inputSchema,
    async load(opts) {
      const mod = await importModule(file);
      const target = mod[workflow.exportName];
      if (!isRunnable(target)) {
        throw new CliError(
          `export '${workflow.exportName}' of ${file} is not a runnable workflow` +
            (workflow.graph.kind === "fsm" && workflow.graph.fsm?.style === "event"
              ? " (event-driven machines are driven with start()/send() from code)"
              : ""),
        );
      }
      if (opts?.threads && target.graph.kind === "dag" && !target.graph.module?.module) {
        return withModule(target, { ...workflow.graph.module, module: path.resolve(file) });
      }
      return target;
    },
  };
}

/** The same DAG, its graph carrying the module reference worker threads import it by. */
function withModule(target: Runnable, module: NonNullable<Graph["module"]>): Runnable {
  const dag = target as unknown as AnyDag;
  const impls: Record<string, NodeImpl> = {};
  for (const node of dag.graph.nodes) {
    const impl = dag.impl(node.name);
    if (impl) impls[node.name] = impl;
  }
  return dagFromGraph({ ...dag.graph, module }, impls) as unknown as Runnable;
}

async function moduleTarget(file: string, options: TargetOptions): Promise<RunTarget> {
  const mod = await importModule(file);
  const found = Object.entries(mod).filter(
    (e): e is [string, Runnable] => isRunnable(e[1]) && e[0] !== "default",
  );
  if (isRunnable(mod.default)) found.push(["default", mod.default]);
  if (found.length === 0) {
    throw new CliError(`${file}: no exported workflow found (export a built dag(...) or fsm(...))`);
  }
  const listing = found.map(([exp, w]) => `'${w.graph.name}' (export ${exp})`).join(", ");
  let picked: Runnable | undefined;
  if (options.workflow !== undefined) {
    picked =
      found.find(([, w]) => w.graph.name === options.workflow)?.[1] ??
      found.find(([exp]) => exp === options.workflow)?.[1];
    if (!picked) {
      throw new CliError(
        `${file}: no workflow named '${options.workflow}'; the file has ${listing}`,
      );
    }
  } else if (found.length === 1) {
    picked = found[0][1];
  } else {
    throw new CliError(
      `${file} has ${found.length} workflows, pick one with --workflow: ${listing}`,
    );
  }
  const runnable = picked;
  return {
    name: runnable.graph.name,
    where: "",
    inputType: runnable.graph.input?.type,
    load: () => Promise.resolve(runnable),
  };
}

async function graphTarget(file: string, options: TargetOptions): Promise<RunTarget> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read '${file}': ${(err as Error).message}`);
  }
  let graph: Graph;
  try {
    graph = parseGraph(text, { file });
  } catch (err) {
    if (err instanceof ParseError) throw new CliError(err.message);
    throw err;
  }
  if (options.registry === undefined) {
    throw new CliError(
      `${file} is a graph file: it holds the workflow's shape, not its code; pass ` +
        `--registry MODULE, a module exporting the node functions by name (or run the source file)`,
    );
  }
  if (options.workflow !== undefined && options.workflow !== graph.name) {
    throw new CliError(`${file} holds workflow '${graph.name}', not '${options.workflow}'`);
  }
  const registry = options.registry;
  const schemaFile = path.join(path.dirname(file), `${graph.name}.input.schema.json`);
  return {
    name: graph.name,
    where: graph.source ? ` (${graph.source.file}:${graph.source.line})` : "",
    inputType: graph.input?.type,
    schema: existsSync(schemaFile) ? readSchema(schemaFile) : undefined,
    async load() {
      const reg = await loadRegistry(registry);
      try {
        return fromGraph(graph, reg) as unknown as Runnable;
      } catch (err) {
        throw new CliError(`${registry}: ${(err as Error).message}`);
      }
    },
  };
}

function readSchema(file: string): JsonSchema {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as JsonSchema;
  } catch (err) {
    throw new CliError(`cannot read input schema '${file}': ${(err as Error).message}`);
  }
}

function isRunnable(value: unknown): value is Runnable {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { run?: unknown }).run === "function" &&
    typeof (value as { graph?: unknown }).graph === "object"
  );
}
