/**
 * Extraction: exported workflows in TypeScript source -> graph IR, without running anything.
 * Chains are found syntactically; the type checker is asked only at builder call sites.
 */
import { ts } from "ts-morph";
import type { Graph } from "../../src/graph/types.js";
import { typeToJsonSchema } from "../schema/from-type.js";
import { JSON_SCHEMA_DIALECT } from "../schema/types.js";
import { flattenChain, type Chain } from "./chain.js";
import { ExtractContext, Unanalysable, unwrap } from "./context.js";
import { DagReader, type DagResult } from "./dag.js";
import { exportedCandidates, importsWeft, type ExportedCandidate } from "./discover.js";
import { declarationDoc } from "./docs.js";
import { FsmReader } from "./fsm.js";
import { StaticReader } from "./static-value.js";
import type { ExtractedWorkflow, WorkflowFacts } from "./workflow.js";

export type { ExtractedWorkflow, WorkflowFacts } from "./workflow.js";
export { ExtractContext } from "./context.js";

interface ReadResult {
  graph: Graph;
  inputType: ts.Type | undefined;
  facts: WorkflowFacts;
  complete: boolean;
}

/**
 * Reads workflows from source files. One instance per extraction run; it memoises workflows so
 * a sub-workflow used by several parents (or exported under two names) is read once.
 */
export class WorkflowExtractor {
  private readonly reader: StaticReader;
  private readonly dags: DagReader;
  private readonly fsms: FsmReader;
  /** Results by the chain's outermost call (`.build()`), `null` while being read. */
  private readonly memo = new Map<ts.Node, ReadResult | null | undefined>();

  constructor(private readonly ctx: ExtractContext) {
    this.reader = new StaticReader(ctx.checker);
    this.dags = new DagReader(ctx, this.reader, (expr) => this.subWorkflow(expr));
    this.fsms = new FsmReader(ctx, this.reader);
  }

  /** Every exported workflow of a file, in source order. */
  extractFile(sf: ts.SourceFile): ExtractedWorkflow[] {
    if (!importsWeft(sf)) return [];
    const out: ExtractedWorkflow[] = [];
    const seen = new Set<ts.Node>();
    for (const candidate of exportedCandidates(sf)) {
      const w = this.candidate(candidate, seen);
      if (w) out.push(w);
    }
    return out;
  }

  private candidate(c: ExportedCandidate, seen: Set<ts.Node>): ExtractedWorkflow | undefined {
    const { ctx } = this;
    let chain: Chain | undefined;
    try {
      chain = flattenChain(c.expression, this.reader);
    } catch (err) {
      if (!(err instanceof Unanalysable)) throw err;
      if (this.isWorkflowValue(c.expression)) ctx.report(err.code, err.message, err.at);
      return undefined;
    }
    if (!chain) {
      if (this.isWorkflowValue(c.expression)) {
        ctx.report(
          "WEFT021",
          `export '${c.exportName}' is a workflow the compiler cannot follow: it is not a dag(...)/fsm(...)/machine(...) ` +
            `chain ending in .build(); write the chain in the declaration (compose parts with .use(fragment))`,
          c.nameNode,
        );
      }
      return undefined;
    }
    const last = chain.steps[chain.steps.length - 1];
    const key = last?.call ?? (chain.root.kind === "call" ? chain.root.call : c.expression);
    if (seen.has(key)) return undefined; // the same workflow exported again under another name
    seen.add(key);
    const result = this.readChain(chain, key);
    if (!result) return undefined;
    const graph = structuredCloneGraph(result.graph);
    const sf = c.declaration.getSourceFile();
    const file = ctx.relPath(sf.fileName);
    graph.source = ctx.locate(c.nameNode);
    const { doc, tags } = declarationDoc(c.declaration);
    if (doc && graph.doc === undefined) graph.doc = doc;
    graph.module = { name: graph.name, module: file, export: c.exportName };

    const title = `${graph.name} input`;
    const schema = result.inputType
      ? typeToJsonSchema(ctx.checker, result.inputType, "input", title)
      : { schema: { $schema: JSON_SCHEMA_DIALECT, title }, issues: [] };
    graph.input = { ...(graph.input ?? {}), schema: schema.schema };
    return {
      graph,
      exportName: c.exportName,
      file,
      inputSchema: schema.schema,
      schemaIssues: schema.issues,
      complete: result.complete,
      durable: this.isDurable(chain, c, tags),
      facts: { ...result.facts, edgeSources: remapEdges(result.graph, graph, result.facts) },
    };
  }

  /** Reads a chain by its builder function, memoised by its outermost call. */
  private readChain(chain: Chain, key: ts.Node): ReadResult | undefined {
    const { ctx } = this;
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached ?? undefined;
    if (this.memo.has(key)) {
      throw new Unanalysable("WEFT021", "workflow contains itself as a sub-workflow", key);
    }
    if (chain.root.kind !== "call") return undefined;
    this.memo.set(key, null);
    let result: ReadResult | undefined;
    const fn = chain.root.fn;
    const nameArg = chain.root.call.arguments[0];
    let name: string | undefined;
    try {
      if (fn === "fragment") return this.forget(key);
      if (!nameArg)
        throw new Unanalysable("WEFT020", `${fn}() needs a workflow name`, chain.root.call);
      name = this.reader.string(nameArg, "a workflow name");
    } catch (err) {
      if (!(err instanceof Unanalysable)) throw err;
      ctx.report(err.code, err.message, err.at);
      return this.forget(key);
    }
    if (fn === "dag") result = this.dags.read(chain, name) satisfies DagResult | undefined;
    else result = this.fsms.read(chain, name, fn === "fsm" ? "function" : "event");
    this.memo.set(key, result);
    return result;
  }

  private forget(key: ts.Node): undefined {
    this.memo.delete(key);
    return undefined;
  }

  /** The graph of a `.sub(name, workflow, ...)` argument. */
  private subWorkflow(expr: ts.Expression): { graph: Graph } | undefined {
    const chain = flattenChain(expr, this.reader);
    if (!chain || chain.root.kind !== "call" || chain.root.fn !== "dag") return undefined;
    const last = chain.steps[chain.steps.length - 1];
    if (!last) return undefined;
    const result = this.readChain(chain, last.call);
    if (!result) return undefined;
    return { graph: result.graph };
  }

  /** Whether an exported value's type is one of weft's built workflows. */
  private isWorkflowValue(expr: ts.Expression): boolean {
    const e = unwrap(expr);
    if (
      ts.isArrowFunction(e) ||
      ts.isFunctionExpression(e) ||
      ts.isClassExpression(e) ||
      ts.isLiteralExpression(e) ||
      ts.isObjectLiteralExpression(e) ||
      ts.isArrayLiteralExpression(e)
    ) {
      return false;
    }
    const type = this.ctx.checker.getTypeAtLocation(e);
    const graph = type.getProperty("graph");
    const run = type.getProperty("run") ?? type.getProperty("start");
    if (!graph || !run) return false;
    const decl = (type.getSymbol() ?? type.aliasSymbol)?.declarations?.[0];
    const file = decl?.getSourceFile().fileName ?? "";
    return /\/src\/(dag|fsm)\//.test(file) || file.includes("/node_modules/weft/");
  }

  /**
   * The durability rule (WEFT030): a workflow is durable when its declaration carries the
   * `@durable` doc tag, when its options say `durable: true` or name a `checkpoint`, or when the
   * file runs or resumes it with a `checkpoint` option.
   */
  private isDurable(chain: Chain, c: ExportedCandidate, tags: Set<string>): boolean {
    if (tags.has("durable")) return true;
    if (chain.root.kind === "call") {
      const opts = chain.root.call.arguments[1];
      if (opts && ts.isObjectLiteralExpression(unwrap(opts))) {
        for (const p of (unwrap(opts) as ts.ObjectLiteralExpression).properties) {
          const n =
            p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))
              ? p.name.text
              : undefined;
          if (n === "checkpoint") return true;
          if (
            n === "durable" &&
            ts.isPropertyAssignment(p) &&
            p.initializer.kind === ts.SyntaxKind.TrueKeyword
          ) {
            return true;
          }
        }
      }
    }
    if (!ts.isVariableDeclaration(c.declaration) || !ts.isIdentifier(c.declaration.name))
      return false;
    return runsWithCheckpoint(c.declaration.getSourceFile(), c.declaration.name.text);
  }
}

/** Whether the file calls `name.run(input, { checkpoint })` or `name.resume(...)`. */
function runsWithCheckpoint(sf: ts.SourceFile, name: string): boolean {
  if (!sf.text.includes(`${name}.`)) return false;
  const todo: ts.Node[] = [sf];
  while (todo.length > 0) {
    const n = todo.pop() as ts.Node;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const target = n.expression.expression;
      const method = n.expression.name.text;
      if (ts.isIdentifier(target) && target.text === name) {
        if (method === "resume") return true;
        const opts = n.arguments[1];
        if (
          (method === "run" || method === "stream") &&
          opts &&
          ts.isObjectLiteralExpression(opts)
        ) {
          if (
            opts.properties.some(
              (p) => p.name && ts.isIdentifier(p.name) && p.name.text === "checkpoint",
            )
          )
            return true;
        }
      }
    }
    n.forEachChild((c) => {
      todo.push(c);
    });
  }
  return false;
}

/** Edge sources keyed by the copied graph's edges (same order as the original's). */
function remapEdges(
  original: Graph,
  copy: Graph,
  facts: WorkflowFacts,
): WorkflowFacts["edgeSources"] {
  const out: WorkflowFacts["edgeSources"] = new Map();
  original.edges.forEach((e, i) => {
    const loc = facts.edgeSources.get(e);
    if (loc) out.set(copy.edges[i], loc);
  });
  return out;
}

/** A deep copy, so per-export additions (source, doc) do not leak into memoised sub-graphs. */
function structuredCloneGraph(graph: Graph): Graph {
  return JSON.parse(JSON.stringify(graph)) as Graph;
}
