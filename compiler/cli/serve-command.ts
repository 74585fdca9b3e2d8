/**
 * `weft serve FILE...`: reads the files' workflows without running them (for their input JSON
 * Schemas, types and docs), imports the modules, and serves the workflows over HTTP until
 * SIGINT or SIGTERM. The HTTP stack is loaded only here.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Graph } from "../../src/graph/types.js";
import type { ServableWorkflow, WorkflowEntry } from "../../src/serve/index.js";
import { formatDiagnostic } from "../diagnostics.js";
import { WeftProject } from "../project.js";
import { typeToJsonSchema } from "../schema/from-type.js";
import { reviveDates } from "../schema/revive.js";
import type { JsonSchema } from "../schema/types.js";
import { CliError, type CliIO } from "./output.js";

/** Options of `weft serve`. */
export interface ServeCommandOptions {
  port?: string;
  host?: string;
  checkpoint?: string;
  token?: string[];
  audit?: string;
  bodyLimit?: string;
  /** `--no-resume` sets it to false. */
  resume?: boolean;
}

/** Serves until a signal arrives; resolves to the exit code. */
export async function serveCommand(
  files: string[],
  options: ServeCommandOptions,
  io: CliIO,
  stop: Promise<string> = signalled(),
): Promise<number> {
  const port = options.port === undefined ? 8080 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be an integer from 0 to 65535, got '${options.port}'`);
  }
  let bodyLimit: number | undefined;
  if (options.bodyLimit !== undefined) {
    bodyLimit = Number(options.bodyLimit);
    if (!Number.isInteger(bodyLimit) || bodyLimit < 1) {
      throw new CliError(
        `--body-limit must be a positive integer (bytes), got '${options.bodyLimit}'`,
      );
    }
  }
  const token = tokens(options.token ?? (process.env.WEFT_TOKEN ? [process.env.WEFT_TOKEN] : []));

  // 1. Every workflow of the files, read statically: names, schemas, types, docs.
  const session = new WeftProject();
  const { workflows, diagnostics } = session.extract(files);
  const checker = () => session.project.getProgram().compilerObject.getTypeChecker();
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new CliError(errors.map(formatDiagnostic).join("\n"));
  if (workflows.length === 0) {
    throw new CliError(`${files.join(", ")}: no exported workflow found`);
  }

  // 2. The modules, for the runnable workflows.
  const entries: WorkflowEntry[] = [];
  const skipped: string[] = [];
  const modules = new Map<string, Record<string, unknown>>();
  for (const w of workflows) {
    const file = path.resolve(session.root, w.file);
    let mod = modules.get(file);
    if (!mod) {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      modules.set(file, mod);
    }
    const target = mod[w.exportName] as Partial<ServableWorkflow> | undefined;
    if (!target || typeof target.run !== "function" || !target.graph) {
      skipped.push(
        `${w.graph.name} (export ${w.exportName}: no run(); event-driven machines are driven from code)`,
      );
      continue;
    }
    const runnable = target as ServableWorkflow;
    const schema = w.inputSchema;
    // Each signal wait's payload schema, from its `signal<T>()` type (unexpressible parts, such
    // as functions, are left unconstrained, as for inputs).
    const signalSchemas: Record<string, JsonSchema> = {};
    for (const n of w.graph.nodes) {
      const type = n.wait?.for === "signal" ? w.facts.nodeTypes.get(n.name) : undefined;
      if (type) {
        signalSchemas[n.name] = typeToJsonSchema(
          checker(),
          type,
          "payload",
          `${w.graph.name} signal ${n.name}`,
        ).schema;
      }
    }
    entries.push({
      workflow: withGraph(runnable, w.graph),
      inputSchema: schema,
      prepareInput: (input) => reviveDates(input, schema),
      signalSchemas,
      prepareSignal: (name, payload) => {
        const s = signalSchemas[name];
        return s ? reviveDates(payload, s) : payload;
      },
    });
  }
  if (entries.length === 0) throw new CliError(`nothing to serve: ${skipped.join("; ")}`);
  for (const s of skipped) io.err.write(`weft serve: not served: ${s}\n`);

  // 3. Serve.
  const { serve } = await import("../../src/serve/index.js");
  const store = options.checkpoint
    ? (await import("../../src/run/store/sqlite.js")).sqliteStore(path.resolve(options.checkpoint))
    : undefined;
  const server = await serve({
    workflows: entries,
    port,
    hostname: options.host ?? "127.0.0.1",
    ...(store ? { store } : {}),
    ...(token ? { token } : {}),
    ...(bodyLimit !== undefined ? { bodyLimit } : {}),
    resumeInterrupted: options.resume !== false,
    audit: options.audit
      ? path.resolve(options.audit)
      : (entry) => io.err.write(`audit ${JSON.stringify(entry)}\n`),
  });
  io.out.write(
    `weft serve: listening on ${server.url} (workflows: ${entries.map((e) => e.workflow.name).join(", ")})\n`,
  );
  const why = await stop;
  io.err.write(`weft serve: ${why}, closing (runs in flight are cancelled)\n`);
  await server.close();
  store?.close();
  return 0;
}

/** The workflow, with the compiler's graph (types, docs, sources, input schema) for display. */
function withGraph(wf: ServableWorkflow, compiled: Graph): ServableWorkflow {
  const same =
    compiled.nodes.length === wf.graph.nodes.length &&
    compiled.nodes.every((n, i) => n.name === wf.graph.nodes[i]?.name);
  if (!same) return wf;
  return {
    kind: wf.kind,
    name: wf.name,
    graph: compiled,
    run: (input, opts) => wf.run(input, opts),
    ...(wf.resume ? { resume: (runId: string, opts) => wf.resume!(runId, opts) } : {}),
    ...(wf.signal
      ? { signal: (runId: string, name, payload, opts) => wf.signal!(runId, name, payload, opts) }
      : {}),
  };
}

/** `--token T` (named `token` in the audit log) or `--token NAME=T`, repeatable. */
function tokens(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    const [name, value] = eq > 0 ? [item.slice(0, eq), item.slice(eq + 1)] : ["token", item];
    if (value === "") throw new CliError(`--token ${item}: the token is empty`);
    if (name in out) throw new CliError(`--token: two tokens are named '${name}'`);
    out[name] = value;
  }
  return out;
}

function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(`received ${sig}`);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
