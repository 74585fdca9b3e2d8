/**
 * State machine chains -> graph IR, mirroring src/fsm: function-return machines
 * (`fsm(name).states(...).state(s, handler).build()`) and event-driven ones
 * (`machine(name).states(...).events(...).transition(from, event, to).build()`).
 *
 * A handler's transitions are the `next("x")` calls in its body, read syntactically; when a
 * target is not a literal, the handler's return type (`Next<"a" | "b", V> | Stop<W>`) says
 * where it can go.
 */
import { ts } from "ts-morph";
import type { Graph, GraphEdge, GraphNode, NodeOptionsData } from "../../src/graph/types.js";
import { awaited, propertyType, typeText, unionMembers } from "../type-utils.js";
import type { Chain, ChainStep } from "./chain.js";
import { Unanalysable, snippet, unwrap, type ExtractContext } from "./context.js";
import { isDslModule } from "./discover.js";
import { stepDoc } from "./docs.js";
import { typeArgument } from "./dag.js";
import { functionRef } from "./fn-ref.js";
import { readOptions } from "./options.js";
import type { StaticReader } from "./static-value.js";
import type { WorkflowFacts } from "./workflow.js";

/** Cycle limit of `build()` without one (src/fsm's DEFAULT_MAX_CYCLES). */
const DEFAULT_MAX_CYCLES = 1000;

/** A machine read from source. */
export interface FsmResult {
  graph: Graph;
  inputType: ts.Type | undefined;
  facts: WorkflowFacts;
  complete: boolean;
}

interface StateInfo {
  node: GraphNode;
  /** Value type per target, for edge type text. */
  valueTypes: Map<string, ts.Type>;
}

/** Reads state machine chains. */
export class FsmReader {
  constructor(
    private readonly ctx: ExtractContext,
    private readonly reader: StaticReader,
  ) {}

  /** Reads `fsm(...)` or `machine(...)` chains ending in `.build()`. */
  read(chain: Chain, name: string, style: "function" | "event"): FsmResult | undefined {
    const last = chain.steps[chain.steps.length - 1];
    if (!last || last.method !== "build" || chain.root.kind !== "call") return undefined;
    const facts: WorkflowFacts = {
      nodeTypes: new Map(),
      edgeSources: new Map(),
      caseSources: new Map(),
    };
    const inputType = typeArgument(
      this.ctx.checker,
      this.ctx.checker.getTypeAtLocation(chain.root.call),
      style === "function" ? "I" : "C",
      0,
    );
    const state = { complete: true };
    const reported = this.ctx.diagnostics.length;
    const graph =
      style === "function"
        ? this.functionMachine(chain, name, facts, state)
        : this.eventMachine(chain, name, facts, state);
    if (inputType) graph.input = { type: typeText(this.ctx.checker, inputType, chain.root.call) };
    return {
      graph,
      inputType,
      facts,
      complete: state.complete && this.ctx.diagnostics.length === reported,
    };
  }

  private functionMachine(
    chain: Chain,
    name: string,
    facts: WorkflowFacts,
    flag: { complete: boolean },
  ): Graph {
    const { ctx, reader } = this;
    const where: ts.Node = chain.root.kind === "call" ? chain.root.call : chain.root.param;
    let states: string[] = [];
    let initial: string | undefined;
    let terminal: string[] = [];
    let maxCycles = DEFAULT_MAX_CYCLES;
    let defaultOptions: NodeOptionsData | undefined;
    const infos = new Map<string, StateInfo>();
    let buildStep: ChainStep | undefined;
    const checkState = (s: string, at: ts.Node, role: string): void => {
      if (!states.includes(s)) {
        throw new Unanalysable(
          "WEFT012",
          `${role} '${s}' is not a declared state of machine '${name}' (states: ${states.join(", ")})`,
          at,
        );
      }
    };
    for (const step of chain.steps) {
      try {
        ctx.checker.getTypeAtLocation(step.call);
        switch (step.method) {
          case "states":
            states = this.stringArgs(step, "a state name");
            initial ??= states[0];
            break;
          case "initial":
            initial = reader.string(argAt(step, 0), "the initial state");
            checkState(initial, step.call.arguments[0], "initial state");
            break;
          case "state": {
            const info = this.stateNode(step, states, name);
            if (infos.has(info.node.name)) {
              throw new Unanalysable(
                "WEFT004",
                `state '${info.node.name}' already has a handler`,
                step.call.arguments[0],
              );
            }
            infos.set(info.node.name, info);
            break;
          }
          case "build": {
            buildStep = step;
            const opts = step.call.arguments[0];
            if (opts) {
              const entries = new Map(reader.entries(opts).map((e) => [e.key, e]));
              const mc = entries.get("maxCycles")?.value;
              if (mc) {
                const v = reader.evaluate(mc);
                if (typeof v !== "number")
                  throw new Unanalysable("WEFT024", "maxCycles must be a number", mc);
                maxCycles = v;
              }
              const term = entries.get("terminal")?.value;
              if (term) {
                const v = reader.evaluate(term);
                if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
                  throw new Unanalysable("WEFT024", "terminal must be a list of state names", term);
                }
                terminal = v as string[];
                for (const t of terminal) checkState(t, term, "terminal state");
              }
              const defaults = entries.get("defaults")?.value;
              if (defaults) defaultOptions = statePolicies(reader, defaults);
            }
            break;
          }
          default:
            throw new Unanalysable(
              "WEFT025",
              `'.${step.method}()' is not a state machine builder method (expected states, initial, state, build)`,
              step.nameNode,
            );
        }
      } catch (err) {
        if (!(err instanceof Unanalysable)) throw err;
        ctx.report(err.code, err.message, err.at, name);
        flag.complete = false;
      }
    }
    // State result types come from the built machine's R (state -> value type).
    const results = buildStep
      ? typeArgument(ctx.checker, ctx.checker.getTypeAtLocation(buildStep.call), "R", 2)
      : undefined;
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    for (const s of states) {
      const info = infos.get(s);
      if (!info) {
        ctx.report(
          "WEFT012",
          `state '${s}' of machine '${name}' has no handler`,
          buildStep?.nameNode ?? where,
          name,
        );
        flag.complete = false;
        continue;
      }
      const t = results ? propertyType(ctx.checker, results, s) : undefined;
      if (t) {
        facts.nodeTypes.set(s, t);
        info.node.type = typeText(ctx.checker, t, where);
      }
      nodes.push(info.node);
      for (const to of info.node.targets ?? []) {
        const e: GraphEdge = { from: s, to };
        const vt = info.valueTypes.get(to);
        if (vt) e.type = typeText(ctx.checker, vt, where);
        edges.push(e);
      }
    }
    const graph: Graph = {
      version: 1,
      kind: "fsm",
      name,
      nodes,
      edges,
      fsm: { initial: initial ?? states[0] ?? "", terminal, maxCycles, style: "function" },
    };
    if (defaultOptions) graph.defaults = defaultOptions;
    return graph;
  }

  private stateNode(step: ChainStep, states: string[], machine: string): StateInfo {
    const { ctx, reader } = this;
    const s = reader.string(argAt(step, 0), "a state name");
    if (!states.includes(s)) {
      throw new Unanalysable(
        "WEFT012",
        `'${s}' is not a declared state of machine '${machine}'`,
        step.call.arguments[0],
      );
    }
    const node: GraphNode = { name: s, kind: "state" };
    node.source = ctx.locate(step.nameNode);
    const handlerArg = argAt(step, 1);
    const fn = functionRef(ctx, handlerArg);
    if (fn?.name && fn.name !== s) node.fn = fn;
    const optsArg = step.call.arguments[2];
    let to: string[] | undefined;
    let doc: string | undefined;
    if (optsArg) {
      const entries = new Map(reader.entries(optsArg).map((e) => [e.key, e]));
      const toArg = entries.get("to")?.value;
      if (toArg) {
        const v = reader.evaluate(toArg);
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
          throw new Unanalysable("WEFT024", "'to' must be a list of state names", toArg);
        }
        to = [...new Set(v as string[])];
      }
      // Policies (retry, timeoutMs, hooks) as data, like src/fsm's policiesData.
      const policies = statePolicies(reader, optsArg);
      if (policies) node.options = policies;
      const d = entries.get("doc")?.value;
      if (d) doc = reader.string(d, "a state doc");
    }
    const access = step.call.expression;
    doc ??= ts.isPropertyAccessExpression(access) ? stepDoc(access) : undefined;

    const returned = this.handlerOutcomes(handlerArg);
    const scanned = this.scanHandler(handlerArg, states, machine);
    let targets = to ?? scanned.targets;
    let canStop = scanned.canStop;
    // The runtime reads transitions from the handler's source; when that is inconclusive (a
    // target held in a variable, a handler defined elsewhere), the return type still knows.
    if (scanned.targets === undefined && returned.targets) {
      if (!to) targets = states.filter((x) => returned.targets?.has(x));
      canStop ??= returned.canStop;
    }
    if (targets) node.targets = targets;
    if (canStop !== undefined) node.canStop = canStop;
    if (doc) node.doc = doc;
    return { node, valueTypes: returned.values };
  }

  /** What the handler's return type says: `next` targets, their values, and whether it stops. */
  private handlerOutcomes(handler: ts.Expression): {
    targets?: Set<string>;
    canStop?: boolean;
    values: Map<string, ts.Type>;
  } {
    const checker = this.ctx.checker;
    const values = new Map<string, ts.Type>();
    const sig = checker.getTypeAtLocation(handler).getCallSignatures()[0];
    if (!sig) return { values };
    const ret = awaited(checker, checker.getReturnTypeOfSignature(sig));
    const targets = new Set<string>();
    let canStop = false;
    let known = true;
    for (const m of unionMembers(ret)) {
      const kind = propertyType(checker, m, "kind");
      if (!kind?.isStringLiteral()) {
        known = false;
        continue;
      }
      if (kind.value === "stop") canStop = true;
      if (kind.value !== "next") continue;
      const to = propertyType(checker, m, "to");
      const value = propertyType(checker, m, "value");
      for (const lit of to ? unionMembers(to) : []) {
        if (!lit.isStringLiteral()) {
          known = false;
          continue;
        }
        targets.add(lit.value);
        if (value && !values.has(lit.value)) values.set(lit.value, value);
      }
    }
    return known ? { targets, canStop, values } : { values };
  }

  /**
   * `next("x")` and `stop(...)` calls in the handler's body, like the runtime's scan of the
   * handler's source: targets in order of appearance, or undefined when one is not a literal
   * naming a declared state.
   */
  private scanHandler(
    handler: ts.Expression,
    states: string[],
    machine: string,
  ): { targets?: string[]; canStop?: boolean } {
    const body = this.handlerBody(handler);
    if (!body) return {};
    const names = transitionNames(body.getSourceFile());
    const targets: string[] = [];
    let canStop = false;
    let literal = true;
    let calls = 0;
    const todo: ts.Node[] = [body];
    while (todo.length > 0) {
      const n = todo.pop() as ts.Node;
      if (ts.isCallExpression(n)) {
        const callee = unwrap(n.expression);
        const called = ts.isIdentifier(callee) ? names.get(callee.text) : undefined;
        if (called === "stop") canStop = true;
        if (called === "next") {
          calls++;
          const first = n.arguments[0];
          let to: string | undefined;
          try {
            to = first ? this.reader.string(first, "a next() target") : undefined;
          } catch {
            to = undefined;
          }
          if (to === undefined) literal = false;
          else if (!states.includes(to)) {
            this.ctx.report(
              "WEFT012",
              `next('${to}'): '${to}' is not a declared state of machine '${machine}'`,
              first,
              machine,
            );
            literal = false;
          } else if (!targets.includes(to)) targets.push(to);
        }
      }
      const kids: ts.Node[] = [];
      n.forEachChild((c) => {
        kids.push(c);
      });
      for (let i = kids.length - 1; i >= 0; i--) todo.push(kids[i]);
    }
    if (calls === 0) return canStop ? { targets: [], canStop } : {};
    return literal ? { targets, canStop } : canStop ? { canStop } : {};
  }

  /** The function a handler argument is: inline, a function declaration, or a const arrow. */
  private handlerBody(handler: ts.Expression): ts.Node | undefined {
    let e = unwrap(handler);
    for (let i = 0; i < 20; i++) {
      if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return e.body;
      if (!ts.isIdentifier(e)) return undefined;
      const decl = this.reader.declarationOf(e);
      if (decl && ts.isFunctionDeclaration(decl)) return decl.body;
      const init = this.reader.constInitializer(e);
      if (!init) return undefined;
      e = unwrap(init);
    }
    return undefined;
  }

  private eventMachine(
    chain: Chain,
    name: string,
    facts: WorkflowFacts,
    flag: { complete: boolean },
  ): Graph {
    const { ctx, reader } = this;
    let states: string[] = [];
    let initial: string | undefined;
    const terminal: string[] = [];
    const plainEvents: string[] = [];
    const named: { edges: GraphEdge[]; at: ts.Node }[] = [];
    const wild: { event: string; to: string; guard: boolean; action: boolean; at: ts.Node }[] = [];
    const transitionEvents: string[] = [];
    const check = (s: string, at: ts.Node, role: string): void => {
      if (!states.includes(s)) {
        throw new Unanalysable(
          "WEFT012",
          `${role} '${s}' is not a declared state of machine '${name}'`,
          at,
        );
      }
    };
    for (const step of chain.steps) {
      try {
        switch (step.method) {
          case "states":
            states = this.stringArgs(step, "a state name");
            initial ??= states[0];
            break;
          case "events":
            plainEvents.push(...this.stringArgs(step, "an event name"));
            break;
          case "initial":
            initial = reader.string(argAt(step, 0), "the initial state");
            check(initial, step.call.arguments[0], "initial state");
            break;
          case "terminal":
            for (const [i, s] of this.stringArgs(step, "a terminal state").entries()) {
              check(s, step.call.arguments[i], "terminal state");
              if (!terminal.includes(s)) terminal.push(s);
            }
            break;
          case "transition": {
            const fromArg = argAt(step, 0);
            const from = reader.evaluate(fromArg);
            const event = reader.string(argAt(step, 1), "an event name");
            const to = reader.string(argAt(step, 2), "a target state");
            check(to, step.call.arguments[2], "target");
            let guard = false;
            let action = false;
            const opts = step.call.arguments[3];
            if (opts) {
              const entries = new Map(reader.entries(opts).map((e) => [e.key, e]));
              guard = present(entries.get("guard"));
              action = present(entries.get("action"));
            }
            transitionEvents.push(event);
            if (from === "*") {
              wild.push({ event, to, guard, action, at: step.nameNode });
              break;
            }
            const sources =
              typeof from === "string" ? [from] : Array.isArray(from) ? from : undefined;
            if (!sources || sources.some((s) => typeof s !== "string")) {
              throw new Unanalysable(
                "WEFT020",
                `transition source '${snippet(fromArg)}' must be a state, a list of states or "*"`,
                fromArg,
              );
            }
            const edges: GraphEdge[] = [];
            for (const s of sources as string[]) {
              check(s, fromArg, "source");
              const e: GraphEdge = { from: s, to, event };
              if (guard) e.guard = true;
              if (action) e.action = true;
              edges.push(e);
            }
            named.push({ edges, at: step.nameNode });
            break;
          }
          case "build":
            break;
          default:
            throw new Unanalysable(
              "WEFT025",
              `'.${step.method}()' is not an event machine builder method (expected states, events, initial, terminal, transition, build)`,
              step.nameNode,
            );
        }
      } catch (err) {
        if (!(err instanceof Unanalysable)) throw err;
        ctx.report(err.code, err.message, err.at, name);
        flag.complete = false;
      }
    }
    const edges: GraphEdge[] = [];
    for (const n of named) {
      for (const e of n.edges) {
        facts.edgeSources.set(e, ctx.locate(n.at));
        edges.push(e);
      }
    }
    for (const w of wild) {
      for (const from of states.filter((s) => !terminal.includes(s))) {
        const e: GraphEdge = { from, to: w.to, event: w.event };
        if (w.guard) e.guard = true;
        if (w.action) e.action = true;
        e.wildcard = true;
        facts.edgeSources.set(e, ctx.locate(w.at));
        edges.push(e);
      }
    }
    const events = [...new Set([...plainEvents, ...transitionEvents])];
    return {
      version: 1,
      kind: "fsm",
      name,
      nodes: states.map((s) => ({ name: s, kind: "state" as const })),
      edges,
      fsm: { initial: initial ?? states[0] ?? "", terminal, events, style: "event" },
    };
  }

  private stringArgs(step: ChainStep, what: string): string[] {
    return step.call.arguments
      .map((a) => {
        if (ts.isSpreadElement(a)) {
          const v = this.reader.evaluate(a.expression);
          if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
          throw new Unanalysable(
            "WEFT022",
            `spread '...${snippet(a.expression)}' cannot be expanded; list each name`,
            a,
          );
        }
        return [this.reader.string(a, what)];
      })
      .flat();
  }
}

function argAt(step: ChainStep, i: number): ts.Expression {
  const a = step.call.arguments[i];
  if (!a)
    throw new Unanalysable(
      "WEFT020",
      `'.${step.method}()' is missing argument ${i + 1}`,
      step.call,
    );
  return a;
}

function present(entry: { value?: ts.Expression } | undefined): boolean {
  if (!entry) return false;
  if (!entry.value) return true;
  const v = unwrap(entry.value);
  return (
    !(ts.isIdentifier(v) && v.text === "undefined") &&
    v.kind !== ts.SyntaxKind.FalseKeyword &&
    v.kind !== ts.SyntaxKind.NullKeyword
  );
}

const transitionCache = new WeakMap<ts.SourceFile, Map<string, "next" | "stop">>();

/** Local names of weft's `next` and `stop` in a file (plain `next`/`stop` when not imported). */
function transitionNames(sf: ts.SourceFile): Map<string, "next" | "stop"> {
  const cached = transitionCache.get(sf);
  if (cached) return cached;
  const names = new Map<string, "next" | "stop">();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    if (!isDslModule(st.moduleSpecifier.text)) continue;
    const bindings = st.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) {
      const imported = (el.propertyName ?? el.name).text;
      if (imported === "next" || imported === "stop") names.set(el.name.text, imported);
    }
  }
  if (names.size === 0) {
    names.set("next", "next");
    names.set("stop", "stop");
  }
  transitionCache.set(sf, names);
  return names;
}

/** A state's policies as data: only what machines support (retry, timeoutMs, hooks). */
function statePolicies(reader: StaticReader, expr: ts.Expression): NodeOptionsData | undefined {
  const all = readOptions(reader, expr);
  if (!all) return undefined;
  const d: NodeOptionsData = {};
  if (all.retry) d.retry = all.retry;
  if (all.timeoutMs !== undefined) d.timeoutMs = all.timeoutMs;
  const has: Record<string, true> = {};
  if (all.has?.retryOn) has.retryOn = true;
  if (all.has?.hooks) has.hooks = true;
  if (Object.keys(has).length > 0) d.has = has;
  return Object.keys(d).length > 0 ? d : undefined;
}
