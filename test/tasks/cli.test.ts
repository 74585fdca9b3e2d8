/** `weft run|validate|viz|compile` on task workflow files, end to end (spawning bin/weft.js). */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../compiler/cli/program.js";
import { sqliteStore } from "../../src/run/store/sqlite.js";
import { alive, eventually, ROOT } from "./helpers.js";

const RUNNER = path.join(ROOT, "test/tasks/fixtures/run-tasks.ts");

const tmp = mkdtempSync(path.join(os.tmpdir(), "weft-tasks-cli-"));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.pid) c.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
}

/** Sink streams for the CLI's output. */
function sink(): NodeJS.WritableStream & { text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      (w as unknown as { text: string }).text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WritableStream & { text: string };
  w.text = "";
  return w;
}

/** `weft …` in this process (the CLI module, as bin/weft.js runs it). */
async function weft(...args: string[]): Promise<Spawned> {
  const out = sink();
  const err = sink();
  const cwd = process.cwd();
  process.chdir(tmp);
  try {
    const code = await runCli(["node", "weft", ...args], { out, err });
    return { code, stdout: out.text, stderr: err.text };
  } finally {
    process.chdir(cwd);
  }
}

/** Starts `weft` in the background; resolves its exit code when it ends. */
function background(...args: string[]): { child: ChildProcess; done: Promise<Spawned> } {
  // `weft run` on a task file without the rest of the CLI, whose start-up loads the TypeScript
  // compiler (seconds on a busy machine); the command module is the same.
  const child = spawn(process.execPath, ["--import", "tsx", RUNNER, ...args.slice(1)], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
  });
  started.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Spawned>((resolve) =>
    child.on("exit", (code, sig) => resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr })),
  );
  return { child, done };
}

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

function read(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

describe("weft on task workflow files", () => {
  it("run --dry-run prints levels, matrix expansion, commands and env, and runs nothing", async () => {
    const marker = path.join(tmp, "dry-ran");
    const file = write(
      "dry.yaml",
      [
        "name: dry",
        "tasks:",
        `  touch: { run: "touch ${marker}" }`,
        "  fan:",
        "    run: echo {{ matrix.n }} {{ touch.exit_code }}",
        "    depends_on: [touch]",
        "    matrix: { n: [1, 2] }",
        "    environment: { N: '{{ matrix.n }}' }",
        "    memory_mb: 64",
      ].join("\n"),
    );
    const r = await weft("run", file, "--dry-run");
    expect(r.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("plan of 'dry': 4 nodes in 3 levels (nothing is run)");
    expect(lines).toContain(`    $ touch ${marker}`);
    expect(lines).toContain("  fan[1]  [after touch; matrix n=2; memory 64 MB (address-space)]");
    expect(lines).toContain(
      "    $ /usr/bin/prlimit --as=67108864 -- bash -c 'echo 2 {{ touch.exit_code }}'",
    );
    expect(lines).toContain("    N=2");
    expect(lines).toContain("  fan  (matrix join of 2)");
  });

  it("validate reports unknown fields, unknown dependencies and bad templates with line:column", async () => {
    const file = write(
      "bad.yaml",
      [
        "tasks:",
        "  a:",
        "    run: echo {{ a.nope }}",
        "    depends_on: [ghost]",
        "    retry: 2",
      ].join("\n"),
    );
    const r = await weft("validate", file);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual([
      "bad.yaml:3:18 - error WEFT050: tasks.a.run: bad template '{{ a.nope }}': task 'a' is not upstream of 'a': add it to depends_on",
      "bad.yaml:4:18 - error WEFT050: tasks.a.depends_on[0]: task 'a' depends on unknown task 'ghost' (the workflow has no other task)",
      "bad.yaml:5:5 - error WEFT050: tasks.a.retry: unknown field 'retry' in task 'a' (expected one of: script, run, description, depends_on, timeout_minutes, retries, retry_backoff, retry_delay_ms, environment, matrix, parallelism, condition, skip_if, run_always, cpu_cores, memory_mb)",
    ]);
    const ok = await weft("validate", path.join(ROOT, "examples/pipelines/etl/etl.yaml"));
    expect(ok.stdout).toMatch(
      /^ok .*etl\.yaml: task workflow 'Daily Data ETL' \(6 tasks, 9 nodes, 1 with a matrix\)/,
    );
  });

  it("compile writes the graph, plan and diagrams; viz draws the matrix", async () => {
    const out = path.join(tmp, "out");
    const c = await weft(
      "compile",
      path.join(ROOT, "examples/pipelines/batch/batch.yaml"),
      "--out",
      out,
    );
    expect(c.code).toBe(0);
    const graph = JSON.parse(read(path.join(out, "Image_Batch.graph.json"))) as {
      nodes: { name: string }[];
    };
    expect(graph.nodes.map((n) => n.name)).toEqual([
      "prepare",
      "resize[0]",
      "resize[1]",
      "resize[2]",
      "resize[3]",
      "resize",
      "summarize",
    ]);
    const plan = JSON.parse(read(path.join(out, "Image_Batch.plan.json"))) as {
      levels: number[][];
    };
    expect(plan.levels).toEqual([[0], [1, 2, 3, 4], [5], [6]]);
    expect(read(path.join(out, "Image_Batch.svg"))).toContain("<svg");
    const v = await weft(
      "viz",
      path.join(ROOT, "examples/pipelines/batch/batch.yaml"),
      "-f",
      "mermaid",
    );
    expect(v.stdout).toContain('n_resize_0["resize[0]"]');
    expect(v.stdout).toContain("n_resize_3 --> resize");
  });

  it("a crash mid-pipeline resumes with --resume without re-running completed tasks", async () => {
    const count = path.join(tmp, "crash-count");
    const pidFile = path.join(tmp, "crash-pid");
    const flag = path.join(tmp, "crash-ok");
    const file = write(
      "crash.yaml",
      [
        "name: crashy",
        "tasks:",
        `  first: { run: "echo first >> ${count}" }`,
        `  second: { run: "echo second >> ${count}; echo $$ > ${pidFile}; test -f ${flag} || sleep 300", depends_on: [first] }`,
        `  third: { run: "echo third >> ${count}", depends_on: [second] }`,
      ].join("\n"),
    );
    const db = path.join(tmp, "crash.db");
    const { child, done } = background("run", file, "--checkpoint", db, "--no-progress");
    expect(await eventually(() => read(pidFile).trim() !== "", 30_000)).toBe(true);
    child.kill("SIGKILL");
    await done;
    // The killed process could not clean up: its task's process group is still there.
    const orphan = Number(read(pidFile));
    process.kill(-orphan, "SIGKILL");

    const status = await weft("run", file, "--checkpoint", db, "--status");
    expect(status.stdout).toMatch(
      /^run crashy-\S+ of 'crashy': interrupted \(process \d+ is gone; resume with --resume\)/,
    );
    expect(status.stdout).toMatch(/ first +completed/);
    expect(status.stdout).toMatch(/ second +pending/);

    writeFileSync(flag, "");
    const resumed = await weft("run", file, "--checkpoint", db, "--resume", "--no-progress");
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: "succeeded", failed_tasks: [] });
    expect(read(count)).toBe("first\nsecond\nsecond\nthird\n");
  });

  it("--cancel from another process stops the run and kills its process tree", async () => {
    const pidFile = path.join(tmp, "cancel-pid");
    const file = write(
      "cancel.yaml",
      [
        "name: cancellable",
        "tasks:",
        `  slow: { run: "sleep 300 & echo $! > ${pidFile}; wait" }`,
      ].join("\n"),
    );
    const db = path.join(tmp, "cancel.db");
    const results = path.join(tmp, "cancel-results.json");
    const { done } = background(
      "run",
      file,
      "--checkpoint",
      db,
      "--no-progress",
      "--output",
      results,
      "--actor",
      "ops",
    );
    expect(await eventually(() => read(pidFile).trim() !== "", 30_000)).toBe(true);
    const c = await weft("run", file, "--checkpoint", db, "--cancel", "--actor", "alice");
    expect(c.stdout).toMatch(
      /^cancel requested of run cancellable-\S+ \(process \d+\); waiting for it to stop\nrun cancellable-\S+: cancelled\n$/,
    );
    expect(c.code).toBe(0);
    const first = await done;
    expect(first.code).toBe(130);
    expect(JSON.parse(read(results))).toMatchObject({ status: "cancelled" });
    expect(await eventually(() => !alive(Number(read(pidFile))))).toBe(true);
    const store = sqliteStore(db);
    expect(store.readAudit().map((e) => [e.actor, e.action, e.status])).toEqual([
      ["ops", "run.start", undefined],
      ["alice", "run.cancel", undefined],
      ["ops", "run.end", "cancelled"],
    ]);
    store.close();
  });

  it("Ctrl-C (SIGINT) kills the running tasks' process trees and exits 130", async () => {
    const pidFile = path.join(tmp, "int-pid");
    const file = write(
      "int.yaml",
      ["tasks:", `  slow: { run: "sleep 300 & echo $! > ${pidFile}; wait" }`].join("\n"),
    );
    // In this process: the handler `weft run` installs receives the signal as it would from a
    // terminal (a real SIGINT would reach the test runner too).
    const running = weft("run", file, "--no-progress");
    expect(await eventually(() => read(pidFile).trim() !== "", 30_000)).toBe(true);
    process.emit("SIGINT", "SIGINT");
    const r = await running;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("SIGINT: stopping; killing running tasks");
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "cancelled" });
    expect(await eventually(() => !alive(Number(read(pidFile))))).toBe(true);
    expect(process.listenerCount("SIGINT")).toBe(0);
  });
});
