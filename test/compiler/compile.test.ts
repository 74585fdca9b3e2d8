/** `compile`: output files, manifest, determinism, write-only-when-changed, --check, reuse. */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, type CompileResult, type Manifest } from "../../compiler/compile.js";
import { WeftProject } from "../../compiler/project.js";
import { parsePlan } from "../../src/plan/index.js";
import { parseGraph } from "../../src/serialize/index.js";
import { FIXTURES, ROOT } from "./helpers.js";

const tmp = mkdtempSync(path.join(tmpdir(), "weft-compile-"));
const out = path.join(tmp, "out");
const paths = [`${FIXTURES}/constructs.ts`, `${FIXTURES}/machines.ts`];
let session: WeftProject;
let first: CompileResult;

const read = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(path.join(dir, f), "utf8")]),
  );

beforeAll(async () => {
  session = new WeftProject({ root: ROOT });
  first = await compile(session, { paths, out });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("compile", () => {
  it("writes every output file of every workflow, and a manifest", () => {
    expect(first.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const dag = ["dot", "graph.json", "graph.yaml", "input.schema.json", "mmd", "plan.json", "svg"];
    const fsm = dag.filter((x) => x !== "plan.json");
    const expected = [
      ...dag.map((x) => `constructs.${x}`),
      ...fsm.map((x) => `door.${x}`),
      ...dag.map((x) => `inner.${x}`),
      "manifest.json",
      ...fsm.map((x) => `traffic_light.${x}`),
    ].sort();
    expect(readdirSync(out).sort()).toEqual(expected);
    expect(first.written.sort()).toEqual(expected);
  });

  it("describes workflows, sources and files in the manifest", () => {
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as Manifest;
    expect(manifest.workflows.map((w) => [w.name, w.kind, w.file, w.export])).toEqual([
      ["constructs", "dag", `${FIXTURES}/constructs.ts`, "constructs"],
      ["door", "fsm", `${FIXTURES}/machines.ts`, "door"],
      ["inner", "dag", `${FIXTURES}/constructs.ts`, "inner"],
      ["traffic_light", "fsm", `${FIXTURES}/machines.ts`, "light"],
    ]);
    expect(manifest.workflows[0].outputs.graphJson).toBe("constructs.graph.json");
    expect(manifest.workflows[0].graphHash).toMatch(/^[0-9a-f]{16}$/);
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(Object.keys(manifest.sources)).toEqual([
      `${FIXTURES}/constructs.ts`,
      `${FIXTURES}/machines.ts`,
    ]);
    expect(manifest.sources[`${FIXTURES}/machines.ts`]).toBe(
      sha(readFileSync(path.join(ROOT, FIXTURES, "machines.ts"), "utf8")),
    );
    for (const [file, hash] of Object.entries(manifest.files)) {
      expect(sha(readFileSync(path.join(out, file), "utf8")), file).toBe(hash);
    }
  });

  it("emits files the library reads back", () => {
    const graph = parseGraph(readFileSync(path.join(out, "constructs.graph.json"), "utf8"));
    expect(graph.nodes.find((n) => n.name === "clean")?.type).toBe("Row[]");
    expect(parseGraph(readFileSync(path.join(out, "door.graph.yaml"), "utf8")).fsm?.style).toBe(
      "event",
    );
    expect(parsePlan(readFileSync(path.join(out, "constructs.plan.json"), "utf8")).workflow).toBe(
      "constructs",
    );
    expect(readFileSync(path.join(out, "constructs.mmd"), "utf8")).toMatch(/^flowchart/);
    expect(readFileSync(path.join(out, "traffic_light.mmd"), "utf8")).toMatch(/^stateDiagram-v2/);
    expect(readFileSync(path.join(out, "constructs.dot"), "utf8")).toMatch(/^digraph/);
    expect(readFileSync(path.join(out, "constructs.svg"), "utf8")).toMatch(/^<svg/);
    const schema = JSON.parse(readFileSync(path.join(out, "constructs.input.schema.json"), "utf8"));
    expect(schema.required).toEqual(["path", "minAge"]);
  });

  it("is deterministic and rewrites nothing when nothing changed", async () => {
    const before = read(out);
    const mtimes = Object.keys(before).map((f) => statSync(path.join(out, f)).mtimeMs);
    const again = await compile(session, { paths, out });
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(Object.keys(before).length);
    expect(read(out)).toEqual(before);
    expect(Object.keys(before).map((f) => statSync(path.join(out, f)).mtimeMs)).toEqual(mtimes);
    // A fresh session gives the same bytes.
    const out2 = path.join(tmp, "out2");
    await compile(new WeftProject({ root: ROOT }), { paths, out: out2 });
    expect(read(out2)).toEqual(before);
  });

  it("--check lists stale files and writes nothing", async () => {
    const clean = await compile(session, { paths, out, check: true });
    expect(clean.stale).toEqual([]);
    writeFileSync(path.join(out, "inner.mmd"), "flowchart TD\n");
    rmSync(path.join(out, "door.svg"));
    const stale = await compile(session, { paths, out, check: true });
    expect(stale.stale).toEqual(["door.svg", "inner.mmd"]);
    expect(existsSync(path.join(out, "door.svg"))).toBe(false);
    expect(stale.written).toEqual([]);
    const fixed = await compile(session, { paths, out });
    expect(fixed.written.sort()).toEqual(["door.svg", "inner.mmd"]);
  });
});

describe("one session across changes (as --watch uses it)", () => {
  const project = path.join(tmp, "project");
  const file = path.join(project, "flow.ts");
  const source = (name: string, node: string) =>
    `import { dag } from "${path.join(ROOT, "src/index.js")}";\n` +
    `export const flow = dag<{ n: number }>("${name}")\n` +
    `  .node("${node}", { n: "input.n" }, ({ n }) => n + 1)\n` +
    `  .build();\n`;

  it("re-reads changed files, marks outputs stale, and removes outputs of renamed workflows", async () => {
    rmSync(project, { recursive: true, force: true });
    mkdirSync(project, { recursive: true });
    writeFileSync(file, source("flow", "inc"));
    const s = new WeftProject({ root: project });
    const one = await compile(s, { paths: ["."], out: "out" });
    expect(one.workflows[0].graph.nodes.map((n) => n.name)).toEqual(["inc"]);

    writeFileSync(file, source("flow", "plus"));
    const check = await compile(s, { paths: ["."], out: "out", check: true });
    expect(check.workflows[0].graph.nodes.map((n) => n.name)).toEqual(["plus"]);
    expect(check.stale).toContain("flow.graph.json");
    expect(check.stale).not.toContain("flow.input.schema.json");

    writeFileSync(file, source("renamed", "plus"));
    const renamed = await compile(s, { paths: ["."], out: "out" });
    expect(renamed.removed.sort()).toEqual(
      ["dot", "graph.json", "graph.yaml", "input.schema.json", "mmd", "plan.json", "svg"].map(
        (x) => `flow.${x}`,
      ),
    );
    expect(readdirSync(path.join(project, "out")).filter((f) => f.startsWith("flow."))).toEqual([]);
  });

  it("sees a changed helper module's types in the workflows that import it", () => {
    const dir = path.join(tmp, "helper-project");
    mkdirSync(dir, { recursive: true });
    const helper = (type: string, body: string) =>
      `export function inc({ n }: { n: number }): ${type} {\n  return ${body};\n}\n`;
    writeFileSync(path.join(dir, "helper.ts"), helper("number", "n + 1"));
    writeFileSync(
      path.join(dir, "flow.ts"),
      `import { dag } from "${path.join(ROOT, "src/index.js")}";\n` +
        `import { inc } from "./helper.js";\n` +
        `export const flow = dag<{ n: number }>("flow").node("a", { n: "input.n" }, inc).build();\n`,
    );
    const s = new WeftProject({ root: dir });
    expect(s.extract(["flow.ts"]).workflows[0].graph.nodes[0].type).toBe("number");
    writeFileSync(path.join(dir, "helper.ts"), helper("string", "String(n)"));
    expect(s.extract(["flow.ts"]).workflows[0].graph.nodes[0].type).toBe("string");
  });
});
