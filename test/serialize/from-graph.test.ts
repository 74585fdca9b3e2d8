import { describe, expect, it } from "vitest";
import {
  branch,
  dag,
  fromGraph,
  graphToJson,
  graphToYaml,
  parseGraph,
  RegistryError,
  select,
} from "../../src/index.js";

interface Row {
  id: number;
  age: number;
}

function readRows({ path }: { path: string }): Row[] {
  return path.split(",").map((x, i) => ({ id: i, age: Number(x) }));
}
function cleanRows({ rows, minAge }: { rows: Row[]; minAge: number }): Row[] {
  return rows.filter((r) => r.age >= minAge);
}
function isBig({ rows }: { rows: Row[] }) {
  return branch(rows.length > 2, rows);
}
function batchLoad({ rows }: { rows: Row[] }): string {
  return `batch:${rows.length}`;
}
function inlineLoad({ rows }: { rows: Row[] }): string {
  return `inline:${rows.length}`;
}
function route({ rows }: { rows: Row[] }) {
  return select(rows.length ? "some" : "none", rows.length);
}
function pick({ r }: { r: { from: string; value: string } }): string {
  return `${r.from}/${r.value}`;
}
function double({ item }: { item: Row; index: number }): number {
  return item.age * 2;
}
function sumAges({ rows }: { rows: Row[] }): number {
  return rows.reduce((s, r) => s + r.age, 0);
}
function shout(s: string): string {
  return s.toUpperCase();
}

const child = dag<{ rows: Row[] }>("child").node("sum", { rows: "input.rows" }, sumAges).build();

const etl = dag<{ path: string; minAge: number }>("etl")
  .node("load", { path: "input.path" }, readRows, {
    retry: { attempts: 2, delayMs: 1 },
    timeoutMs: 1000,
  })
  .node("clean", { rows: "load", minAge: "input.minAge" }, cleanRows)
  .condition("big", { rows: "clean" }, isBig)
  .node("batch", { rows: "big.true" }, batchLoad)
  .node("inline", { rows: "big.false" }, inlineLoad)
  .select("route", { rows: "clean" }, route)
  .map("each", { items: "clean" }, double, { concurrency: 2 })
  .sub("nested", child, { rows: "clean" })
  .any("loaded", { r: ["batch", "inline"] }, pick)
  .then("loud", shout)
  .returns("loud")
  .build();

const registry = {
  readRows,
  cleanRows,
  isBig,
  batchLoad,
  inlineLoad,
  route,
  pick,
  double,
  shout,
  child,
};

describe("fromGraph", () => {
  it("rebuilds a workflow that runs like the original, through JSON and YAML", async () => {
    for (const input of [
      { path: "10,20,30,40", minAge: 15 },
      { path: "10,20", minAge: 15 },
    ]) {
      const original = await etl.run(input);
      expect(original.status).toBe("completed");
      for (const text of [graphToJson(etl.graph), graphToYaml(etl.graph)]) {
        const rebuilt = fromGraph(parseGraph(text), registry);
        const run = await rebuilt.run(input);
        expect(run.status).toBe("completed");
        expect(run.output).toEqual(original.output);
        for (const n of etl.graph.nodes) {
          expect(run.statusOf(n.name)).toBe(original.statusOf(n.name));
          expect(run.get(n.name)).toEqual(original.get(n.name as "load"));
        }
      }
    }
    const big = await fromGraph(parseGraph(graphToYaml(etl.graph)), registry).run({
      path: "10,20,30,40",
      minAge: 15,
    });
    expect(big.output).toBe("BATCH/BATCH:3");
    expect(big.get("each")).toEqual([40, 60, 80]);
    expect(big.get("nested")).toBe(90);
  });

  it("restores policies recorded in the graph", () => {
    const rebuilt = fromGraph(parseGraph(graphToJson(etl.graph)), registry);
    expect(rebuilt.impl("load")?.options).toEqual({
      retry: { attempts: 2, delayMs: 1 },
      timeoutMs: 1000,
    });
    expect(rebuilt.impl("each")?.options).toEqual({ concurrency: 2 });
    expect(rebuilt.impl("load")?.fn).toBe(readRows);
  });

  it("rebuilds a sub-workflow from the embedded subgraph when the registry lacks it", async () => {
    const { child: _omit, ...withoutChild } = registry;
    const rebuilt = fromGraph(parseGraph(graphToJson(etl.graph)), { ...withoutChild, sumAges });
    const run = await rebuilt.run({ path: "1,2", minAge: 0 });
    expect(run.get("nested")).toBe(3);
  });

  it("names every node whose function is missing and lists the registry", () => {
    const { shout: _a, isBig: _b, ...partial } = registry;
    let error: unknown;
    try {
      fromGraph(parseGraph(graphToJson(etl.graph)), partial);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).problems).toEqual([
      { node: "big", message: "missing function: no entry 'isBig' or 'big'" },
      { node: "loud", message: "missing function: no entry 'shout' or 'loud'" },
    ]);
    expect((error as Error).message).toBe(
      "cannot rebuild workflow 'etl':\n" +
        "  - node 'big': missing function: no entry 'isBig' or 'big'\n" +
        "  - node 'loud': missing function: no entry 'shout' or 'loud'\n" +
        "  the registry has: 'batchLoad', 'child', 'cleanRows', 'double', 'inlineLoad', 'pick', 'readRows', 'route'",
    );
  });

  it("falls back to the node name and checks entry types", () => {
    const g = parseGraph(graphToJson(etl.graph));
    const byNodeName = { ...registry, shout: undefined, loud: shout } as unknown as typeof registry;
    expect(fromGraph(g, byNodeName).impl("loud")?.fn).toBe(shout);
    expect(() => fromGraph(g, { ...registry, shout: child })).toThrow(
      "node 'loud': registry entry 'shout' is a workflow, not a function",
    );
    expect(() => fromGraph(g, { ...registry, child: sumAges })).toThrow(
      "node 'nested': registry entry 'child' is not a workflow",
    );
    const other = dag<{ rows: Row[] }>("child")
      .node("other", { rows: "input.rows" }, sumAges)
      .build();
    expect(() => fromGraph(g, { ...registry, child: other })).toThrow(
      "registry workflow 'child' does not match the node's subgraph 'child'",
    );
  });

  it("takes runtime-only options by node name", async () => {
    const seen: string[] = [];
    const rebuilt = fromGraph(parseGraph(graphToJson(etl.graph)), registry, {
      options: { loud: { hooks: { after: (r: unknown) => void seen.push(String(r)) } } },
    });
    await rebuilt.run({ path: "1", minAge: 0 });
    expect(seen).toEqual(["INLINE/INLINE:1"]);
  });

  it("refuses state machines", () => {
    const fsm = parseGraph(
      JSON.stringify({
        version: 1,
        kind: "fsm",
        name: "m",
        nodes: [{ name: "a", kind: "state" }],
        edges: [],
        fsm: { initial: "a", terminal: ["a"], style: "function" },
      }),
    );
    expect(() => fromGraph(fsm, registry)).toThrow("'m' is a state machine");
  });
});
