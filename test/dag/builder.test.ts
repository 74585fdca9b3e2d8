import { describe, expect, it } from "vitest";
import {
  branch,
  dag,
  dagFromGraph,
  GraphValidationError,
  looseDag,
  select,
  validateGraph,
  type Graph,
} from "../../src/index.js";

function load({ path }: { path: string }): string[] {
  return [path];
}

describe("builder -> graph IR", () => {
  it("records nodes, kinds, ports, edges and options as plain data", () => {
    const child = dag<{ xs: string[] }>("child")
      .node("n", { xs: "input.xs" }, ({ xs }) => xs.length)
      .build();
    const wf = dag<{ path: string }>("ir", { defaults: { retry: { attempts: 2 } } })
      .node("load", { path: "input.path" }, load, {
        retry: { attempts: 3, delayMs: 5, retryOn: () => true },
        timeoutMs: 100,
      })
      .condition("big", { rows: "load" }, ({ rows }) => branch(rows.length > 1, rows))
      .node("yes", { rows: "big.true" }, ({ rows }) => rows.length)
      .node("no", { rows: "big.false" }, ({ rows }) => -rows.length, { hooks: { after: (r) => r } })
      .any("either", { v: ["yes", "no"] }, ({ v }) => v.value)
      .select("route", { v: "either" }, ({ v }) => (v > 0 ? select("pos", v) : select("neg", v)))
      .map("each", { items: "load" }, ({ item }) => item.toUpperCase(), { concurrency: 2 })
      .sub("nested", child, { xs: "each" })
      .then("last", (n) => n + 1)
      .build();
    const g = wf.graph;
    expect(g.name).toBe("ir");
    expect(g.output).toBe("last");
    expect(g.defaults).toEqual({ retry: { attempts: 2 } });
    expect(g.nodes.map((n) => [n.name, n.kind])).toEqual([
      ["load", "task"],
      ["big", "condition"],
      ["yes", "task"],
      ["no", "task"],
      ["either", "any"],
      ["route", "select"],
      ["each", "map"],
      ["nested", "sub"],
      ["last", "task"],
    ]);
    expect(g.nodes[0]).toEqual({
      name: "load",
      kind: "task",
      fn: { name: "load" },
      options: { retry: { attempts: 3, delayMs: 5 }, timeoutMs: 100, has: { retryOn: true } },
    });
    expect(g.nodes[1].ports).toEqual(["true", "false"]);
    expect(g.nodes[3].options).toEqual({ has: { hooks: true } });
    expect(g.nodes[6].options).toEqual({ concurrency: 2 });
    expect(g.nodes[7].subgraph?.name).toBe("child");
    expect(g.edges).toEqual([
      { from: "input", port: "path", to: "load", param: "path" },
      { from: "load", to: "big", param: "rows" },
      { from: "big", port: "true", to: "yes", param: "rows" },
      { from: "big", port: "false", to: "no", param: "rows" },
      { from: "yes", to: "either", param: "v", index: 0 },
      { from: "no", to: "either", param: "v", index: 1 },
      { from: "either", to: "route", param: "v" },
      { from: "load", to: "each", param: "items" },
      { from: "each", to: "nested", param: "xs" },
      { from: "nested", to: "last" },
    ]);
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });

  it("keeps earlier builders valid when a prefix is extended twice", async () => {
    const base = dag<{ n: number }>("fork").node("a", { n: "input.n" }, ({ n }) => n + 1);
    const left = base.node("b", { a: "a" }, ({ a }) => a * 2).build();
    const right = base.node("c", { a: "a" }, ({ a }) => a * 3).build();
    expect(left.graph.nodes.map((n) => n.name)).toEqual(["a", "b"]);
    expect(right.graph.nodes.map((n) => n.name)).toEqual(["a", "c"]);
    expect((await left.run({ n: 1 })).output).toBe(4);
    expect((await right.run({ n: 1 })).output).toBe(6);
  });

  it("builds workflows in loops with the loose builder", async () => {
    let b = looseDag("loop");
    for (let i = 0; i < 50; i++)
      b = b.node(`n${i}`, i === 0 ? { x: "input" } : { x: `n${i - 1}` }, ({ x }) => Number(x) + 1);
    const run = await b.build().run(0);
    expect(run.output).toBe(50);
  });

  it("rejects duplicates and unknown references at build time, naming them", () => {
    const dup = () =>
      looseDag("d")
        .node("a", {}, () => 1)
        .node("a", {}, () => 2)
        .build();
    expect(dup).toThrow(GraphValidationError);
    expect(dup).toThrow(/duplicate node name 'a'/);
    const dangling = () =>
      looseDag("d")
        .node("a", { x: "ghost" }, () => 1)
        .build();
    expect(dangling).toThrow(/dependency of 'a' refers to unknown node 'ghost'/);
    const badPort = () =>
      looseDag("d")
        .condition("c", {}, () => branch(true, 1))
        .node("a", { x: "c.maybe" }, () => 1)
        .build();
    expect(badPort).toThrow(/condition 'c' has only ports 'true' and 'false'/);
    expect(() =>
      looseDag("d")
        .node("a.b", {}, () => 1)
        .build(),
    ).toThrow(/node name 'a.b' is not allowed/);
  });

  it("reports every cycle of a hand-made graph, listing the cycle", () => {
    const g: Graph = {
      version: 1,
      kind: "dag",
      name: "cyclic",
      nodes: ["a", "b", "c", "d"].map((name) => ({ name, kind: "task" as const })),
      edges: [
        { from: "a", to: "b", param: "x" },
        { from: "b", to: "c", param: "x" },
        { from: "c", to: "a", param: "x" },
        { from: "c", to: "d", param: "x" },
        { from: "d", to: "d", param: "y" },
      ],
    };
    const issues = validateGraph(g);
    expect(issues.filter((i) => i.code === "cycle").map((i) => i.message)).toEqual([
      "cycle: a -> b -> c -> a",
      "cycle: d -> d",
    ]);
    expect(() => dagFromGraph(g, {})).toThrow(/cycle: a -> b -> c -> a/);
  });
});
