import { describe, expect, it } from "vitest";
import { dag, fragment } from "../../src/index.js";

describe("fragments must extend the builder they are given", () => {
  it("refuses an inline fragment that returns an unrelated builder (the workflow would be replaced)", () => {
    const base = dag<{ n: number }>("main").node("a", { n: "input.n" }, ({ n }) => n + 1);
    const other = dag<{ n: number }>("other").node("z", {}, () => 0);
    expect(() => base.use(() => other)).toThrow(
      "workflow 'main': a fragment must return the builder it was given, extended",
    );
  });

  it("refuses a typed fragment whose body returns another builder", () => {
    const stray = dag<{ n: number }>("stray").node("s", {}, () => 1);
    const bad = fragment<{ a: number }>()(() => stray as never);
    const base = dag<{ n: number }>("main").node("a", { n: "input.n" }, ({ n }) => n + 1);
    expect(() => base.use(bad)).toThrow("a fragment must return the builder it was given");
  });

  it("accepts fragments that extend the builder, including one that adds nothing", async () => {
    const base = dag<{ n: number }>("main").node("a", { n: "input.n" }, ({ n }) => n + 1);
    const wf = base
      .use((b) => b)
      .use((b) => b.node("b", { a: "a" }, ({ a }) => a * 10))
      .build();
    expect(wf.graph.nodes.map((n) => n.name)).toEqual(["a", "b"]);
    expect((await wf.run({ n: 1 })).output).toBe(20);
  });
});
