/**
 * DAG chains -> graph IR. Mirrors what the runtime builder (src/dag/builder.ts) records for each
 * call, and adds what only the compiler knows: the type text of every node output and edge,
 * source locations, doc comments and module references of named functions.
 */
import { ts } from "ts-morph";
import { parseRef } from "../../src/graph/refs.js";
import {
  INPUT,
  type Graph,
  type GraphEdge,
  type GraphNode,
  type NodeKind,
} from "../../src/graph/types.js";
import { awaited, propertyType, typeText, unionMembers } from "../type-utils.js";
import { flattenChain, type Chain, type ChainStep } from "./chain.js";
import { Unanalysable, snippet, unwrap, type ExtractContext } from "./context.js";
import { dslCallee } from "./discover.js";
import { stepDoc } from "./docs.js";
import { functionRef } from "./fn-ref.js";
import { readOptions } from "./options.js";
import type { StaticEntry, StaticReader } from "./static-value.js";
import type { WorkflowFacts } from "./workflow.js";

/** Methods that add a node, with the node kind and where their arguments are. */
const NODE_METHODS: Record<
  string,
  { kind: NodeKind; deps: number | "prev"; fn: number; options: number }
> = {
  node: { kind: "task", deps: 1, fn: 2, options: 3 },
  all: { kind: "task", deps: 1, fn: 2, options: 3 },
  then: { kind: "task", deps: "prev", fn: 1, options: 2 },
  condition: { kind: "condition", deps: 1, fn: 2, options: 3 },
  select: { kind: "select", deps: 1, fn: 2, options: 3 },
  any: { kind: "any", deps: 1, fn: 2, options: 3 },
  map: { kind: "map", deps: 1, fn: 2, options: 3 },
  stream: { kind: "stream", deps: 1, fn: 2, options: 3 },
};

/** Resolves a `.sub` workflow argument to its graph (shared with the top-level extractor). */
export type SubResolver = (expr: ts.Expression) => { graph: Graph } | undefined;

/** A DAG read from source. */
export interface DagResult {
  graph: Graph;
  inputType: ts.Type | undefined;
  facts: WorkflowFacts;
  /** False when something could not be read (diagnostics say what); the graph is then partial. */
  complete: boolean;
}

interface PendingStep {
  steps: ChainStep[];
  i: number;
}

/** Reads DAG chains. One instance per extraction run. */
export class DagReader {
  constructor(
    private readonly ctx: ExtractContext,
    private readonly reader: StaticReader,
    private readonly resolveSub: SubResolver,
  ) {}

  /**
   * Reads a chain that starts with `dag(...)`. Returns undefined when the chain does not end in
   * `.build()` (a partial builder is not a workflow by itself).
   */
  read(chain: Chain, workflowName: string): DagResult | undefined {
    const { ctx } = this;
    const last = chain.steps[chain.steps.length - 1];
    if (!last || last.method !== "build") return undefined;
    if (chain.root.kind !== "call") return undefined;
    const rootCall = chain.root.call;
    const tooLong = chainTooLong(chain);
    if (tooLong) ctx.report("WEFT104", tooLong, rootCall, workflowName);

    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    const facts: WorkflowFacts = {
      nodeTypes: new Map(),
      edgeSources: new Map(),
      caseSources: new Map(),
    };
    const byName = new Map<string, GraphNode>();
    let complete = true;
    let output: string | undefined;
    let lastNode: string | undefined;

    const graph: Graph = { version: 1, kind: "dag", name: workflowName, nodes, edges };
    const [, optionsArg] = rootCall.arguments;
    if (optionsArg) {
      try {
        const entries = new Map(this.reader.entries(optionsArg).map((e) => [e.key, e]));
        const defaults = entries.get("defaults")?.value;
        const d = defaults ? readOptions(this.reader, defaults) : undefined;
        if (d) graph.defaults = d;
        const doc = entries.get("doc")?.value;
        if (doc) graph.doc = this.reader.string(doc, "workflow doc");
      } catch (err) {
        if (!(err instanceof Unanalysable)) throw err;
        ctx.report(
          err.code === "WEFT020" ? "WEFT024" : err.code,
          err.message,
          err.at,
          workflowName,
        );
        complete = false;
      }
    }
    // Ask the checker about calls innermost first: each answer is cached, so the checker never
    // recurses down the whole chain at once.
    const builderType = ctx.checker.getTypeAtLocation(rootCall);
    const inputType = typeArgument(ctx.checker, builderType, "I", 0);

    const stack: PendingStep[] = [{ steps: chain.steps, i: 0 }];
    let depth = 0;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame.i >= frame.steps.length) {
        stack.pop();
        continue;
      }
      const step = frame.steps[frame.i++];
      const spec = NODE_METHODS[step.method];
      try {
        if (spec) {
          const node = this.addNode(step, spec, lastNode, edges, facts);
          byName.set(node.name, node);
          nodes.push(node);
          lastNode = node.name;
          output = undefined;
        } else if (step.method === "sub") {
          const node = this.addSub(step, edges, facts, workflowName);
          byName.set(node.name, node);
          nodes.push(node);
          lastNode = node.name;
          output = undefined;
        } else if (step.method === "wait" || step.method === "sleep") {
          const node = this.addWait(step, lastNode, edges, facts);
          byName.set(node.name, node);
          nodes.push(node);
          lastNode = node.name;
          output = undefined;
        } else if (step.method === "use") {
          if (++depth > 1000)
            throw new Unanalysable("WEFT023", "fragments nest too deeply", step.call);
          stack.push({ steps: this.fragmentSteps(step), i: 0 });
          ctx.checker.getTypeAtLocation(step.call);
        } else if (step.method === "returns") {
          output = this.reader.string(arg(step, 0, "output node"), "the output node of .returns()");
        } else if (step.method === "build") {
          if (frame.steps !== chain.steps || frame.i !== frame.steps.length) {
            throw new Unanalysable("WEFT021", "'.build()' in the middle of a chain", step.nameNode);
          }
        } else {
          throw new Unanalysable(
            "WEFT025",
            `'.${step.method}()' is not a DAG builder method (expected node, then, condition, select, any, map, stream, sub, wait, sleep, use, returns, build)`,
            step.nameNode,
          );
        }
      } catch (err) {
        if (!(err instanceof Unanalysable)) throw err;
        ctx.report(err.code, err.message, err.at, workflowName);
        complete = false;
      }
    }

    const out = output ?? lastNode;
    if (out !== undefined) graph.output = out;
    this.typeNodesAndEdges(graph, byName, inputType, facts, rootCall);
    if (inputType) graph.input = { type: typeText(ctx.checker, inputType, rootCall) };
    return { graph, inputType, facts, complete };
  }

  private addNode(
    step: ChainStep,
    spec: (typeof NODE_METHODS)[string],
    lastNode: string | undefined,
    edges: GraphEdge[],
    facts: WorkflowFacts,
  ): GraphNode {
    const name = this.reader.string(arg(step, 0, "node name"), "a node name");
    const node: GraphNode = { name, kind: spec.kind };
    if (spec.kind === "condition") node.ports = ["true", "false"];
    const options = this.options(name, step.call.arguments[spec.options]);
    if (options) node.options = options;
    const fnArg = arg(step, spec.fn, "function");
    const fn = functionRef(this.ctx, fnArg);
    if (fn) node.fn = fn;
    this.describe(node, step);
    if (spec.deps === "prev") {
      edges.push(
        this.edge(lastNode ?? INPUT, node.name, undefined, undefined, step.nameNode, facts),
      );
    } else {
      this.addDeps(
        node.name,
        arg(step, spec.deps, "dependencies"),
        edges,
        facts,
        spec.kind === "map",
      );
    }
    const type = this.outputType(step, fnArg, spec.kind);
    if (type) facts.nodeTypes.set(name, type);
    if (spec.kind === "select") this.selectCases(node, fnArg, type, facts);
    return node;
  }

  private addSub(
    step: ChainStep,
    edges: GraphEdge[],
    facts: WorkflowFacts,
    workflow: string,
  ): GraphNode {
    const name = this.reader.string(arg(step, 0, "node name"), "a node name");
    const node: GraphNode = { name, kind: "sub" };
    const options = this.options(name, step.call.arguments[3]);
    if (options) node.options = options;
    const wfArg = arg(step, 1, "sub-workflow");
    const sub = this.resolveSub(wfArg);
    if (!sub) {
      throw new Unanalysable(
        "WEFT026",
        `sub-workflow '${snippet(wfArg)}' of node '${name}' in workflow '${workflow}' cannot be followed; ` +
          `pass a 'const' holding a dag(...)...build() chain`,
        wfArg,
      );
    }
    node.subgraph = sub.graph;
    this.describe(node, step);
    this.addDeps(name, arg(step, 2, "dependencies"), edges, facts, false);
    const type = this.outputType(step);
    if (type) facts.nodeTypes.set(name, type);
    return node;
  }

  /** `.wait(name, deps, signal<T>(), options)` and `.sleep(name, { ms })` (fed by the previous node). */
  private addWait(
    step: ChainStep,
    lastNode: string | undefined,
    edges: GraphEdge[],
    facts: WorkflowFacts,
  ): GraphNode {
    const name = this.reader.string(arg(step, 0, "node name"), "a node name");
    const node: GraphNode = { name, kind: "wait" };
    if (step.method === "sleep") {
      const optArg = arg(step, 1, "sleep options");
      const ms = this.reader.evaluate(
        this.reader.entries(optArg).find((e) => e.key === "ms")?.value ?? optArg,
      );
      if (typeof ms !== "number") {
        throw new Unanalysable(
          "WEFT020",
          `sleep '${name}': 'ms' must be a constant number`,
          optArg,
        );
      }
      node.wait = { for: "sleep", ms };
      this.describe(node, step);
      edges.push(
        this.edge(lastNode ?? INPUT, node.name, undefined, undefined, step.nameNode, facts),
      );
    } else {
      node.wait = { for: "signal" };
      const options = this.options(name, step.call.arguments[3]);
      if (options) node.options = options;
      this.describe(node, step);
      this.addDeps(name, arg(step, 1, "dependencies"), edges, facts, false);
    }
    const type = this.outputType(step);
    if (type) facts.nodeTypes.set(name, type);
    return node;
  }

  private options(node: string, expr: ts.Expression | undefined): ReturnType<typeof readOptions> {
    try {
      return readOptions(this.reader, expr);
    } catch (err) {
      if (!(err instanceof Unanalysable)) throw err;
      throw new Unanalysable(err.code, `node '${node}': ${err.message}`, err.at);
    }
  }

  private describe(node: GraphNode, step: ChainStep): void {
    node.source = this.ctx.locate(step.nameNode);
    const access = step.call.expression;
    if (ts.isPropertyAccessExpression(access)) {
      const doc = stepDoc(access);
      if (doc) node.doc = doc;
    }
  }

  private addDeps(
    to: string,
    depsArg: ts.Expression,
    edges: GraphEdge[],
    facts: WorkflowFacts,
    isMap: boolean,
  ): void {
    const e = unwrap(depsArg);
    // One reference: the whole argument (`.sub(name, wf, "input")`).
    if (
      ts.isStringLiteralLike(e) ||
      (!ts.isObjectLiteralExpression(e) && isStringConst(this.reader, e))
    ) {
      const ref = this.reader.string(e, `dependency of node '${to}'`);
      edges.push(this.edge(ref, to, undefined, undefined, e, facts));
      return;
    }
    let entries: StaticEntry[];
    try {
      entries = this.reader.entries(e);
    } catch (err) {
      if (!(err instanceof Unanalysable)) throw err;
      throw new Unanalysable(
        err.code,
        `dependencies of node '${to}' cannot be read: ${err.message}; write them as an object literal of reference strings`,
        err.at,
      );
    }
    for (const entry of entries) {
      if (!entry.value) {
        throw new Unanalysable(
          "WEFT020",
          `dependency '${entry.key}' of node '${to}' must be a reference string`,
          entry.keyNode,
        );
      }
      const v = unwrap(entry.value);
      if (ts.isArrayLiteralExpression(v)) {
        v.elements.forEach((el, index) => {
          if (ts.isSpreadElement(el)) {
            throw new Unanalysable(
              "WEFT022",
              `spread in the dependency list '${entry.key}' of node '${to}' cannot be expanded; list each reference`,
              el,
            );
          }
          const ref = this.reader.string(el, `dependency '${entry.key}' of node '${to}'`);
          edges.push(this.edge(ref, to, entry.key, index, el, facts));
        });
        continue;
      }
      const value = this.reader.evaluate(v);
      if (Array.isArray(value)) {
        value.forEach((ref, index) => {
          if (typeof ref !== "string") {
            throw new Unanalysable(
              "WEFT020",
              `dependency '${entry.key}' of node '${to}' must list reference strings`,
              v,
            );
          }
          edges.push(this.edge(ref, to, entry.key, index, v, facts));
        });
      } else if (typeof value === "string") {
        edges.push(this.edge(value, to, entry.key, undefined, v, facts));
      } else {
        throw new Unanalysable(
          "WEFT020",
          `dependency '${entry.key}' of node '${to}' must be a reference string, got '${snippet(v)}'`,
          v,
        );
      }
    }
    if (isMap && !edges.some((x) => x.to === to && x.param === "items")) {
      throw new Unanalysable("WEFT020", `map '${to}' needs an 'items' dependency`, depsArg);
    }
  }

  private edge(
    ref: string,
    to: string,
    param: string | undefined,
    index: number | undefined,
    at: ts.Node,
    facts: WorkflowFacts,
  ): GraphEdge {
    const { node, port } = parseRef(ref);
    const edge: GraphEdge = { from: node, to };
    if (port !== undefined) edge.port = port;
    if (param !== undefined) edge.param = param;
    if (index !== undefined) edge.index = index;
    facts.edgeSources.set(edge, this.ctx.locate(at));
    return edge;
  }

  /** The steps of a fragment given to `.use`, read from its body. */
  private fragmentSteps(step: ChainStep): ChainStep[] {
    const fragArg = arg(step, 0, "fragment");
    const fn = this.fragmentFunction(fragArg, 0);
    const param = fn.parameters[0];
    if (!param)
      throw new Unanalysable(
        "WEFT023",
        `fragment '${snippet(fragArg)}' takes no builder parameter`,
        fragArg,
      );
    const body = returnedExpression(fn);
    if (!body) {
      throw new Unanalysable(
        "WEFT023",
        `fragment '${snippet(fragArg)}' must return its builder chain from a single expression or 'return' statement`,
        fn,
      );
    }
    const chain = flattenChain(body, this.reader, param);
    if (!chain || chain.root.kind !== "param") {
      throw new Unanalysable(
        "WEFT023",
        `fragment '${snippet(fragArg)}' must extend the builder it is given (b => b.node(...)...)`,
        body,
      );
    }
    return chain.steps;
  }

  private fragmentFunction(
    expr: ts.Expression,
    depth: number,
  ): ts.SignatureDeclaration & { body?: ts.Node } {
    const e = unwrap(expr);
    if (depth > 20) throw new Unanalysable("WEFT023", "fragment refers to itself", expr);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return e;
    if (ts.isIdentifier(e)) {
      const decl = this.reader.declarationOf(e);
      if (decl && ts.isFunctionDeclaration(decl) && decl.body) return decl;
      const init = this.reader.constInitializer(e);
      if (init) return this.fragmentFunction(init, depth + 1);
      throw new Unanalysable(
        "WEFT023",
        `fragment ${this.reader.describeBinding(e)} cannot be followed; ` +
          `pass a function declaration, an arrow, or a 'const' holding fragment<...>()(b => ...)`,
        e,
      );
    }
    // fragment<Needs>()(body)
    if (ts.isCallExpression(e) && e.arguments.length === 1) {
      const inner = unwrap(e.expression);
      if (ts.isCallExpression(inner) && dslCallee(inner) === "fragment") {
        return this.fragmentFunction(e.arguments[0], depth + 1);
      }
    }
    throw new Unanalysable(
      "WEFT023",
      `fragment '${snippet(e)}' is built at run time, so the compiler cannot follow it; ` +
        `declare the fragment as a function (or fragment<...>()(b => ...)) whose node names are literals`,
      e,
    );
  }

  /**
   * The output type of the node a step adds: the `L` of the builder type it returns; failing
   * that (a loosely typed builder), what the node's function returns.
   */
  private outputType(step: ChainStep, fnArg?: ts.Expression, kind?: NodeKind): ts.Type | undefined {
    const checker = this.ctx.checker;
    const t = checker.getTypeAtLocation(step.call);
    const l = typeArgument(checker, t, "L", "last");
    if (l && !(l.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return l;
    if (!fnArg || kind === "map") return l;
    const sig = checker.getTypeAtLocation(fnArg).getCallSignatures()[0];
    return sig ? awaited(checker, checker.getReturnTypeOfSignature(sig)) : l;
  }

  /** Fills a select's ports with its case names, from the type of what its function returns. */
  private selectCases(
    node: GraphNode,
    fnArg: ts.Expression,
    type: ts.Type | undefined,
    facts: WorkflowFacts,
  ): void {
    if (!type) return;
    const names: string[] = [];
    for (const m of unionMembers(type)) {
      const c = propertyType(this.ctx.checker, m, "case");
      if (!c) continue;
      for (const lit of unionMembers(c)) {
        if (!lit.isStringLiteral()) return; // a case computed as `string`: unknown ports
        if (!names.includes(lit.value)) names.push(lit.value);
      }
    }
    if (names.length === 0) return;
    // Order cases as written in the function; the type's order is the checker's.
    const written = writtenCases(this.functionBody(fnArg) ?? fnArg);
    for (const [name, at] of written) {
      if (!facts.caseSources.has(`${node.name}.${name}`)) {
        facts.caseSources.set(`${node.name}.${name}`, this.ctx.locate(at));
      }
    }
    const order = [...written.keys()];
    names.sort((a, b) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0));
    node.ports = names;
  }

  /** The function a node's function argument names: inline, declared, or a `const` arrow. */
  private functionBody(expr: ts.Expression): ts.Node | undefined {
    let e = unwrap(expr);
    for (let i = 0; i < 20; i++) {
      if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return e;
      if (!ts.isIdentifier(e)) return undefined;
      const decl = this.reader.declarationOf(e);
      if (decl && ts.isFunctionDeclaration(decl)) return decl;
      const init = this.reader.constInitializer(e);
      if (!init) return undefined;
      e = unwrap(init);
    }
    return undefined;
  }

  /** Sets the output type text of every node and the type text of every edge. */
  private typeNodesAndEdges(
    graph: Graph,
    byName: Map<string, GraphNode>,
    inputType: ts.Type | undefined,
    facts: WorkflowFacts,
    where: ts.Node,
  ): void {
    const checker = this.ctx.checker;
    for (const node of graph.nodes) {
      const t = facts.nodeTypes.get(node.name);
      if (t) node.type = typeText(checker, t, where);
    }
    for (const edge of graph.edges) {
      const t = this.refType(edge, byName, inputType, facts);
      if (t) edge.type = typeText(checker, t, where);
    }
  }

  private refType(
    edge: GraphEdge,
    byName: Map<string, GraphNode>,
    inputType: ts.Type | undefined,
    facts: WorkflowFacts,
  ): ts.Type | undefined {
    const checker = this.ctx.checker;
    const src = edge.from === INPUT ? undefined : byName.get(edge.from);
    let t = edge.from === INPUT ? inputType : facts.nodeTypes.get(edge.from);
    if (!t || edge.port === undefined) return t;
    const [first, ...rest] = edge.port.split(".");
    if (src?.kind === "condition" && (first === "true" || first === "false")) {
      t = propertyType(checker, t, "value");
    } else if (src?.kind === "select") {
      const member = unionMembers(t).find((m) => {
        const c = propertyType(checker, m, "case");
        return c?.isStringLiteral() && c.value === first;
      });
      t = member ? propertyType(checker, member, "value") : undefined;
    } else {
      t = propertyType(checker, t, first);
    }
    for (const seg of rest) {
      if (!t) return undefined;
      t = propertyType(checker, t, seg);
    }
    return t;
  }
}

function arg(step: ChainStep, i: number, what: string): ts.Expression {
  const a = step.call.arguments[i];
  if (!a)
    throw new Unanalysable(
      "WEFT020",
      `'.${step.method}()' is missing its ${what} argument`,
      step.call,
    );
  if (ts.isSpreadElement(a)) {
    throw new Unanalysable(
      "WEFT022",
      `spread arguments to '.${step.method}()' cannot be expanded; pass each argument`,
      a,
    );
  }
  return a;
}

function isStringConst(reader: StaticReader, e: ts.Expression): boolean {
  try {
    return typeof reader.evaluate(e) === "string";
  } catch {
    return false;
  }
}

/**
 * Calls one builder chain may hold. TypeScript 6 overflows its stack on any chain of about 600 to
 * 700 calls, generic or not (a trivial `t.f(0).f(1)…` chain fails the same way), and then reports
 * nothing; TypeScript 7 does not. The limit leaves room for heavier calls.
 */
export const CHAIN_LIMIT = 400;

/** The WEFT104 message for a chain longer than {@link CHAIN_LIMIT}, or undefined. */
export function chainTooLong(chain: Chain): string | undefined {
  const calls = chain.steps.length;
  if (calls <= CHAIN_LIMIT) return undefined;
  return `a chain of ${calls} calls is longer than ${CHAIN_LIMIT}: TypeScript 6 overflows its stack on chains of about 600 calls and then checks nothing; split it into fragments applied with .use(fragment)`;
}

/**
 * A type argument of a builder type by its parameter's name (`L` of `DagBuilder<I, R, K, L>`),
 * so the compiler does not depend on where the builder declares it; `fallback` is the position
 * used when no parameter has that name.
 */
export function typeArgument(
  checker: ts.TypeChecker,
  type: ts.Type,
  name: string,
  fallback: number | "last",
): ts.Type | undefined {
  if (!(type.flags & ts.TypeFlags.Object)) return undefined;
  const ref = type as ts.TypeReference;
  if (!((ref as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference)) return undefined;
  const args = checker.getTypeArguments(ref);
  const params = ref.target.typeParameters ?? [];
  const i = params.findIndex((p) => p.symbol?.getName() === name);
  if (i >= 0) return args[i];
  return args[fallback === "last" ? args.length - 1 : fallback];
}

/** The expression a fragment function returns: its expression body or its only `return`. */
function returnedExpression(
  fn: ts.SignatureDeclaration & { body?: ts.Node },
): ts.Expression | undefined {
  const body = fn.body;
  if (!body) return undefined;
  if (!ts.isBlock(body)) return body as ts.Expression;
  const returns = body.statements.filter(ts.isReturnStatement);
  if (returns.length !== 1 || body.statements[body.statements.length - 1] !== returns[0])
    return undefined;
  return returns[0].expression;
}

/** `select("case", ...)` calls in a function, in source order, with each case name's node. */
function writtenCases(fn: ts.Node): Map<string, ts.Node> {
  const found = new Map<string, ts.Node>();
  const todo: ts.Node[] = [fn];
  while (todo.length > 0) {
    const n = todo.pop() as ts.Node;
    if (ts.isCallExpression(n)) {
      const callee = unwrap(n.expression);
      const first = n.arguments[0];
      const isSelect =
        (ts.isIdentifier(callee) && callee.text === "select") ||
        (ts.isPropertyAccessExpression(callee) && callee.name.text === "select");
      if (isSelect && first && ts.isStringLiteralLike(first) && !found.has(first.text))
        found.set(first.text, first);
    }
    const kids: ts.Node[] = [];
    n.forEachChild((c) => {
      kids.push(c);
    });
    for (let i = kids.length - 1; i >= 0; i--) todo.push(kids[i]);
  }
  return found;
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}
