/**
 * Turns a graph and its node implementations into flat arrays the scheduler walks without maps or
 * string work: node indices, argument bindings, predecessor counts and priorities. Done once per
 * workflow and cached.
 */
import { indexGraph, topologicalOrder } from "../graph/analysis.js";
import { INPUT, type Graph, type NodeKind, type RunIf } from "../graph/types.js";
import type { NodeImpl } from "../dag/dag-types.js";
import type { NodeOptions } from "./options.js";
import type { ExecutionPlan } from "../plan/types.js";
import { checkNodeDurations } from "./check-options.js";

/** Where one argument value comes from. `node` is -1 for the run input. */
export interface Source {
  node: number;
  /** The port path: a branch or case first for conditions and selects, then fields. */
  path: string[];
  /** `"from"` tag of an `.any` candidate: the reference as written. */
  ref: string;
}

/** One argument of a node: a single source, or an ordered list for `.any` joins. */
export interface Binding {
  /** `undefined`: the value is the whole argument (`.then`, whole-input `.sub`). */
  param: string | undefined;
  sources: Source[];
  any: boolean;
}

export interface Prepared {
  graph: Graph;
  n: number;
  names: string[];
  index: Map<string, number>;
  kinds: NodeKind[];
  runIf: RunIf[];
  bindings: Binding[][];
  preds: number[][];
  succs: number[][];
  /** Predecessor counts, copied per run as the countdown to a node being ready. */
  predCount: Int32Array;
  /**
   * Successors packed for the scheduler's hot loop, highest priority first: node `i`'s are
   * `succAt[succOff[i] .. succOff[i + 1]]`.
   */
  succOff: Int32Array;
  succAt: Int32Array;
  /**
   * Nodes whose every argument is one plain reference (no `.any`, no port path), so building their
   * arguments touches no binding records: 1 for those, 0 for the rest.
   */
  plainArgs: Uint8Array;
  /**
   * For those nodes: their arguments' sources, `argSrc[argOff[i] .. argOff[i + 1]]` (-1: the run
   * input)...
   */
  argOff: Int32Array;
  argSrc: Int32Array;
  /** ...and parameter names (`undefined`: the value is the whole argument). */
  argName: (string | undefined)[];
  impls: NodeImpl[];
  /** Each node's options with the workflow defaults merged in (undefined when it has none). */
  options: (NodeOptions<never, unknown> | undefined)[];
  /** Longest path (by cost) from each node to a sink: the scheduling priority. */
  priority: Float64Array;
  /**
   * The next node of a fused linear chain, or -1: `i` feeds only `chainNext[i]`, which is fed only
   * by `i`, so the scheduler starts it straight away without queueing it.
   */
  chainNext: Int32Array;
  /**
   * `chainNext[i]` when both ends are tasks and the next one is called directly (`direct`), so a
   * run nobody observes can hand over from `i` to it inline; -1 otherwise.
   */
  laneNext: Int32Array;
  order: number[];
  output: number;
  /** Nodes with no predecessors (other than the input). */
  roots: number[];
  /**
   * Per node: its function when it is a plain task (no policies), which the scheduler calls
   * directly; `undefined` for everything else.
   */
  direct: (((args: unknown, ctx: unknown) => unknown) | undefined)[];
  /** Whether any node has a saga compensation (only then is completion order recorded). */
  anyCompensate: boolean;
  /** Whether any node has a cache policy (only then are hits and misses recorded). */
  anyCache: boolean;
  /** Per node: 1 when it reads a stream node (it starts when the stream starts), else 0. */
  streamIn: Uint8Array;
  /** Whether the workflow has stream nodes. */
  anyStream: boolean;
}

type AnyOptions = NodeOptions<never, unknown>;

export function prepare(
  graph: Graph,
  impls: Map<string, NodeImpl>,
  defaults: AnyOptions | undefined,
  plan?: ExecutionPlan,
): Prepared {
  const idx = indexGraph(graph);
  const n = idx.names.length;
  const order = plan ? plan.order : topologicalOrder(idx);
  if (!order) throw new Error(`workflow '${graph.name}' has a cycle`);
  const bindings: Binding[][] = idx.names.map(() => []);
  for (const e of graph.edges) {
    const to = idx.index.get(e.to);
    if (to === undefined) continue;
    const from = e.from === INPUT ? -1 : (idx.index.get(e.from) ?? -2);
    if (from === -2) throw new Error(`node '${e.to}' depends on unknown node '${e.from}'`);
    const src: Source = {
      node: from,
      path: e.port === undefined ? [] : e.port.split("."),
      ref: e.port === undefined ? e.from : `${e.from}.${e.port}`,
    };
    const list = bindings[to];
    const isAny = e.index !== undefined;
    const existing = isAny ? list.find((b) => b.param === e.param && b.any) : undefined;
    if (existing) existing.sources[e.index ?? 0] = src;
    else {
      const b: Binding = { param: e.param, sources: [], any: isAny };
      b.sources[e.index ?? 0] = src;
      list.push(b);
    }
  }
  for (const list of bindings) for (const b of list) b.sources = b.sources.filter(Boolean);
  const kinds = graph.nodes.map((x) => x.kind);
  const options = graph.nodes.map((x) => {
    // A graph rebuilt from data has only the data part of its options; it still applies.
    const own = impls.get(x.name)?.options ?? (x.options as AnyOptions | undefined);
    if (!defaults) return own;
    return own ? mergeOptions(defaults, own) : defaults;
  });
  for (let i = 0; i < n; i++) checkNodeDurations(idx.names[i], options[i]);
  const runIf = graph.nodes.map((x, i) => options[i]?.runIf ?? x.options?.runIf ?? "success");
  let priority: Float64Array;
  const chainNext = new Int32Array(n).fill(-1);
  if (plan) {
    // A precompiled plan: its priorities (possibly from recorded timings) and chains are used as
    // they are, so the run does no analysis of its own.
    priority = Float64Array.from(plan.priority);
    for (const chain of plan.chains)
      for (let k = 0; k + 1 < chain.length; k++) chainNext[chain[k]] = chain[k + 1];
  } else {
    priority = new Float64Array(n);
    for (let k = order.length - 1; k >= 0; k--) {
      const v = order[k];
      let best = 0;
      for (const w of idx.succs[v]) if (priority[w] > best) best = priority[w];
      priority[v] = best + (graph.nodes[v].options?.cost ?? 1);
    }
    // The same rule as the plan's chains: single consumer, single producer, plain task nodes.
    for (let v = 0; v < n; v++) {
      const succ = idx.succs[v];
      if (succ.length !== 1) continue;
      const w = succ[0];
      if (idx.preds[w].length !== 1) continue;
      if (kinds[v] !== "task" || kinds[w] !== "task") continue;
      if (runIf[v] !== "success" || runIf[w] !== "success") continue;
      chainNext[v] = w;
    }
  }
  const outName = graph.output ?? idx.names[n - 1];
  const roots: number[] = [];
  for (let i = 0; i < n; i++) if (idx.preds[i].length === 0) roots.push(i);
  const implList = idx.names.map((name) => impls.get(name) ?? {});
  const direct = graph.nodes.map((x, i) =>
    (x.kind === "task" || x.kind === "condition" || x.kind === "select" || x.kind === "any") &&
    !hasPolicies(options[i])
      ? (implList[i].fn as ((args: unknown, ctx: unknown) => unknown) | undefined)
      : undefined,
  );
  const streamIn = new Uint8Array(n);
  let anyStream = false;
  for (let i = 0; i < n; i++) {
    if (kinds[i] !== "stream") continue;
    anyStream = true;
    for (const j of idx.succs[i]) streamIn[j] = 1;
  }
  const packed = packForScheduler(idx, bindings, priority, chainNext, kinds, direct);
  roots.sort(byPriority(priority));
  return {
    ...packed,
    direct,
    anyCompensate: options.some((o) => o?.compensate !== undefined),
    anyCache: options.some((o) => o?.cache !== undefined),
    streamIn,
    anyStream,
    graph,
    n,
    names: idx.names,
    index: idx.index,
    kinds,
    runIf,
    bindings,
    preds: idx.preds,
    succs: idx.succs,
    impls: implList,
    options,
    priority,
    chainNext,
    order,
    output: outName === undefined ? -1 : (idx.index.get(outName) ?? -1),
    roots,
  };
}

/** Highest priority first, ties by declaration: the ready queue's order. */
function byPriority(priority: Float64Array): (a: number, b: number) => number {
  return (a, b) => priority[b] - priority[a] || a - b;
}

/** The flat arrays the scheduler's hot loop reads instead of per-node records. */
function packForScheduler(
  idx: { preds: number[][]; succs: number[][] },
  bindings: Binding[][],
  priority: Float64Array,
  chainNext: Int32Array,
  kinds: NodeKind[],
  direct: Prepared["direct"],
): Pick<
  Prepared,
  "predCount" | "succOff" | "succAt" | "plainArgs" | "argOff" | "argSrc" | "argName" | "laneNext"
> {
  const n = kinds.length;
  const predCount = Int32Array.from(idx.preds, (x) => x.length);
  const succOff = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) succOff[i + 1] = succOff[i] + idx.succs[i].length;
  const succAt = new Int32Array(succOff[n]);
  // A run without a concurrency limit starts released nodes in this order without queueing them.
  const first = byPriority(priority);
  for (let i = 0; i < n; i++) succAt.set([...idx.succs[i]].sort(first), succOff[i]);
  const plainArgs = new Uint8Array(n);
  const argOff = new Int32Array(n + 1);
  const argSrc: number[] = [];
  const argName: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const list = bindings[i];
    if (list.every((b) => !b.any && b.sources[0].path.length === 0)) {
      plainArgs[i] = 1;
      for (const b of list) {
        argSrc.push(b.sources[0].node);
        argName.push(b.param);
      }
    }
    argOff[i + 1] = argSrc.length;
  }
  const laneNext = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const j = chainNext[i];
    if (j >= 0 && kinds[i] === "task" && kinds[j] === "task" && direct[j]) laneNext[i] = j;
  }
  return {
    predCount,
    succOff,
    succAt,
    plainArgs,
    argOff,
    argSrc: Int32Array.from(argSrc),
    argName,
    laneNext,
  };
}

function mergeOptions(defaults: AnyOptions, own: AnyOptions): AnyOptions {
  return {
    ...defaults,
    ...own,
    retry: own.retry ?? defaults.retry,
    hooks: own.hooks || defaults.hooks ? { ...defaults.hooks, ...own.hooks } : undefined,
  };
}

/** Whether node options ask for anything around the call (otherwise it is called directly). */
export function hasPolicies(o: NodeOptions<never, unknown> | undefined): boolean {
  return (
    o !== undefined &&
    (o.retry !== undefined ||
      o.timeoutMs !== undefined ||
      o.cache !== undefined ||
      o.hooks !== undefined ||
      o.fallback !== undefined ||
      o.circuitBreaker !== undefined)
  );
}
