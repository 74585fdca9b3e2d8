/** Running task workflows: the example pipelines, outputs, conditions, limits, timeouts, cancel, resume. */
import { createServer, type IncomingMessage } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../src/run/store/memory.js";
import { findPrlimit } from "../../src/tasks/command.js";
import { runTaskWorkflow } from "../../src/tasks/run.js";
import { alive, eventually, example, workflowIn } from "./helpers.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "weft-tasks-run-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dir(name: string): string {
  const d = path.join(tmp, name);
  rmSync(d, { recursive: true, force: true });
  return mkdtempSync(`${d}-`);
}

/** A webhook receiver on 127.0.0.1 that keeps every JSON body it gets. */
async function receiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (text += c));
    req.on("end", () => {
      bodies.push({
        method: req.method,
        type: req.headers["content-type"],
        ...(req.headers["x-pipeline"] ? { pipeline: req.headers["x-pipeline"] } : {}),
        ...(req.url !== "/hook" ? { query: req.url } : {}),
        body: JSON.parse(text),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("example pipelines", () => {
  it("ETL: extract hands rows on, a matrix transforms them, load counts them, the webhook gets the result", async () => {
    const hook = await receiver();
    try {
      const r = await runTaskWorkflow(example("etl/etl.yaml"), {
        env: { ...process.env, HOOK_URL: hook.url },
      });
      expect(r.status).toBe("succeeded");
      expect(r.tasks.extract.stdout).toBe("extracted 12 rows from orders\n");
      expect(r.tasks["transform[1]"].outputs).toMatchObject({ batch: 1 });
      expect(
        (r.tasks.transform.outputs as { rows: unknown[] }[]).map((o) => o.rows.length),
      ).toEqual([4, 4, 4]);
      expect(r.tasks.load.outputs).toEqual({ loaded: 12, target: "warehouse" });
      expect(r.tasks.report.stdout).toBe("loaded 12 rows into warehouse\n");
      expect(r.tasks.send_alert).toMatchObject({
        status: "skipped",
        reason: "condition {{ transform.exit_code != 0 }} is false",
      });
      expect(r.tasks.notify.stdout).toBe("pipeline done; report status completed\n");
      expect(hook.bodies).toEqual([
        {
          method: "POST",
          type: "application/json",
          body: expect.objectContaining({
            event: "on_success",
            pipeline: "Daily Data ETL",
            version: "1.0.0",
            status: "succeeded",
            message: "Daily Data ETL completed",
            failed_tasks: [],
            run_id: r.runId,
          }) as unknown,
        },
      ]);
      expect(r.notifications).toEqual([{ event: "on_success", url: hook.url, status: 204 }]);
    } finally {
      await hook.close();
    }
  });

  it("batch: every matrix cell runs once, the summary sees them in matrix order", async () => {
    const r = await runTaskWorkflow(example("batch/batch.yaml"));
    expect(r.status).toBe("succeeded");
    expect(r.tasks.summarize.outputs).toEqual({
      files: ["image-64.png", "image-64.webp", "image-128.png", "image-128.webp"],
      bytes: 2 * (512 + 2048),
    });
    expect(r.tasks["resize[2]"].matrix).toEqual({ size: 128, format: "png" });
  });

  it("deploy: a passing smoke test promotes to production and skips the rollback", async () => {
    const r = await runTaskWorkflow(example("deploy/deploy.yaml"));
    expect(r.status).toBe("succeeded");
    expect(r.tasks.deploy_production.stdout).toContain("deployed service-3.1.0.tgz to production");
    expect(r.tasks.rollback.status).toBe("skipped");
    expect(r.tasks.announce.stdout).toBe(
      "deploy finished; production completed, rollback skipped\n",
    );
  });

  it("deploy: a failing smoke test is retried, then rolls back; production is skipped", async () => {
    const r = await runTaskWorkflow(example("deploy/deploy.yaml"), {
      env: { ...process.env, SMOKE_FAIL: "1" },
    });
    expect(r.status).toBe("failed");
    expect(r.failedTasks).toEqual(["smoke_test"]);
    expect(r.tasks.smoke_test).toMatchObject({ exit_code: 3, failed: true, attempts: 2 });
    expect(r.tasks.smoke_test.stderr).toBe("smoke test of https://staging.example.test/ failed\n");
    expect(r.tasks.rollback.stdout).toBe("rolling back staging after smoke test exit 3\n");
    expect(r.tasks.deploy_production.status).toBe("skipped");
    expect(r.tasks.announce.stdout).toBe(
      "deploy finished; production skipped, rollback completed\n",
    );
  });
});

describe("task semantics", () => {
  it("on failure, on_failure and on_complete webhooks are posted with templated url, message and headers", async () => {
    const hook = await receiver();
    try {
      const d = dir("hooks");
      const wf = workflowIn(
        d,
        [
          "name: hooks",
          "tasks:",
          "  ok: { run: 'true' }",
          "  broken: { run: 'echo bad >&2; exit 4' }",
          "notifications:",
          "  on_success: [{ type: webhook, url: '{{ env.HOOK }}' }]",
          "  on_failure:",
          "    - type: webhook",
          "      url: '{{ env.HOOK }}?run={{ pipeline.run_id }}'",
          "      message: 'failed: {{ pipeline.failed_tasks }}, exit {{ broken.exit_code }}'",
          "      headers: { x-pipeline: '{{ pipeline.name }}' }",
          "  on_complete: [{ type: webhook, url: '{{ env.HOOK }}' }]",
        ].join("\n"),
      );
      const r = await runTaskWorkflow(wf, { env: { ...process.env, HOOK: hook.url } });
      expect(r.status).toBe("failed");
      expect(r.notifications.map((n) => [n.event, n.status])).toEqual([
        ["on_failure", 204],
        ["on_complete", 204],
      ]);
      const bodies = hook.bodies as {
        body: Record<string, unknown>;
        pipeline?: string;
        query?: string;
      }[];
      expect(bodies[0].pipeline).toBe("hooks");
      expect(bodies[0].query).toBe(`/hook?run=${r.runId}`);
      expect(bodies.map((b) => [b.body.event, b.body.message])).toEqual([
        ["on_failure", 'failed: ["broken"], exit 4'],
        ["on_complete", "hooks failed"],
      ]);
      expect(bodies[0].body.tasks).toEqual({
        ok: { status: "completed", exit_code: 0, duration: expect.any(Number) as unknown },
        broken: { status: "failed", exit_code: 4, duration: expect.any(Number) as unknown },
      });
    } finally {
      await hook.close();
    }
  });

  it("outputs reach later tasks as WEFT_INPUT_<TASK> and templates; a skipped task skips its dependents", async () => {
    const d = dir("outputs");
    const wf = workflowIn(
      d,
      [
        "tasks:",
        `  make-data: { run: 'echo "{\\"n\\": 41}" > "$WEFT_OUTPUT"' }`,
        "  use:",
        "    run: 'echo \"$WEFT_INPUT_MAKE_DATA {{ make-data.outputs.n }}\"'",
        "    depends_on: [make-data]",
        "  gated: { run: echo never, depends_on: [use], skip_if: '{{ use.exit_code == 0 }}' }",
        "  after_gated: { run: echo never, depends_on: [gated] }",
        "  always: { run: echo always, depends_on: [gated], run_always: true }",
      ].join("\n"),
    );
    const r = await runTaskWorkflow(wf);
    expect(r.tasks.use.stdout).toBe('{"n":41} 41\n');
    expect(r.tasks.gated).toMatchObject({
      status: "skipped",
      reason: "skip_if {{ use.exit_code == 0 }} holds",
    });
    expect(r.tasks.after_gated).toMatchObject({
      status: "skipped",
      reason: "upstream 'gated' was skipped",
    });
    expect(r.tasks.always.stdout).toBe("always\n");
    expect(r.status).toBe("succeeded");
  });

  it("output that is not JSON fails the task with a clear reason", async () => {
    const d = dir("badout");
    const r = await runTaskWorkflow(
      workflowIn(d, "tasks:\n  a: { run: 'echo nope > $WEFT_OUTPUT' }\n"),
    );
    expect(r.tasks.a.failed).toBe(true);
    expect(r.tasks.a.reason).toMatch(/^\$WEFT_OUTPUT is not valid JSON: /);
  });

  it("a task that hangs past its timeout is killed with its children (SIGTERM-proof ones too)", async () => {
    const d = dir("timeout");
    const pids = path.join(d, "pids");
    const wf = workflowIn(
      d,
      [
        "tasks:",
        "  hang:",
        "    timeout_minutes: 0.01",
        `    run: "bash -c 'trap \\"\\" TERM; sleep 300' & echo $! >> ${pids}; sleep 300 & echo $! >> ${pids}; wait"`,
      ].join("\n"),
    );
    const r = await runTaskWorkflow(wf);
    expect(r.status).toBe("failed");
    expect(r.tasks.hang.reason).toMatch(/timed out|timeout/i);
    const children = readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(children).toHaveLength(2);
    expect(await eventually(() => children.every((p) => !alive(p)))).toBe(true);
  });

  it("cancelling the run kills running process trees and ends it cancelled", async () => {
    const d = dir("cancel");
    const pidFile = path.join(d, "pid");
    const wf = workflowIn(
      d,
      `tasks:\n  slow: { run: "sleep 300 & echo $! > ${pidFile}; wait" }\n  next: { run: echo no, depends_on: [slow] }\n`,
    );
    const controller = new AbortController();
    const running = runTaskWorkflow(wf, { signal: controller.signal });
    expect(await eventually(() => readFileSafe(pidFile) !== "")).toBe(true);
    controller.abort(new Error("stop"));
    const r = await running;
    expect(r.status).toBe("cancelled");
    expect(r.tasks.next.status).toBe("skipped");
    const child = Number(readFileSafe(pidFile));
    expect(await eventually(() => !alive(child))).toBe(true);
  });

  it("a whole-run timeout kills the running tasks and fails the run", async () => {
    const d = dir("run-timeout");
    const pidFile = path.join(d, "pid");
    const wf = workflowIn(
      d,
      `tasks:\n  slow: { run: "sleep 300 & echo $! > ${pidFile}; wait" }\n  after: { run: "true", depends_on: [slow] }\n`,
    );
    const r = await runTaskWorkflow(wf, { timeoutMs: 1_000 });
    expect(r.status).toBe("failed");
    expect(r.tasks.slow.reason).toMatch(
      /^stopped: workflow 'wf' timed out after 1000 ms \(process tree killed\)$/,
    );
    expect(r.tasks.after.status).toBe("skipped");
    const child = Number(readFileSafe(pidFile));
    expect(child).toBeGreaterThan(0);
    expect(await eventually(() => !alive(child))).toBe(true);
  });

  it("cpu_cores: tasks whose cores would exceed the machine's wait for each other", async () => {
    const d = dir("cores");
    const lock = path.join(d, "lock");
    // Each task holds a lock directory for a while; two holding it at once fail (mkdir exists).
    const body = `mkdir ${lock} || exit 9; sleep 0.3; rmdir ${lock}`;
    const wf = workflowIn(
      d,
      ["tasks:", ...["a", "b", "c"].map((n) => `  ${n}: { run: "${body}", cpu_cores: 2 }`)].join(
        "\n",
      ),
    );
    const r = await runTaskWorkflow(wf, { cores: 3 });
    expect(r.failedTasks).toEqual([]);
    expect(r.status).toBe("succeeded");
  });

  it("parallelism caps the running instances of a matrix", async () => {
    const d = dir("parallel");
    const slots = path.join(d, "slot");
    // Two slots; a third instance running at once finds both taken and fails.
    const body = `(mkdir ${slots}1 2>/dev/null && s=1) || (mkdir ${slots}2 2>/dev/null && s=2) || exit 9; sleep 0.2; rmdir ${slots}1 ${slots}2 2>/dev/null; true`;
    const wf = workflowIn(
      d,
      [
        "tasks:",
        "  m:",
        `    run: "${body}"`,
        "    matrix: { i: [1, 2, 3, 4, 5, 6] }",
        "    parallelism: 2",
      ].join("\n"),
    );
    const r = await runTaskWorkflow(wf);
    expect(r.failedTasks).toEqual([]);
    expect(r.tasks.m.instances).toHaveLength(6);
  });

  it("memory_mb: node scripts get a V8 heap limit and run out of heap", async () => {
    const d = dir("memory-node");
    writeFileSync(
      path.join(d, "grow.mjs"),
      "const keep = []; for (let i = 0; i < 12; i++) keep.push(new Array(1e6).fill(i + 0.5)); console.log('survived');\n",
    );
    const r = await runTaskWorkflow(
      workflowIn(
        d,
        "tasks:\n  grow: { script: grow.mjs, memory_mb: 32 }\n  free: { script: grow.mjs }\n",
      ),
    );
    // About 100 MB of heap: fine without a limit, too much for 32 MB.
    expect(r.tasks.free.stdout).toBe("survived\n");
    expect(r.tasks.grow.failed).toBe(true);
    expect(r.tasks.grow.stdout).toBe("");
    expect(r.tasks.grow.stderr).toMatch(/heap/i);
  });

  it.skipIf(!findPrlimit())("memory_mb: other programs get an address-space limit", async () => {
    const d = dir("memory-as");
    const grow = `printf -v x '%*s' 40000000 ''; echo \${#x}`;
    const wf = workflowIn(
      d,
      [
        "tasks:",
        `  limited: { run: "${grow}", memory_mb: 16 }`,
        `  unlimited: { run: "${grow}", depends_on: [limited], run_always: true }`,
        `  small: { run: "echo fits", memory_mb: 16 }`,
      ].join("\n"),
    );
    const r = await runTaskWorkflow(wf);
    expect(r.tasks.unlimited.stdout).toBe("40000000\n");
    expect(r.tasks.small.stdout).toBe("fits\n");
    expect(r.tasks.limited.failed).toBe(true);
    expect(r.tasks.limited.stderr).toMatch(/cannot allocate/);
  });

  it("resume re-runs a failed pipeline from where it failed, skipping completed tasks", async () => {
    const d = dir("resume");
    const count = path.join(d, "count");
    const flag = path.join(d, "ok");
    const wf = workflowIn(
      d,
      [
        "tasks:",
        `  first: { run: "echo first >> ${count}" }`,
        `  second: { run: "echo second >> ${count}; test -f ${flag}", depends_on: [first] }`,
        `  third: { run: "echo third >> ${count}", depends_on: [second] }`,
      ].join("\n"),
    );
    const store = memoryStore();
    const failed = await runTaskWorkflow(wf, { checkpoint: store });
    expect(failed.status).toBe("failed");
    expect(failed.tasks.third.status).toBe("skipped");
    writeFileSync(flag, "");
    const resumed = await runTaskWorkflow(wf, { checkpoint: store, resume: failed.runId });
    expect(resumed.status).toBe("succeeded");
    expect(resumed.runId).toBe(failed.runId);
    expect(readFileSync(count, "utf8")).toBe("first\nsecond\nsecond\nthird\n");
    expect(resumed.tasks.first.status).toBe("completed");
  });
});

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}
