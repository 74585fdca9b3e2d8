/**
 * The CLI as a newcomer meets it, in process: graph files run with a registry, run ids, the
 * checkpoint's runs, progress lines, and diagram formats inferred from the output file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeThreadPool,
  dag,
  fsm,
  graphToJson,
  graphToYaml,
  next,
  stop,
  type RunEvent,
} from "weftjs";
import { runCli } from "../../compiler/cli/program.js";
import { createProgress } from "../../compiler/cli/progress.js";

type Sink = Writable & { text: string; isTTY: boolean };

function sink(): Sink {
  const s = new Writable({
    write(chunk, _enc, done) {
      s.text += String(chunk);
      done();
    },
  }) as Sink;
  s.text = "";
  s.isTTY = false;
  return s;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: sink(), err: sink() };
  const code = await runCli(["node", "weft", ...args], io);
  return { code, out: io.out.text, err: io.err.text };
}

let dir: string;
const FAIL_FLAG = "__weftPackageCliFail";

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "weft-package-cli-"));
  // The node functions as a plain JavaScript module, and the workflow's compiled graph beside it.
  writeFileSync(
    path.join(dir, "fns.mjs"),
    [
      "export const double = ({ x }) => x * 2;",
      `export const inc = ({ y }) => { if (globalThis.${FAIL_FLAG}) throw new Error("inc is down"); return y + 1; };`,
    ].join("\n"),
  );
  const wf = dag<{ x: number }>("tiny")
    .node("double", { x: "input.x" }, ({ x }: { x: number }) => x * 2)
    .node("inc", { y: "double" }, ({ y }: { y: number }) => y + 1)
    .build();
  writeFileSync(path.join(dir, "tiny.graph.json"), graphToJson(wf.graph));
  writeFileSync(path.join(dir, "tiny.graph.yaml"), graphToYaml(wf.graph));
  writeFileSync(
    path.join(dir, "tiny.input.schema.json"),
    JSON.stringify({
      type: "object",
      properties: { x: { type: "number" } },
      required: ["x"],
      additionalProperties: false,
    }),
  );
});

afterAll(async () => {
  await closeThreadPool();
  delete (globalThis as Record<string, unknown>)[FAIL_FLAG];
  rmSync(dir, { recursive: true, force: true });
});

describe("weft run of a graph file", () => {
  it("graph file without --registry: says graph files need one (was 'no exported workflow found')", async () => {
    const r = await cli("run", path.join(dir, "tiny.graph.yaml"), "--input", '{"x":1}');
    expect(r.code).toBe(1);
    expect(r.err).toContain("is a graph file");
    expect(r.err).toContain("--registry MODULE");
    expect(r.err).not.toContain("no exported workflow found");
  });

  it("runs a graph file with --registry and prints the run record", async () => {
    const r = await cli(
      "run",
      path.join(dir, "tiny.graph.yaml"),
      "--registry",
      path.join(dir, "fns.mjs"),
      "--input",
      '{"x":20}',
      "--no-progress",
    );
    expect(r.err).not.toContain("error");
    expect(r.code).toBe(0);
    const record = JSON.parse(r.out) as { status: string; output: number; workflow: string };
    expect(record).toMatchObject({ status: "completed", output: 41, workflow: "tiny" });
  });

  it("checks the input against the schema emitted beside the graph, before loading anything", async () => {
    const r = await cli(
      "run",
      path.join(dir, "tiny.graph.json"),
      "--registry",
      path.join(dir, "no-such-module.mjs"),
      "--input",
      '{"xs":1}',
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain("invalid input for workflow 'tiny'; nothing was run");
    expect(r.err).toContain("xs");
  });

  it("--registry on a source file is refused with what it is for", async () => {
    const r = await cli("run", "examples/etl.ts", "--registry", "x.js");
    expect(r.code).toBe(1);
    expect(r.err).toContain("--registry applies to graph files");
  });
});

describe("weft run --mode threads", () => {
  it("runs a .ts workflow declared without { module } using the module the compiler recorded (was: asks for { module: import.meta.url })", async () => {
    const r = await cli(
      "run",
      "test/fixtures/cli-threads/no-module.ts",
      "--mode",
      "threads",
      "--input",
      '{"n":4}',
      "--no-progress",
    );
    expect(r.err).not.toContain("module reference");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: "completed", output: 30 });
  });
});

describe("run ids, checkpoints and weft runs", () => {
  it("--run-id names the run, the id is printed at start, runs list/show read the checkpoint, resume says what was restored", async () => {
    const checkpoint = path.join(dir, "runs.sqlite");
    const base = [
      "run",
      path.join(dir, "tiny.graph.json"),
      "--registry",
      path.join(dir, "fns.mjs"),
      "--checkpoint",
      checkpoint,
      "--no-progress",
    ];
    (globalThis as Record<string, unknown>)[FAIL_FLAG] = true;
    const failed = await cli(...base, "--input", '{"x":2}', "--run-id", "nightly-1");
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("run nightly-1 of tiny started (2 nodes)");
    expect(failed.err).toContain(
      `if interrupted, resume with: weft run ${path.join(dir, "tiny.graph.json")} --checkpoint ${checkpoint} --resume nightly-1`,
    );
    expect(JSON.parse(failed.out)).toMatchObject({ runId: "nightly-1", status: "failed" });

    const list = await cli("runs", "list", "--checkpoint", checkpoint);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^nightly-1 {2}tiny {2}failed {2}2 nodes journaled {2}started \d{4}-/);

    const show = await cli("runs", "show", "nightly-1", "--checkpoint", checkpoint);
    expect(show.code).toBe(0);
    expect(show.out).toContain("run nightly-1 of tiny: failed");
    expect(show.out).toMatch(/ {2}double {2}completed in \d+ ms\n/);
    expect(show.out).toMatch(/ {2}inc {2}failed/);
    expect(show.out).toContain(
      `resume with: weft run FILE --checkpoint ${checkpoint} --resume nightly-1`,
    );

    const missing = await cli("runs", "show", "nope", "--checkpoint", checkpoint);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("has no run 'nope'; it has nightly-1");

    (globalThis as Record<string, unknown>)[FAIL_FLAG] = false;
    const resumed = await cli(...base, "--resume", "nightly-1");
    expect(resumed.err).toContain(
      "run nightly-1 of tiny resumed: 1 node restored from the checkpoint (2 nodes)",
    );
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ status: "completed", output: 5 });
    expect(resumed.err).not.toContain("double started");
  });

  it("runs list of a file that does not exist is an error, not a new empty file", async () => {
    const r = await cli("runs", "list", "--checkpoint", path.join(dir, "absent.sqlite"));
    expect(r.code).toBe(1);
    expect(r.err).toContain("no checkpoint file");
  });
});

describe("weft viz", () => {
  it("infers the format from --out (was: --format required)", async () => {
    const svg = path.join(dir, "tiny.svg");
    const dot = path.join(dir, "tiny.dot");
    expect((await cli("viz", path.join(dir, "tiny.graph.json"), "--out", svg)).code).toBe(0);
    expect((await cli("viz", path.join(dir, "tiny.graph.json"), "--out", dot)).code).toBe(0);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg/);
    expect(readFileSync(dot, "utf8")).toMatch(/^digraph /);
    const printed = await cli("viz", path.join(dir, "tiny.graph.json"));
    expect(printed.out).toMatch(/^flowchart /);
  });

  it("an --out extension it cannot map names the known ones", async () => {
    const r = await cli("viz", path.join(dir, "tiny.graph.json"), "--out", path.join(dir, "x.txt"));
    expect(r.code).toBe(1);
    expect(r.err).toContain("cannot tell the format from");
    expect(r.err).toContain(".svg");
  });
});

describe("progress lines", () => {
  it("FSM progress does not print '(? nodes)'", () => {
    const stream = sink();
    const p = createProgress({ total: undefined, workflow: "light", stream });
    p.onEvent({ type: "run-start", runId: "r1", workflow: "light", at: 0 });
    p.stop();
    expect(stream.text).toContain("run r1 of light started\n");
    expect(stream.text).not.toContain("?");
  });

  it("the retry line has one attempt number: the attempt that failed", () => {
    const stream = sink();
    const p = createProgress({ total: 1, workflow: "w", stream });
    const retry: RunEvent = {
      type: "node-retry",
      runId: "r1",
      node: "fetch",
      attempt: 2,
      delayMs: 5.4,
      error: new Error("upstream 503 (attempt 1)"),
      at: 0,
    };
    p.onEvent(retry);
    expect(stream.text).toContain(
      "fetch attempt 1 failed (upstream 503 (attempt 1)); retrying in 5 ms",
    );
  });
});

describe("FSM run records", () => {
  it("carry times rounded to the microsecond like DAG records (was 5.785700000000361)", async () => {
    const light = fsm("blink")
      .states("on", "off")
      .initial("on")
      .state("on", () => next("off", 1))
      .state("off", (_input, ctx) => (ctx.visits("off") >= 50 ? stop(2) : next("on", 2)))
      .build({ maxCycles: 200 });
    const record = (await light.run(undefined)).toJSON();
    const times = [
      record.metrics.totalMs,
      ...Object.values(record.metrics.nodeMs),
      ...Object.values(record.nodes).map((n) => n.ms ?? 0),
    ];
    expect(times.length).toBeGreaterThan(2);
    for (const t of times) expect(Math.round(t * 1000) / 1000).toBe(t);
  });
});
