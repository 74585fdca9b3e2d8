/**
 * The untyped runtime behind the typed builder interface: each call appends one plain record to a
 * persistent list (a parent pointer, so every call is O(1) and earlier builders stay valid), and
 * `build()` turns the list into the graph IR.
 */
import { versionOf } from "../registry/ref.js";
import { parseRef } from "../graph/refs.js";
import { isReservedName, reservedMessage } from "../graph/reserved.js";
import {
  INPUT,
  type Graph,
  type GraphEdge,
  type GraphNode,
  type NodeKind,
  type WaitData,
} from "../graph/types.js";
import { assertValidGraph } from "../graph/validate.js";
import type { NodeOptions } from "../run/options.js";
import type {
  Ctx,
  DagBuilder,
  Fragment,
  FragmentAdds,
  FragmentStart,
  MapCtx,
  StreamOptions,
} from "./builder-types.js";
import type { Branch, Selected } from "./markers.js";
import type { AnyDag, Dag, NodeImpl } from "./dag-types.js";
import { createDag } from "./dag.js";
import { optionsData } from "./options-data.js";
import type { Signal } from "./wait.js";
import type { SchemaInput, SchemaOutput, StandardSchema } from "../run/standard-schema.js";

type Fn = (...args: never[]) => unknown;

interface Entry {
  kind: NodeKind;
  name: string;
  /** A dependency map, a single reference (whole argument), or `undefined` for `.then`. */
  deps: Record<string, string | readonly string[]> | string | undefined;
  fn?: Fn;
  sub?: AnyDag;
  options?: NodeOptions<never, unknown>;
  wait?: WaitData;
}

interface Link {
  entry: Entry;
  parent: Link | undefined;
}

/** Options of a whole workflow. */
export interface DagOptions {
  /** Default node options; each node's own options win. */
  defaults?: NodeOptions<never, unknown>;
  /** The module that defines this workflow (`import.meta.url`), for worker threads. */
  module?: string;
  /** A description shown in diagrams. */
  doc?: string;
  /**
   * Declares that runs are checkpointed: `weft compile` then checks that every node's output
   * type can be stored (WEFT030).
   */
  durable?: boolean;
}

class Builder {
  constructor(
    readonly wfName: string,
    readonly wfOptions: DagOptions,
    readonly chain: Link | undefined,
    readonly output?: string,
  ) {}

  private add(entry: Entry): Builder {
    checkNodeName(this.wfName, entry.name);
    if (entry.kind !== "sub" && entry.kind !== "wait" && typeof entry.fn !== "function") {
      throw new TypeError(
        `workflow '${this.wfName}': the function of node '${String(entry.name)}' is not a function (got ${describeValue(entry.fn)})`,
      );
    }
    return new Builder(this.wfName, this.wfOptions, { entry, parent: this.chain });
  }

  node(name: string, deps: Entry["deps"], fn: Fn, options?: Entry["options"]): Builder {
    return this.add({ kind: "task", name, deps, fn, options });
  }
  all(name: string, deps: Entry["deps"], fn: Fn, options?: Entry["options"]): Builder {
    return this.node(name, deps, fn, options);
  }
  then(name: string, fn: Fn, options?: Entry["options"]): Builder {
    const prev = this.chain?.entry.name ?? INPUT;
    return this.add({ kind: "task", name, deps: prev, fn, options });
  }
  condition(name: string, deps: Entry["deps"], fn: Fn, options?: Entry["options"]): Builder {
    return this.add({ kind: "condition", name, deps, fn, options });
  }
  select(name: string, deps: Entry["deps"], fn: Fn, options?: Entry["options"]): Builder {
    return this.add({ kind: "select", name, deps, fn, options });
  }
  any(name: string, deps: Entry["deps"], fn: Fn, options?: Entry["options"]): Builder {
    return this.add({ kind: "any", name, deps, fn, options });
  }
  map(name: string, deps: Entry["deps"], fn: Fn, options?: Entry["options"]): Builder {
    return this.add({ kind: "map", name, deps, fn, options });
  }
  stream(name: string, deps: Entry["deps"], fn: Fn, options?: Entry["options"]): Builder {
    const buffer = options?.buffer;
    if (
      buffer !== undefined &&
      !(typeof buffer === "number" && Number.isInteger(buffer) && buffer >= 1)
    ) {
      throw new TypeError(
        `stream '${name}': option 'buffer' must be a whole number ≥ 1, got ${String(buffer)}`,
      );
    }
    return this.add({ kind: "stream", name, deps, fn, options });
  }
  sub(name: string, workflow: AnyDag, deps: Entry["deps"], options?: Entry["options"]): Builder {
    if (!workflow || typeof workflow !== "object" || workflow.kind !== "dag") {
      throw new TypeError(`sub-workflow '${name}': expected a built DAG (call .build() on it)`);
    }
    return this.add({ kind: "sub", name, deps, sub: workflow, options });
  }
  wait(name: string, deps: Entry["deps"], marker: unknown, options?: Entry["options"]): Builder {
    if ((marker as { kind?: unknown } | null)?.kind !== "signal") {
      throw new TypeError(`wait '${name}': the third argument must be signal<Payload>()`);
    }
    return this.add({ kind: "wait", name, deps, options, wait: { for: "signal" } });
  }
  sleep(name: string, options: { ms: number }): Builder {
    const ms = options?.ms;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new TypeError(`sleep '${name}': 'ms' must be a finite number ≥ 0, got ${String(ms)}`);
    }
    const prev = this.chain?.entry.name ?? INPUT;
    return this.add({ kind: "wait", name, deps: prev, wait: { for: "sleep", ms } });
  }
  use(fragment: Fragment<unknown, unknown, unknown> | ((b: Builder) => Builder)): Builder {
    const apply =
      typeof fragment === "function" ? fragment : (fragment.apply as (b: Builder) => Builder);
    const out = apply(this);
    if (!(out instanceof Builder) || !extendsChain(out.chain, this.chain)) {
      throw new TypeError(
        `workflow '${this.wfName}': a fragment must return the builder it was given, extended`,
      );
    }
    return out;
  }
  returns(node: string): Builder {
    return new Builder(this.wfName, this.wfOptions, this.chain, node);
  }
  build(): AnyDag {
    const entries: Entry[] = [];
    for (let l = this.chain; l; l = l.parent) entries.push(l.entry);
    entries.reverse();
    const { graph, impls } = toGraph(this.wfName, this.wfOptions, entries, this.output);
    assertValidGraph(graph);
    const standard = (this.wfOptions as { input?: StandardSchema }).input;
    return createDag(
      graph,
      impls,
      this.wfOptions.defaults,
      standard === undefined ? undefined : { standard },
    );
  }
}

/** Whether `chain` is `base` with records appended (a fragment kept the builder it was given). */
function extendsChain(chain: Link | undefined, base: Link | undefined): boolean {
  for (let l = chain; l; l = l.parent) if (l === base) return true;
  return base === undefined;
}

function toGraph(
  name: string,
  wfOptions: DagOptions,
  entries: Entry[],
  output: string | undefined,
): { graph: Graph; impls: Map<string, NodeImpl> } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const impls = new Map<string, NodeImpl>();
  for (const e of entries) {
    const node: GraphNode = { name: e.name, kind: e.kind };
    if (e.kind === "condition") node.ports = ["true", "false"];
    const data = e.options ? optionsData(e.options) : undefined;
    if (data) node.options = data;
    const fnName = e.fn?.name;
    const tag = versionOf(e.fn);
    // A registry function is referenced as the compiler sees it: `reg.use("resize@^1.2")`.
    if (tag) node.fn = tag.range ? { name: tag.name, version: tag.range } : { name: tag.name };
    else if (fnName && !fnName.startsWith("bound ")) node.fn = { name: fnName };
    if (e.sub) node.subgraph = e.sub.graph;
    if (e.wait) node.wait = e.wait;
    nodes.push(node);
    impls.set(e.name, { fn: e.fn, options: e.options, sub: e.sub });
    if (typeof e.deps === "string") {
      edges.push(edgeOf(e.deps, e.name, undefined));
    } else if (e.deps) {
      for (const param of Object.keys(e.deps)) {
        const ref = e.deps[param];
        if (typeof ref === "string") edges.push(edgeOf(ref, e.name, param));
        else if (Array.isArray(ref)) {
          ref.forEach((r, index) => edges.push({ ...edgeOf(r, e.name, param), index }));
        } else {
          throw new TypeError(
            `node '${e.name}': dependency '${param}' must be a reference string${e.kind === "any" ? " or a list of them" : ""}`,
          );
        }
      }
    }
  }
  const graph: Graph = { version: 1, kind: "dag", name, nodes, edges };
  const out = output ?? entries[entries.length - 1]?.name;
  if (out !== undefined) graph.output = out;
  const defaults = wfOptions.defaults ? optionsData(wfOptions.defaults) : undefined;
  if (defaults) graph.defaults = defaults;
  if (wfOptions.module) graph.module = { module: wfOptions.module, name };
  if (wfOptions.doc) graph.doc = wfOptions.doc;
  return { graph, impls };
}

/** Refuses names that are not strings or that would reach object prototypes, naming the node. */
function checkNodeName(workflow: string, name: unknown): void {
  if (typeof name !== "string") {
    throw new TypeError(
      `workflow '${workflow}': a node name must be a string (got ${describeValue(name)})`,
    );
  }
  if (isReservedName(name)) {
    throw new TypeError(`workflow '${workflow}': ${reservedMessage("node name", name)}`);
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string")
    return `the string ${JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v)}`;
  return Array.isArray(v) ? "an array" : `a value of type ${typeof v}`;
}

function edgeOf(ref: string, to: string, param: string | undefined): GraphEdge {
  const { node, port } = parseRef(ref);
  const edge: GraphEdge = { from: node, to };
  if (port !== undefined) edge.port = port;
  if (param !== undefined) edge.param = param;
  return edge;
}

/**
 * Starts a typed DAG workflow. `Input` is the type of the run input, referenced as `"input"` and
 * `"input.field"`. Given `{ input: schema }` (any Standard Schema validator: zod, valibot,
 * arktype...), the input type comes from the schema: `run()` takes the schema's input type,
 * validates before anything runs (an `InputError` lists every issue) and nodes receive the
 * schema's output (coercions and defaults applied).
 *
 * @example
 * ```ts
 * export const etl = dag<{ path: string }>("etl")
 *   .node("load", { path: "input.path" }, ({ path }) => readRows(path))
 *   .node("clean", { rows: "load" }, cleanRows)
 *   .build();
 * const run = await etl.run({ path: "a.csv" });
 *
 * const resize = dag("resize", { input: z.object({ url: z.url(), width: z.coerce.number() }) })
 *   .node("fetch", { url: "input.url" }, ({ url }) => download(url))
 *   .build();
 * await resize.run({ url: "https://x/a.png", width: "640" }); // nodes see width: 640
 * ```
 */
export function dag<S extends StandardSchema>(
  name: string,
  options: DagOptions & { input: S },
): DagBuilder<SchemaInput<S>, { input: SchemaOutput<S> }, {}, [], SchemaOutput<S>>;
export function dag<Input = undefined>(
  name: string,
  options?: DagOptions,
): DagBuilder<Input, { input: Input }, {}, [], Input>;
export function dag<Input = undefined>(
  name: string,
  options: DagOptions & { input?: StandardSchema } = {},
): DagBuilder<Input, { input: Input }, {}, [], Input> {
  const schema = options.input;
  if (schema !== undefined && typeof schema?.["~standard"]?.validate !== "function") {
    throw new TypeError(
      `workflow '${name}': option 'input' must be a Standard Schema validator (zod, valibot, arktype...); got ${describeValue(schema)}`,
    );
  }
  return new Builder(name, options, undefined) as unknown as DagBuilder<
    Input,
    { input: Input },
    {},
    [],
    Input
  >;
}

/**
 * Declares a typed fragment: a piece of workflow that needs the references in `Needs` (node
 * names to output types, `input` for the run input) and adds nodes after them. Apply it with
 * `.use(fragment)`; the builder checks that it provides what the fragment needs.
 *
 * @example
 * ```ts
 * const scoring = fragment<{ clean: Row[] }>()((b) =>
 *   b.node("score", { rows: "clean" }, score).node("rank", { scored: "score" }, rank));
 * dag<{ path: string }>("etl").node("clean", ...).use(scoring).build();
 * ```
 */
export function fragment<Needs>(): <C2, O2, Cnt2 extends readonly unknown[], L2>(
  body: (builder: FragmentStart<Needs>) => DagBuilder<unknown, C2, O2, Cnt2, L2>,
) => Fragment<Needs, FragmentAdds<C2, O2, Needs>, L2> {
  return (body) => ({ apply: body as unknown as (b: never) => unknown });
}

/** Whether a value is a built DAG workflow. */
export function isDag(value: unknown): value is Dag<never, unknown, unknown> {
  return (
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "dag"
  );
}

/**
 * A builder with plain string types, for workflows assembled in loops or from data, where node
 * names are not known to the type checker. Arguments are `Record<string, unknown>` and results
 * `unknown`; validation (unknown nodes, duplicates, cycles) happens at `build()`.
 */
export interface LooseDagBuilder {
  node(
    name: string,
    deps: Record<string, string>,
    fn: (args: Record<string, unknown>, ctx: Ctx) => unknown,
    options?: NodeOptions<Record<string, unknown>, unknown>,
  ): LooseDagBuilder;
  then(
    name: string,
    fn: (prev: unknown, ctx: Ctx) => unknown,
    options?: NodeOptions<unknown, unknown>,
  ): LooseDagBuilder;
  condition(
    name: string,
    deps: Record<string, string>,
    fn: (args: Record<string, unknown>, ctx: Ctx) => Branch<unknown> | Promise<Branch<unknown>>,
    options?: NodeOptions<Record<string, unknown>, unknown>,
  ): LooseDagBuilder;
  select(
    name: string,
    deps: Record<string, string>,
    fn: (
      args: Record<string, unknown>,
      ctx: Ctx,
    ) => Selected<string, unknown> | Promise<Selected<string, unknown>>,
    options?: NodeOptions<Record<string, unknown>, unknown>,
  ): LooseDagBuilder;
  any(
    name: string,
    deps: Record<string, string | readonly string[]>,
    fn: (args: Record<string, unknown>, ctx: Ctx) => unknown,
    options?: NodeOptions<Record<string, unknown>, unknown>,
  ): LooseDagBuilder;
  map(
    name: string,
    deps: Record<string, string> & { items: string },
    fn: (args: Record<string, unknown> & { item: unknown; index: number }, ctx: MapCtx) => unknown,
    options?: NodeOptions<Record<string, unknown>, unknown>,
  ): LooseDagBuilder;
  stream(
    name: string,
    deps: Record<string, string>,
    fn: (args: Record<string, unknown>, ctx: Ctx) => AsyncIterable<unknown>,
    options?: StreamOptions,
  ): LooseDagBuilder;
  sub(
    name: string,
    workflow: AnyDag,
    deps: string | Record<string, string>,
    options?: NodeOptions<unknown, unknown>,
  ): LooseDagBuilder;
  wait(
    name: string,
    deps: Record<string, string>,
    signal: Signal<unknown>,
    options?: NodeOptions<Record<string, unknown>, unknown>,
  ): LooseDagBuilder;
  sleep(name: string, options: { ms: number }): LooseDagBuilder;
  returns(node: string): { build(): Dag<unknown, Record<string, unknown>, unknown> };
  build(): Dag<unknown, Record<string, unknown>, unknown>;
}

/**
 * Starts a loosely typed DAG (see {@link LooseDagBuilder}).
 *
 * @example
 * ```ts
 * let b = looseDag("fan");
 * for (let i = 0; i < 100; i++) b = b.node(`n${i}`, { x: "input" }, ({ x }) => Number(x) + i);
 * const wf = b.build();
 * ```
 */
export function looseDag(name: string, options: DagOptions = {}): LooseDagBuilder {
  return new Builder(name, options, undefined) as unknown as LooseDagBuilder;
}
