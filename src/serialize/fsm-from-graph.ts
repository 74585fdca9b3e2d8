/** Rebuilding a runnable function-return state machine from its graph IR and a registry. */
import { fsm, type FsmMachine, type StateOptions } from "../fsm/fsm.js";
import type { FsmDefaults, StatePolicies } from "../fsm/policies.js";
import type { Graph, NodeOptionsData } from "../graph/types.js";
import type { RetryOptions } from "../run/options.js";
import { RegistryError } from "./errors.js";
import { unknownOptionNodes, type Registry } from "./from-graph.js";

/** Options of {@link fsmFromGraph}. */
export interface FsmFromGraphOptions {
  /**
   * Runtime-only state policies (hooks) by state name, merged over the retry and timeout the
   * graph records. Names the graph does not have are refused.
   */
  options?: Record<string, StatePolicies<never, unknown, never, never>>;
  /** Runtime-only defaults for every state (hooks), merged over the graph's `defaults`. */
  defaults?: FsmDefaults<never, string>;
}

/**
 * Rebuilds a function-return state machine (`fsm(...)`, graph `fsm.style: "function"`) from a
 * graph and a registry of handlers keyed by state name (or by the handler's own name, recorded
 * as `fn.name`, which is looked up first). States, initial and terminal states, `maxCycles`,
 * known transitions (`targets`, kept as each state's `to`), retry and timeout policies come from
 * the graph; hooks can be given in `options`. Event-driven machines (`machine(...)`) have guards
 * and actions per transition and are not rebuilt from data.
 *
 * Throws a {@link RegistryError} naming every state whose handler is missing or not a function.
 *
 * @example
 * ```ts
 * import { fsmFromGraph, parseGraph } from "weftjs";
 * const graph = parseGraph(await fs.readFile("light.graph.json", "utf8"));
 * const light = fsmFromGraph(graph, {
 *   red: () => next("green"),
 *   green: () => next("yellow"),
 *   yellow: () => next("red"),
 * });
 * const run = await light.run(undefined);
 * ```
 */
export function fsmFromGraph<I = unknown>(
  graph: Graph,
  registry: Registry,
  options: FsmFromGraphOptions = {},
): FsmMachine<I, string, Record<string, unknown>> {
  const available = Object.keys(registry).sort();
  const data = graph.kind === "fsm" ? graph.fsm : undefined;
  if (!data || data.style !== "function") {
    throw new RegistryError(
      graph.name,
      [
        {
          node: graph.name,
          message:
            graph.kind === "fsm"
              ? `'${graph.name}' is an event-driven machine; fsmFromGraph rebuilds function-return machines`
              : `'${graph.name}' is a DAG; rebuild it with fromGraph`,
        },
      ],
      available,
    );
  }
  const problems: { node: string; message: string }[] = [];
  const handlers = new Map<string, (...args: never[]) => unknown>();
  for (const node of graph.nodes) {
    const names = [...new Set([node.fn?.name, node.name].filter((n): n is string => !!n))];
    const key = names.find(
      (n) => Object.prototype.hasOwnProperty.call(registry, n) && registry[n] !== undefined,
    );
    const value = key === undefined ? undefined : registry[key];
    if (value === undefined) {
      problems.push({
        node: node.name,
        message: `missing handler: no entry ${names.map((n) => `'${n}'`).join(" or ")}`,
      });
    } else if (typeof value !== "function") {
      problems.push({
        node: node.name,
        message: `registry entry '${key}' is a ${typeof value}, not a function`,
      });
    } else {
      handlers.set(node.name, value);
    }
  }
  problems.push(
    ...unknownOptionNodes(
      options.options,
      graph.nodes.map((n) => n.name),
    ),
  );
  if (problems.length > 0) throw new RegistryError(graph.name, problems, available);

  let b = fsm<I>(graph.name)
    .states(...graph.nodes.map((n) => n.name))
    .initial(data.initial);
  for (const node of graph.nodes) {
    const given = options.options?.[node.name];
    const state: StateOptions<string, never, unknown, never, never> = {
      ...policies(node.options),
      ...(given ?? {}),
    };
    if (node.targets) state.to = node.targets;
    if (node.doc !== undefined) state.doc = node.doc;
    b = b.state(node.name, handlers.get(node.name) as never, state as never);
  }
  const defaults = { ...policies(graph.defaults), ...(options.defaults ?? {}) };
  return b.build({
    terminal: data.terminal,
    ...(data.maxCycles !== undefined ? { maxCycles: data.maxCycles } : {}),
    ...(Object.keys(defaults).length > 0 ? { defaults: defaults as never } : {}),
  }) as FsmMachine<I, string, Record<string, unknown>>;
}

/** The retry and timeout a state's option data stands for. */
function policies(data: NodeOptionsData | undefined): {
  retry?: RetryOptions;
  timeoutMs?: number;
} {
  const out: { retry?: RetryOptions; timeoutMs?: number } = {};
  if (data?.retry) out.retry = { ...data.retry };
  if (data?.timeoutMs !== undefined) out.timeoutMs = data.timeoutMs;
  return out;
}
