/** Rebuilding a runnable DAG from its graph IR and a registry of named functions (never eval). */
import { isDag } from "../dag/builder.js";
import { dagFromGraph } from "../dag/dag.js";
import type { AnyDag, Dag, NodeImpl } from "../dag/dag-types.js";
import { graphHash } from "../graph/hash.js";
import { nearestName } from "../graph/nearest-name.js";
import type { Graph, GraphNode, NodeOptionsData } from "../graph/types.js";
import type { NodeOptions } from "../run/options.js";
import { RegistryError } from "./errors.js";
import { isFunctionRegistry, type FunctionRegistry } from "../registry/registry.js";
import { parseFunctionRef } from "../registry/ref.js";

/** A node function as stored in a registry: any function; its arguments are checked at run time. */
export type RegistryFunction = (...args: never[]) => unknown;

/** What a registry needs of a sub-workflow: any built DAG (`dag(...).build()`) has this shape. */
export interface RegistryWorkflow {
  readonly kind: "dag";
  readonly name: string;
  readonly graph: Graph;
}

/**
 * Named node functions and sub-workflows that {@link fromGraph} wires into a graph. Entries that
 * are `undefined` count as absent.
 */
export type Registry = Readonly<Record<string, RegistryFunction | RegistryWorkflow | undefined>>;

/** Options of {@link fromGraph}. */
export interface FromGraphOptions {
  /**
   * Runtime-only node options (hooks, cache keys and stores, compensations, retry predicates,
   * non-JSON fallbacks) by node name (`"sub.node"` inside a rebuilt sub-workflow); merged over
   * the options recorded in the graph, which cannot hold functions.
   */
  options?: Record<string, NodeOptions<never, unknown>>;
}

/**
 * Rebuilds a runnable DAG from a graph (as read by `parseGraph`) and a registry. The types of
 * the input (`I`) and output (`O`) cannot be known from data; state them if you know them. Each node's
 * function is looked up by `node.fn.name`, then `node.fn.export`, then the node's name; a `sub`
 * node's workflow by its subgraph's name, then the node's name, and if neither is there it is
 * rebuilt from the embedded subgraph with the same registry. Policies recorded in the graph
 * (retry, timeout, runIf, concurrency, stream buffer, cache TTL, fallback, circuit breaker, cost) come back;
 * runtime-only options can be given in `options.options`.
 *
 * Throws a {@link RegistryError} naming every node whose function is missing, what was looked
 * for, and what the registry has.
 *
 * With a versioned registry (`registry().add(name, version, fn)`), a node's `fn` names a
 * function and a semver range (`fn: "resize@^1.2"`, or `{ name, version }`): the highest version
 * in the range runs; without a range, the highest stable version. No match is a
 * {@link RegistryError} listing the versions that exist. The version chosen shows in the run
 * record (`nodes.resize.version`) and is kept with the checkpoint; a resume refuses another.
 *
 * @example
 * ```ts
 * import { fromGraph, parseGraph } from "weftjs";
 * const graph = parseGraph(await fs.readFile("etl.graph.yaml", "utf8"), { file: "etl.graph.yaml" });
 * const etl = fromGraph(graph, { readRows, cleanRows, batchLoad, inlineLoad, notify });
 * const run = await etl.run({ path: "a.csv", minAge: 18 });
 * ```
 */
export function fromGraph<I = unknown, O = unknown>(
  graph: Graph,
  registry: Registry | FunctionRegistry,
  options: FromGraphOptions = {},
): Dag<I, Record<string, unknown>, O> {
  const problems: { node: string; message: string }[] = [];
  const known: string[] = [];
  const dag = rebuild(graph, registry, options, undefined, problems, known);
  problems.push(...unknownOptionNodes(options.options, known));
  if (!dag || problems.length > 0) {
    const available = isFunctionRegistry(registry) ? registry.list() : Object.keys(registry).sort();
    throw new RegistryError(graph.name, problems, available);
  }
  // Types are not known from data: references are plain strings, input and output as asked.
  return dag as unknown as Dag<I, Record<string, unknown>, O>;
}

function rebuild(
  graph: Graph,
  registry: Registry | FunctionRegistry,
  options: FromGraphOptions,
  scope: string | undefined,
  problems: { node: string; message: string }[],
  known: string[],
): AnyDag | undefined {
  if (graph.kind !== "dag") {
    problems.push({
      node: scope ?? graph.name,
      message: `'${graph.name}' is a state machine; fromGraph rebuilds DAG workflows (use fsmFromGraph for a function-return machine)`,
    });
    return undefined;
  }
  const impls: Record<string, NodeImpl> = {};
  const before = problems.length;
  for (const node of graph.nodes) {
    const path = scope ? `${scope}.${node.name}` : node.name;
    known.push(path);
    const impl: NodeImpl = {};
    const given =
      options.options && Object.prototype.hasOwnProperty.call(options.options, path)
        ? options.options[path]
        : undefined;
    const opts = mergeOptions(runtimeOptions(node.options), given);
    if (opts) impl.options = opts;
    if (node.kind === "sub") {
      const sub = findSub(node, registry, options, path, problems, known);
      if (sub) impl.sub = sub;
    } else if (node.kind !== "wait") {
      // A wait node has no function: a signal or its deadline ends it.
      if (isFunctionRegistry(registry)) {
        const hit = findVersioned(node, registry, path, problems);
        if (hit) {
          impl.fn = hit.fn as NodeImpl["fn"];
          impl.version = hit.version;
        }
      } else {
        const fn = findFn(node, registry, path, problems);
        if (fn) impl.fn = fn as NodeImpl["fn"];
      }
    }
    impls[node.name] = impl;
  }
  return problems.length === before ? dagFromGraph(graph, impls) : undefined;
}

/** The names a node's function is looked up by, in order, without repeats. */
function candidates(...names: (string | undefined)[]): string[] {
  return [...new Set(names.filter((n): n is string => typeof n === "string" && n.length > 0))];
}

function lookup(
  registry: Registry,
  names: string[],
): { key: string; value: RegistryFunction | RegistryWorkflow } | undefined {
  for (const key of names) {
    const value = Object.prototype.hasOwnProperty.call(registry, key) ? registry[key] : undefined;
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

function findFn(
  node: GraphNode,
  registry: Registry,
  path: string,
  problems: { node: string; message: string }[],
): RegistryFunction | undefined {
  const names = candidates(node.fn?.name, node.fn?.export, node.name);
  const hit = lookup(registry, names);
  if (!hit) {
    problems.push({
      node: path,
      message: `missing function: no entry ${names.map((n) => `'${n}'`).join(" or ")}`,
    });
    return undefined;
  }
  if (typeof hit.value !== "function") {
    problems.push({
      node: path,
      message: `registry entry '${hit.key}' is ${isDag(hit.value) ? "a workflow" : `a ${typeof hit.value}`}, not a function`,
    });
    return undefined;
  }
  return hit.value;
}

/**
 * A node's function from a versioned registry: the first of its candidate names the registry
 * has, at the highest version its range allows.
 */
function findVersioned(
  node: GraphNode,
  registry: FunctionRegistry,
  path: string,
  problems: { node: string; message: string }[],
): { fn: RegistryFunction; version: string } | undefined {
  // `fn.name` may carry the range itself ("resize@^1.2") when the graph was written that way.
  const own = node.fn?.name !== undefined ? parseFunctionRef(node.fn.name) : undefined;
  const range = node.fn?.version ?? own?.version;
  // A range belongs to the function it names: the node's own name is tried only when the graph
  // names no function (an inline one in source).
  const named = candidates(own?.name, node.fn?.export);
  const names = named.length > 0 ? named : [node.name];
  const name = names.find((n) => registry.has(n));
  if (name === undefined) {
    problems.push({
      node: path,
      message: `missing function: no entry ${names.map((n) => `'${n}'`).join(" or ")}`,
    });
    return undefined;
  }
  const r = registry.tryResolve({ name, ...(range !== undefined ? { version: range } : {}) });
  if ("message" in r) {
    problems.push({ node: path, message: r.message });
    return undefined;
  }
  return r;
}

function findSub(
  node: GraphNode,
  registry: Registry | FunctionRegistry,
  options: FromGraphOptions,
  path: string,
  problems: { node: string; message: string }[],
  known: string[],
): AnyDag | undefined {
  const names = candidates(node.subgraph?.name, node.name);
  // A versioned registry holds functions: sub-workflows are rebuilt from their subgraphs.
  const hit = isFunctionRegistry(registry) ? undefined : lookup(registry, names);
  if (hit) {
    if (!isDag(hit.value)) {
      problems.push({
        node: path,
        message: `registry entry '${hit.key}' is not a workflow (a sub node needs a built DAG)`,
      });
      return undefined;
    }
    if (node.subgraph && graphHash(hit.value.graph) !== graphHash(node.subgraph)) {
      problems.push({
        node: path,
        message: `registry workflow '${hit.key}' does not match the node's subgraph '${node.subgraph.name}' (different nodes or edges)`,
      });
      return undefined;
    }
    // A value with kind "dag" is a built workflow (checked by isDag above).
    return hit.value as unknown as AnyDag;
  }
  if (node.subgraph) return rebuild(node.subgraph, registry, options, path, problems, known);
  problems.push({
    node: path,
    message: `missing workflow: no entry ${names.map((n) => `'${n}'`).join(" or ")}, and the graph has no subgraph to rebuild it from`,
  });
  return undefined;
}

/**
 * Options given for nodes the graph does not have (a typo, or a node inside a sub-workflow that
 * comes from the registry and so is not rebuilt here) would be silently ignored: refuse them.
 */
export function unknownOptionNodes(
  given: Record<string, unknown> | undefined,
  known: readonly string[],
): { node: string; message: string }[] {
  if (!given) return [];
  const set = new Set(known);
  const out: { node: string; message: string }[] = [];
  for (const key of Object.keys(given)) {
    if (set.has(key) || given[key] === undefined) continue;
    const near = nearestName(key, known);
    out.push({
      node: key,
      message: `options are given for node '${key}', which the graph does not have${near ? ` (did you mean '${near}'?)` : ""}`,
    });
  }
  return out;
}

/** The runtime options the graph's option data stands for. */
function runtimeOptions(
  data: NodeOptionsData | undefined,
): NodeOptions<never, unknown> | undefined {
  if (!data) return undefined;
  const o: NodeOptions<never, unknown> = {};
  if (data.retry) o.retry = { ...data.retry };
  if (data.timeoutMs !== undefined) o.timeoutMs = data.timeoutMs;
  if (data.runIf !== undefined) o.runIf = data.runIf;
  if (data.concurrency !== undefined) o.concurrency = data.concurrency;
  if (data.buffer !== undefined) o.buffer = data.buffer;
  if (data.cache) o.cache = data.cache.ttlMs !== undefined ? { ttlMs: data.cache.ttlMs } : true;
  if (data.fallback !== undefined) o.fallback = data.fallback;
  const cb = data.circuitBreaker;
  if (cb && cb.threshold !== undefined && cb.resetMs !== undefined) {
    o.circuitBreaker = {
      threshold: cb.threshold,
      resetMs: cb.resetMs,
      ...(cb.name !== undefined ? { name: cb.name } : {}),
    };
  }
  if (data.cost !== undefined) o.cost = data.cost;
  return Object.keys(o).length > 0 ? o : undefined;
}

function mergeOptions(
  base: NodeOptions<never, unknown> | undefined,
  extra: NodeOptions<never, unknown> | undefined,
): NodeOptions<never, unknown> | undefined {
  if (!extra) return base;
  if (!base) return extra;
  return { ...base, ...extra, retry: extra.retry ?? base.retry };
}
