/**
 * `weft serve FILE...`: reads the files' workflows without running them (for their input JSON
 * Schemas, types and docs), imports the modules, and serves the workflows over HTTP until
 * SIGINT or SIGTERM. The HTTP stack is loaded only here.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Graph } from "../../src/graph/types.js";
import type { BuiltWorkflow, EngineWorker, RedisEngine } from "../../src/distributed/index.js";
import type { ServableWorkflow, ServeStore, WorkflowEntry } from "../../src/serve/index.js";
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
  /** Run workflows on the distributed engine on this Redis. */
  redis?: string;
  /** Key prefix on Redis (the engine's and the server's), default `weft`. */
  prefix?: string;
  /** `--no-worker` sets it to false: only enqueue, `weft worker` processes run the jobs. */
  worker?: boolean;
  /** Concurrency of the in-process worker. */
  concurrency?: string;
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
  if (options.redis !== undefined && options.checkpoint !== undefined) {
    throw new CliError(
      "--checkpoint and --redis exclude each other: with --redis, runs and their records live in Redis",
    );
  }
  if (options.redis === undefined && (options.worker === false || options.prefix !== undefined)) {
    throw new CliError(
      `${options.prefix !== undefined ? "--prefix" : "--no-worker"} needs --redis`,
    );
  }
  let concurrency: number | undefined;
  if (options.concurrency !== undefined) {
    concurrency = Number(options.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new CliError(`--concurrency must be a positive integer, got '${options.concurrency}'`);
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
  const runnables: ServableWorkflow[] = [];
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
    runnables.push(runnable);
    entries.push({
      workflow: runnable,
      ...(sameNodes(runnable.graph, w.graph) ? { graph: w.graph } : {}),
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

  // 3. Serve: on the distributed engine with --redis (BullMQ and ioredis load only then).
  const { serve } = await import("../../src/serve/index.js");
  let store: ServeStore | undefined;
  let engine: RedisEngine | undefined;
  let worker: EngineWorker | undefined;
  if (options.redis !== undefined) {
    const prefix = options.prefix ?? "weft";
    const distributed = await import("../../src/distributed/index.js");
    engine = distributed.redisEngine({ connection: options.redis, prefix });
    store = distributed.redisStore({ connection: options.redis, prefix: `${prefix}:serve` });
    if (options.worker !== false) {
      worker = engine.worker(runnables as BuiltWorkflow[], {
        ...(concurrency !== undefined ? { concurrency } : {}),
      });
    }
  } else if (options.checkpoint) {
    store = (await import("../../src/run/store/sqlite.js")).sqliteStore(
      path.resolve(options.checkpoint),
    );
  }
  const server = await serve({
    workflows: entries,
    ...(engine ? { engine } : {}),
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
    `weft serve: listening on ${server.url} (workflows: ${entries.map((e) => e.workflow.name).join(", ")})${engine ? ` on ${options.redis}${worker ? " with a worker" : ", no worker"}` : ""}\n`,
  );
  const why = await stop;
  io.err.write(
    `weft serve: ${why}, closing (${engine ? "runs go on in Redis" : "runs in flight are cancelled"})\n`,
  );
  await server.close();
  await worker?.close();
  await engine?.close();
  await store?.close?.();
  return 0;
}

/** Whether the compiler's graph (types, docs, sources, input schema) can stand for the workflow's. */
function sameNodes(own: Graph, compiled: Graph): boolean {
  return (
    compiled.nodes.length === own.nodes.length &&
    compiled.nodes.every((n, i) => n.name === own.nodes[i]?.name)
  );
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
