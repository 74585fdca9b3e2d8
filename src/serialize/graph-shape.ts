/**
 * The structure of the graph IR as checkers: what `parseGraph` accepts and what `graphToJson`
 * writes, in one place. Field order here is the key order of written documents.
 */
import type { Graph, GraphNode } from "../graph/types.js";
import {
  arrayOf,
  bool,
  describe,
  either,
  json,
  name,
  num,
  object,
  oneOf,
  recordOf,
  str,
  yes,
  type Check,
  type ShapeContext,
} from "./shape.js";
import type { FieldPath } from "./path.js";
import { parseFunctionRef } from "../registry/ref.js";

/** Deepest nesting of sub-workflows accepted. */
export const MAX_SUBGRAPH_DEPTH = 32;

const sourceLocation = object(
  [
    ["file", str, "required"],
    ["line", num(0, true), "required"],
    ["column", num(0, true), "required"],
  ],
  "a source location",
);

const functionRefObject = object(
  [
    ["name", str],
    ["module", str],
    ["export", str],
    ["version", name],
  ],
  "a function reference",
);

/** A function reference: an object, or the short form `"name"` / `"name@range"`. */
const functionRef: Check<Record<string, unknown>> = (ctx, v, path) => {
  if (typeof v !== "string") return functionRefObject(ctx, v, path);
  const ref = parseFunctionRef(v);
  return ref ?? ctx.issue(path, `expected "name" or "name@range", got ${describe(v)}`);
};

const retry = object(
  [
    ["attempts", num(1, true), "required"],
    ["delayMs", num(0)],
    ["backoff", num(0)],
    ["maxDelayMs", num(0)],
    ["jitter", either(bool, num(0), "true, false or a number")],
  ],
  "a retry policy",
);

const options = object(
  [
    ["retry", retry],
    ["timeoutMs", num(0)],
    ["runIf", oneOf("success", "always", "any-failed")],
    ["concurrency", num(1, true)],
    ["buffer", num(1, true)],
    ["cache", object([["ttlMs", num(0)]], "cache options")],
    ["fallback", json],
    [
      "circuitBreaker",
      object(
        [
          ["threshold", num(1, true)],
          ["resetMs", num(0)],
          ["name", str],
        ],
        "circuit breaker options",
      ),
    ],
    ["cost", num(0)],
    ["thread", bool],
    ["has", recordOf(yes)],
  ],
  "node options",
);

const nodeKind = oneOf(
  "task",
  "condition",
  "select",
  "any",
  "map",
  "sub",
  "state",
  "wait",
  "stream",
);

/** A wait node's `wait` field: `{ for: "signal" }` or `{ for: "sleep", ms }`. */
const waitData: Check<Record<string, unknown>> = (ctx, v, path) => {
  const w = object(
    [
      ["for", oneOf("signal", "sleep"), "required"],
      ["ms", num(0)],
    ],
    "wait settings",
  )(ctx, v, path) as Record<string, unknown> | undefined;
  if (w && w.for === "sleep" && w.ms === undefined) {
    return ctx.issue([...path, "ms"], "a sleep needs 'ms'");
  }
  return w;
};

const edge = object(
  [
    ["from", name, "required"],
    ["port", str],
    ["to", name, "required"],
    ["param", str],
    ["index", num(0, true)],
    ["type", str],
    ["event", name],
    ["guard", bool],
    ["action", bool],
    ["wildcard", bool],
  ],
  "an edge",
);

const fsmData = object(
  [
    ["initial", name, "required"],
    ["terminal", arrayOf(name), "required"],
    ["maxCycles", num(0, true)],
    ["events", arrayOf(name)],
    ["style", oneOf("function", "event"), "required"],
  ],
  "FSM settings",
);

const inputData = object(
  [
    ["type", str],
    ["schema", json],
  ],
  "input description",
);

function nodeShape(depth: number): Check<Record<string, unknown>> {
  return object(
    [
      ["name", name, "required"],
      ["kind", nodeKind, "required"],
      ["ports", arrayOf(name)],
      ["fn", functionRef],
      ["options", options],
      ["type", str],
      ["wait", waitData],
      ["targets", arrayOf(name)],
      ["canStop", bool],
      ["doc", str],
      ["source", sourceLocation],
      ["subgraph", (ctx, v, path) => checkGraph(ctx, v, path, depth + 1)],
    ],
    "a node",
  );
}

/**
 * Checks `v` as a graph and returns a clean copy in canonical key order, or `undefined` after
 * recording every issue in `ctx`.
 */
export function checkGraph(
  ctx: ShapeContext,
  v: unknown,
  path: FieldPath = [],
  depth = 0,
): Graph | undefined {
  if (depth > MAX_SUBGRAPH_DEPTH) {
    return ctx.issue(path, `sub-workflows nest deeper than ${MAX_SUBGRAPH_DEPTH} levels`);
  }
  const shape = object(
    [
      [
        "version",
        (c, x, p) => (x === 1 ? 1 : c.issue(p, `unsupported version ${describe(x)} (expected 1)`)),
        "required",
      ],
      ["kind", oneOf("dag", "fsm"), "required"],
      ["name", name, "required"],
      ["doc", str],
      ["source", sourceLocation],
      ["module", functionRef],
      ["input", inputData],
      ["output", name],
      ["fsm", fsmData],
      ["nodes", arrayOf(nodeShape(depth)), "required"],
      ["edges", arrayOf(edge), "required"],
    ],
    "a workflow graph",
  );
  const g = shape(ctx, v, path) as Graph | undefined;
  if (!g) return undefined;
  let ok = true;
  const bad = (p: FieldPath, message: string): void => {
    ctx.issue(p, message);
    ok = false;
  };
  if (g.kind === "fsm" && !g.fsm) bad(path, "a state machine ('kind: fsm') needs an 'fsm' section");
  if (g.kind === "dag" && g.fsm)
    bad([...path, "fsm"], "only state machines ('kind: fsm') have an 'fsm' section");
  g.nodes.forEach((n: GraphNode, i) => {
    const at = [...path, "nodes", i];
    if (g.kind === "fsm" && n.kind !== "state") {
      bad([...at, "kind"], `a state machine's nodes are states; got kind "${n.kind}"`);
    }
    if (g.kind === "dag" && n.kind === "state")
      bad([...at, "kind"], `kind "state" belongs to state machines`);
    if (n.subgraph && n.kind !== "sub")
      bad([...at, "subgraph"], `only 'sub' nodes have a subgraph (this is a "${n.kind}")`);
  });
  return ok ? g : undefined;
}
