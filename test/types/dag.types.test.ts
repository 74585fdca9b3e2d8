import { describe, expectTypeOf, it } from "vitest";
import { branch, dag, fragment, select, type Ctx } from "../../src/index.js";

type Row = { name: string; age: number };
declare function readRows(path: string): Promise<Row[]>;

const etl = dag<{ path: string; minAge: number }>("etl")
  .node("load", { path: "input.path" }, ({ path }) => readRows(path))
  .node("clean", { rows: "load", minAge: "input.minAge" }, ({ rows, minAge }) => {
    expectTypeOf(rows).toEqualTypeOf<Row[]>();
    expectTypeOf(minAge).toEqualTypeOf<number>();
    return rows.filter((r) => r.age >= minAge);
  })
  .condition("big", { rows: "clean" }, ({ rows }) => branch(rows.length > 1000, rows))
  .node("batch", { rows: "big.true" }, ({ rows }) => ({
    count: rows.length,
    mode: "batch" as const,
  }))
  .node("inline", { rows: "big.false" }, ({ rows }) => ({
    count: rows.length,
    mode: "inline" as const,
  }))
  .any("loaded", { r: ["batch", "inline"] }, ({ r }) => {
    expectTypeOf(r).toEqualTypeOf<
      | { from: "batch"; value: { count: number; mode: "batch" } }
      | { from: "inline"; value: { count: number; mode: "inline" } }
    >();
    return r.value;
  })
  .node("notify", { n: "loaded.count" }, ({ n }) => `loaded ${n}`, { runIf: "always" })
  .build();

describe("DAG builder types", () => {
  it("types run results per node", async () => {
    const run = await etl.run({ path: "a.csv", minAge: 18 });
    expectTypeOf(run.get("clean")).toEqualTypeOf<Row[] | undefined>();
    expectTypeOf(run.get("load")).toEqualTypeOf<Row[] | undefined>();
    expectTypeOf(run.get("loaded.mode")).toEqualTypeOf<"batch" | "inline" | undefined>();
    expectTypeOf(run.get("big.true")).toEqualTypeOf<Row[] | undefined>();
    expectTypeOf(run.output).toEqualTypeOf<string | undefined>();
    expectTypeOf(run.status).toEqualTypeOf<
      "completed" | "failed" | "partial" | "cancelled" | "waiting"
    >();
  });

  it("gives the context the node's name", () => {
    dag<{ n: number }>("ctx").node("twice", { n: "input.n" }, ({ n }, ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<Ctx<"twice">>();
      expectTypeOf(ctx.node).toEqualTypeOf<"twice">();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      return n * 2;
    });
  });

  it("types select cases separately", () => {
    const wf = dag<{ n: number }>("sel")
      .select("route", { n: "input.n" }, ({ n }) =>
        n > 0 ? select("pos", { n }) : select("neg", String(n)),
      )
      .node("p", { v: "route.pos" }, ({ v }) => {
        expectTypeOf(v).toEqualTypeOf<{ n: number }>();
        return v.n;
      })
      .node("q", { v: "route.neg" }, ({ v }) => {
        expectTypeOf(v).toEqualTypeOf<string>();
        return v;
      })
      .build();
    expectTypeOf(wf.run).parameters.toEqualTypeOf<
      [input: { n: number }, options?: import("../../src/index.js").RunOptions]
    >();
  });

  it("types then, map, sub and returns", async () => {
    const child = dag<{ xs: number[] }>("child")
      .node("sum", { xs: "input.xs" }, ({ xs }) => xs.reduce((a, b) => a + b, 0))
      .build();
    const wf = dag<{ words: string[] }>("m")
      .map("lengths", { items: "input.words" }, ({ item, index }) => {
        expectTypeOf(item).toEqualTypeOf<string>();
        expectTypeOf(index).toEqualTypeOf<number>();
        return item.length;
      })
      .then("pair", (lengths) => {
        expectTypeOf(lengths).toEqualTypeOf<number[]>();
        return { xs: lengths };
      })
      .sub("total", child, "pair")
      .node("label", { total: "total" }, ({ total }) => `total ${total}`)
      .returns("total")
      .build();
    const run = await wf.run({ words: ["a"] });
    expectTypeOf(run.output).toEqualTypeOf<number | undefined>();
  });

  it("lets run() omit the input of a workflow that takes none", async () => {
    const wf = dag("none")
      .node("one", {}, () => 1)
      .build();
    const run = await wf.run();
    expectTypeOf(run.output).toEqualTypeOf<number | undefined>();
  });

  it("applies typed fragments", async () => {
    const scoring = fragment<{ clean: Row[] }>()((b) =>
      b
        .node("score", { rows: "clean" }, ({ rows }) => rows.length)
        .node("grade", { s: "score" }, ({ s }) => (s > 1 ? "A" : "B")),
    );
    const wf = dag<{ path: string }>("frag")
      .node("clean", { path: "input.path" }, ({ path }): Row[] => [{ name: path, age: 1 }])
      .use(scoring)
      .node("final", { g: "grade", s: "score" }, ({ g, s }) => `${g}${s}`)
      .build();
    const run = await wf.run({ path: "x" });
    expectTypeOf(run.get("grade")).toEqualTypeOf<string | undefined>();
    expectTypeOf(run.output).toEqualTypeOf<string | undefined>();
  });
});

describe("named functions with a context parameter", () => {
  it("do not widen the node name (so later names stay checked)", async () => {
    function double({ item }: { item: number }, ctx: import("../../src/index.js").NodeContext) {
      return item * 2 + (ctx.attempt - 1);
    }
    function label(a: { n: number[] }, ctx: import("../../src/index.js").NodeContext) {
      return `${ctx.node}:${a.n.length}`;
    }
    const wf = dag<{ xs: number[] }>("named")
      .map("twice", { items: "input.xs" }, double)
      .node("label", { n: "twice" }, label)
      .node("after", { l: "label" }, ({ l }) => l.length)
      .build();
    const run = await wf.run({ xs: [1, 2] });
    expectTypeOf(run.get("twice")).toEqualTypeOf<number[] | undefined>();
    expectTypeOf(run.output).toEqualTypeOf<number | undefined>();
  });
});

describe(".all", () => {
  it("is .node under its other name: arguments and results are typed the same way", async () => {
    const wf = dag<{ a: number; b: string }>("joined")
      .all("both", { a: "input.a", b: "input.b" }, ({ a, b }) => {
        expectTypeOf(a).toEqualTypeOf<number>();
        expectTypeOf(b).toEqualTypeOf<string>();
        return `${b}${a}`;
      })
      .node("len", { s: "both" }, ({ s }) => s.length)
      .build();
    const run = await wf.run({ a: 1, b: "x" });
    expectTypeOf(run.get("both")).toEqualTypeOf<string | undefined>();
    expectTypeOf(run.output).toEqualTypeOf<number | undefined>();
  });
});

describe("arguments under lenient run conditions", () => {
  it("types each argument of a runIf 'always' or 'any-failed' node as possibly missing", () => {
    dag<{ n: number }>("lenient")
      .node("a", { n: "input.n" }, ({ n }) => n * 2)
      .node(
        "always",
        { a: "a", n: "input.n" },
        ({ a, n }) => {
          expectTypeOf(a).toEqualTypeOf<number | undefined>();
          expectTypeOf(n).toEqualTypeOf<number | undefined>();
          return 0;
        },
        { runIf: "always" },
      )
      .node(
        "onFailure",
        { a: "a" },
        ({ a }) => {
          expectTypeOf(a).toEqualTypeOf<number | undefined>();
          return 0;
        },
        { runIf: "any-failed" },
      )
      .node("ordinary", { a: "a" }, ({ a }) => {
        expectTypeOf(a).toEqualTypeOf<number>();
        return a;
      });
  });
});
