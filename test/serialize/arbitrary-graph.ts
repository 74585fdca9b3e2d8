/** A fast-check arbitrary of valid graph IR (DAGs and state machines) with awkward strings. */
import fc from "fast-check";
import {
  isReservedName,
  type Graph,
  type GraphEdge,
  type GraphNode,
  type NodeKind,
  type NodeOptionsData,
  validateGraph,
} from "../../src/index.js";

/** Names without '.', including ones that look like numbers, booleans or YAML syntax. */
const nodeName = fc.oneof(
  fc.constantFrom(
    "a",
    "b",
    "yes",
    "null",
    "0x10",
    "1e3",
    "-",
    "~",
    "#x",
    "a: b",
    "é ü",
    "end",
    '"q"',
    "<b>",
    "a b",
    "[x]",
  ),
  fc
    .string({ minLength: 1, maxLength: 8, unit: "grapheme" })
    .filter((s) => !s.includes(".") && !isReservedName(s)),
);
const text = fc.string({ maxLength: 12, unit: "grapheme" });
const json: fc.Arbitrary<unknown> = fc
  .jsonValue({ maxDepth: 2 })
  .map((v) => JSON.parse(JSON.stringify(v)));

const options: fc.Arbitrary<NodeOptionsData> = fc.record(
  {
    retry: fc.record(
      {
        attempts: fc.integer({ min: 1, max: 5 }),
        delayMs: fc.nat(1000),
        backoff: fc.double({ min: 1, max: 3, noNaN: true }),
        jitter: fc.oneof(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })),
      },
      { requiredKeys: ["attempts"] },
    ),
    timeoutMs: fc.nat(10_000),
    runIf: fc.constantFrom("success", "always", "any-failed"),
    concurrency: fc.integer({ min: 1, max: 16 }),
    cache: fc.record({ ttlMs: fc.nat() }, { requiredKeys: [] }),
    fallback: json,
    circuitBreaker: fc.record(
      { threshold: fc.integer({ min: 1, max: 9 }), resetMs: fc.nat(), name: text },
      { requiredKeys: [] },
    ),
    cost: fc.double({ min: 0, max: 1e6, noNaN: true }),
    has: fc.dictionary(
      fc.constantFrom("hooks", "compensate", "cacheKey"),
      fc.constant(true as const),
    ),
  },
  { requiredKeys: [] },
);

const extras = fc.record(
  {
    type: text,
    doc: text,
    fn: fc.record(
      {
        name: text,
        module: text,
        export: text,
        version: fc.constantFrom("1.2.0", "^1.2", "2", ">=1 <3"),
      },
      { requiredKeys: [] },
    ),
    source: fc.record({
      file: text,
      line: fc.integer({ min: 1, max: 9999 }),
      column: fc.integer({ min: 1, max: 200 }),
    }),
    options,
  },
  { requiredKeys: [] },
);

/** A random valid DAG: every edge goes from an earlier node (or `input`) to a later one. */
export function dagGraph(depth = 1): fc.Arbitrary<Graph> {
  return fc
    .uniqueArray(nodeName, { minLength: 1, maxLength: 8, selector: (s) => s })
    .filter((names) => !names.includes("input"))
    .chain((names) => {
      const nodes = fc.tuple(
        ...names.map((name) =>
          fc
            .record({
              kind: fc.constantFrom<NodeKind>(
                "task",
                "condition",
                "select",
                "any",
                "map",
                "stream",
                ...(depth > 0 ? (["sub"] as const) : []),
              ),
              extras,
              cases: fc.uniqueArray(fc.constantFrom("x", "y", "z"), { minLength: 1, maxLength: 3 }),
              sub: depth > 0 ? dagGraph(depth - 1) : fc.constant(undefined),
            })
            .map(({ kind, extras, cases, sub }): GraphNode => ({
              name,
              kind,
              ...extras,
              ...(kind === "condition" ? { ports: ["true", "false"] } : {}),
              ...(kind === "select" ? { ports: cases } : {}),
              ...(kind === "sub" ? { subgraph: sub } : {}),
              // A stream takes only these options (see validateStreams).
              ...(kind === "stream"
                ? { options: { buffer: (extras.options?.concurrency ?? 16) as number } }
                : {}),
            })),
        ),
      );
      const edges = fc.array(
        fc.record({
          to: fc.integer({ min: 0, max: names.length - 1 }),
          from: fc.integer({ min: -1, max: names.length - 1 }),
          port: fc.option(fc.constantFrom("p", "a.b", "true"), { nil: undefined }),
          param: fc.option(fc.constantFrom("rows", "n", "a b"), { nil: undefined }),
          index: fc.option(fc.nat(3), { nil: undefined }),
          type: fc.option(text, { nil: undefined }),
        }),
        { maxLength: 12 },
      );
      return fc.record({
        nodes,
        edges,
        name: nodeName,
        doc: fc.option(text, { nil: undefined }),
        out: fc.nat(),
      });
    })
    .map(({ nodes, edges, name, doc, out }): Graph => {
      const es: GraphEdge[] = [];
      for (const e of edges) {
        const from = Math.min(e.from, e.to - 1);
        const src = from >= 0 ? nodes[from] : undefined;
        // Branch ports must exist on conditions and selects; other ports are free fields.
        let port: string | undefined = e.port;
        if (src?.kind === "condition") port = "true";
        else if (src?.kind === "select") port = src.ports?.[0];
        else if (src?.kind === "stream") port = undefined;
        const edge: GraphEdge = { from: src ? src.name : "input", to: nodes[e.to].name };
        if (port !== undefined) edge.port = port;
        if (e.param !== undefined) edge.param = e.param;
        if (e.index !== undefined) edge.index = e.index;
        if (e.type !== undefined) edge.type = e.type;
        es.push(edge);
      }
      // A stream's readers cannot be retried nor cached.
      for (const e of es) {
        const reader = nodes.find((n) => n.name === e.to);
        if (nodes.some((n) => n.name === e.from && n.kind === "stream") && reader?.options) {
          const { retry: _r, cache: _c, ...rest } = reader.options;
          reader.options = rest;
        }
      }
      const g: Graph = {
        version: 1,
        kind: "dag",
        name,
        nodes,
        edges: es,
        output: nodes[out % nodes.length].name,
      };
      if (doc !== undefined) g.doc = doc;
      return g;
    })
    .filter((g) => !validateGraph(g).some((i) => i.code === "stream-use"));
}

/** A random valid state machine: a ring of states, so each is reachable and can reach the end. */
export const fsmGraph: fc.Arbitrary<Graph> = fc
  .uniqueArray(nodeName, { minLength: 1, maxLength: 6, selector: (s) => s })
  .chain((names) =>
    fc.record({
      names: fc.constant(names),
      style: fc.constantFrom<"function" | "event">("function", "event"),
      guards: fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length }),
      extra: fc.array(fc.tuple(fc.nat(names.length - 1), fc.nat(names.length - 1)), {
        maxLength: 4,
      }),
    }),
  )
  .map(({ names, style, guards, extra }): Graph => {
    const event = (i: number): string => `E${i}`;
    const edges: GraphEdge[] = names.map((n, i) => ({
      from: n,
      to: names[(i + 1) % names.length],
      ...(style === "event" ? { event: event(i) } : {}),
      ...(guards[i] ? { guard: true } : {}),
    }));
    for (const [a, b] of extra) {
      edges.push({
        from: names[a],
        to: names[b],
        ...(style === "event" ? { event: "JUMP", wildcard: true } : {}),
      });
    }
    return {
      version: 1,
      kind: "fsm",
      name: "machine",
      nodes: names.map((name) => ({ name, kind: "state" })),
      edges,
      fsm: {
        initial: names[0],
        terminal: [names[names.length - 1]],
        style,
        ...(style === "event"
          ? { events: [...names.map((_, i) => event(i)), "JUMP"] }
          : { maxCycles: 10 }),
      },
    };
  });
