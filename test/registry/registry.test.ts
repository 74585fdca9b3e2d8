/** The versioned function registry: resolution, fromGraph, run records, checkpoints, resume. */
import { describe, expect, expectTypeOf, it } from "vitest";
import { dag } from "../../src/dag/index.js";
import { registry, VersionMismatchError, FunctionRegistry } from "../../src/registry/index.js";
import {
  fromGraph,
  parseGraph,
  graphToYaml,
  parseRunRecord,
  runRecordToJson,
  RegistryError,
} from "../../src/serialize/index.js";
import { memoryStore } from "../../src/run/store/memory.js";
import type { Graph } from "../../src/graph/types.js";

const resizeV12 = ({ w }: { w: number }) => `v1.2 ${w}`;
const resizeV131 = ({ w }: { w: number }) => `v1.3.1 ${w}`;
const resizeV2 = ({ w }: { w: number }) => `v2 ${w}`;
const resizeBeta = ({ w }: { w: number }) => `v3-beta ${w}`;

function thumbs(ref: string): Graph {
  return parseGraph(
    `version: 1
kind: dag
name: thumbs
nodes:
  - name: resize
    kind: task
    fn: "${ref}"
  - name: label
    kind: task
    fn: { name: label }
edges:
  - { from: input, port: w, to: resize, param: w }
  - { from: resize, to: label, param: text }
`,
    { file: "thumbs.graph.yaml" },
  );
}

let labelFails = false;
const label = ({ text }: { text: string }) => {
  if (labelFails) throw new Error("label printer offline");
  return `[${text}]`;
};

describe("registry()", () => {
  const reg = registry().add("resize", "1.2.0", resizeV12).add("resize", "2.0.0", resizeV2);

  it("resolves ranges to the highest matching version", () => {
    expect(reg.resolve("resize@^1.2").version).toBe("1.2.0");
    expect(reg.resolve("resize@2").version).toBe("2.0.0");
    expect(reg.resolve("resize@2").fn).toBe(resizeV2);
    expect(reg.resolve({ name: "resize", version: "~1.2.0" }).fn).toBe(resizeV12);
    const more = registry()
      .add("resize", "1.2.0", resizeV12)
      .add("resize", "1.3.1", resizeV131)
      .add("resize", "2.0.0", resizeV2)
      .add("resize", "3.0.0-beta.1", resizeBeta);
    expect(more.resolve("resize@^1.2").version).toBe("1.3.1");
    expect(more.versions("resize")).toEqual(["3.0.0-beta.1", "2.0.0", "1.3.1", "1.2.0"]);
    // No range: the highest stable version; a prerelease only when asked for.
    expect(more.resolve("resize").version).toBe("2.0.0");
    expect(more.resolve("resize@3.0.0-beta.1").version).toBe("3.0.0-beta.1");
    expect(registry().add("x", "0.1.0-rc.1", resizeBeta).resolve("x").version).toBe("0.1.0-rc.1");
  });

  it("no match is a RegistryError listing the versions that exist", () => {
    expect(() => reg.resolve("resize@^3")).toThrow(RegistryError);
    expect(() => reg.resolve("resize@^3")).toThrow(
      "registry:\n  - node 'resize@^3': no version of 'resize' matches '^3' (it has 2.0.0, 1.2.0)\n  the registry has: 'resize@2.0.0', 'resize@1.2.0'",
    );
    expect(() => reg.resolve("crop")).toThrow("no function 'crop' in the registry");
    expect(() => reg.resolve("resize@not a range!")).toThrow(
      "'not a range!' in 'resize@not a range!' is not a semver range",
    );
  });

  it("add refuses bad versions, duplicates and non-functions, naming them", () => {
    expect(() => registry().add("resize", "1.2", resizeV12)).toThrow(
      `'1.2' is not a semver version (like "1.2.0")`,
    );
    expect(() => reg.add("resize", "1.2.0", resizeV12)).toThrow(
      "node 'resize': version 1.2.0 is already registered",
    );
    expect(() => registry().add("a@b", "1.0.0", resizeV12)).toThrow(/without '@'/);
    expect(() => registry().add("r", "1.0.0", 42 as never)).toThrow(
      "version 1.0.0 is a number, not a function",
    );
  });
});

describe("fromGraph with a versioned registry", () => {
  const reg = registry()
    .add("resize", "1.2.0", resizeV12)
    .add("resize", "2.0.0", resizeV2)
    .add("label", "1.0.0", label);

  it("runs the resolved versions and records them per node in the run record", async () => {
    const run = await fromGraph(thumbs("resize@^1.2"), reg).run({ w: 64 });
    expect(run.output).toBe("[v1.2 64]");
    const record = run.toJSON();
    expect(record.nodes.resize.version).toBe("1.2.0");
    expect(record.nodes.label.version).toBe("1.0.0");
    expect(parseRunRecord(runRecordToJson(record)).nodes.resize.version).toBe("1.2.0");
    const v2 = await fromGraph(thumbs("resize@2"), reg).run({ w: 8 });
    expect(v2.output).toBe("[v2 8]");
    expect(
      (await fromGraph(thumbs("resize"), reg).run({ w: 1 })).toJSON().nodes.resize.version,
    ).toBe("2.0.0");
  });

  it("no match names the node, the range and the versions there are", () => {
    expect(() => fromGraph(thumbs("resize@^1.5"), reg)).toThrow(
      "cannot rebuild workflow 'thumbs':\n  - node 'resize': no version of 'resize' matches '^1.5' (it has 2.0.0, 1.2.0)\n" +
        "  the registry has: 'label@1.0.0', 'resize@2.0.0', 'resize@1.2.0'",
    );
    expect(() => fromGraph(thumbs("crop@1"), reg)).toThrow(
      "node 'resize': missing function: no entry 'crop'",
    );
  });

  it("the short form parses to { name, version } and round-trips as an object", () => {
    const g = thumbs("resize@>=1.2 <2");
    expect(g.nodes[0].fn).toEqual({ name: "resize", version: ">=1.2 <2" });
    expect(parseGraph(graphToYaml(g))).toEqual(g);
    expect(() =>
      parseGraph(
        `version: 1\nkind: dag\nname: w\nnodes: [{ name: a, kind: task, fn: "a@" }]\nedges: []\n`,
      ),
    ).toThrow(`nodes[0].fn: expected "name" or "name@range", got "a@"`);
  });

  it("a resume refuses when a node now resolves to another version, unless allowed", async () => {
    const store = memoryStore();
    labelFails = true;
    const first = await fromGraph(thumbs("resize@^1.2"), reg).run(
      { w: 5 },
      { runId: "t1", checkpoint: store },
    );
    expect(first.status).toBe("failed");
    expect(store.loadSnapshot("weft:versions:t1")?.value).toEqual({
      resize: "1.2.0",
      label: "1.0.0",
    });
    labelFails = false;

    const newer = registry()
      .add("resize", "1.2.0", resizeV12)
      .add("resize", "1.4.0", resizeV131)
      .add("label", "1.0.0", label);
    const rebuilt = fromGraph(thumbs("resize@^1.2"), newer);
    const refused = rebuilt.resume("t1", { checkpoint: store });
    await expect(refused).rejects.toThrow(VersionMismatchError);
    await expect(rebuilt.resume("t1", { checkpoint: store })).rejects.toThrow(
      "run 't1' of workflow 'thumbs' was checkpointed with other function versions: node 'resize' ran 1.2.0, now resolves to 1.4.0. " +
        "Resume with the same registry versions, or pass allowVersionChange: true to resume anyway",
    );
    // The same versions resume; resize is not run again (its result comes from the journal).
    const same = await fromGraph(thumbs("resize@~1.2.0"), newer).resume("t1", {
      checkpoint: store,
    });
    expect(same.output).toBe("[v1.2 5]");
    expect(same.metrics.executed).toBe(1);
  });

  it("allowVersionChange resumes and records the new versions", async () => {
    const store = memoryStore();
    labelFails = true;
    await fromGraph(thumbs("resize@^1.2"), reg).run({ w: 5 }, { runId: "t2", checkpoint: store });
    labelFails = false;
    const relabel = registry()
      .add("resize", "1.2.0", resizeV12)
      .add("label", "1.1.0", ({ text }: { text: string }) => `<${text}>`);
    const r = await fromGraph(thumbs("resize@^1.2"), relabel).resume("t2", {
      checkpoint: store,
      allowVersionChange: true,
    });
    expect(r.output).toBe("<v1.2 5>");
    expect(r.toJSON().nodes.label.version).toBe("1.1.0");
    expect(store.loadSnapshot("weft:versions:t2")?.value).toEqual({
      resize: "1.2.0",
      label: "1.1.0",
    });
  });

  it("a function taken with reg.use() records its version in a builder-built workflow", async () => {
    const wf = dag<{ w: number }>("built")
      .node("small", { w: "input.w" }, reg.use<typeof resizeV12>("resize@^1"))
      .build();
    const run = await wf.run({ w: 3 });
    expect(run.output).toBe("v1.2 3");
    expect(run.toJSON().nodes.small.version).toBe("1.2.0");
    expect(reg).toBeInstanceOf(FunctionRegistry);
    expectTypeOf(registry().add("x", "1.0.0", resizeV12)).toEqualTypeOf<FunctionRegistry>();
    expectTypeOf(reg.use<typeof resizeV12>("resize@^1")).toEqualTypeOf<typeof resizeV12>();
    expectTypeOf(reg.resolve("resize").version).toBeString();
  });
});
