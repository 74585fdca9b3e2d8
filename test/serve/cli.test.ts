/** `weft serve` end to end as users run it, and the server example. */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../compiler/helpers.js";
import { deleteKeys, testPrefix } from "../distributed/helpers.js";
import { waitForRun } from "./helpers.js";

const tmp = mkdtempSync(path.join(tmpdir(), "weft-serve-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("weft serve", () => {
  it("serves a file's workflows with their compiled input schemas, until SIGTERM", async () => {
    const audit = path.join(tmp, "audit.jsonl");
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin/weft.js"),
        "serve",
        "examples/server.ts",
        "--port",
        "0",
        "--checkpoint",
        path.join(tmp, "runs.db"),
        "--token",
        "ci=secret",
        "--audit",
        audit,
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 90_000);
        child.stdout.on("data", () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+) \(workflows: (.*)\)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        void exited.then(() => reject(new Error(`weft serve exited: ${stderr}`)));
      });
      expect(stdout).toContain("(workflows: order_report, expense_approval)");
      const auth = { authorization: "Bearer secret" };
      expect((await fetch(`${url}/workflows`)).status).toBe(401);
      const list = (await (await fetch(`${url}/workflows`, { headers: auth })).json()) as {
        workflows: { name: string; inputType: string; inputSchema: { required: string[] } }[];
      };
      expect(list.workflows[0]).toMatchObject({
        name: "order_report",
        inputType: "{ orderId: string; delayMs: number; }",
      });
      expect(list.workflows[0].inputSchema.required).toEqual(["orderId", "delayMs"]);

      const bad = await fetch(`${url}/workflows/order_report/runs`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ input: { orderId: 17 } }),
      });
      expect(bad.status).toBe(400);
      const problems = ((await bad.json()) as { problems: { path: string }[] }).problems;
      expect(problems.map((p) => p.path).sort()).toEqual(["input.delayMs", "input.orderId"]);

      const ok = await fetch(`${url}/workflows/order_report/runs`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ input: { orderId: "B-2", delayMs: 1 } }),
      });
      expect(ok.status).toBe(202);
      const { runId } = (await ok.json()) as { runId: string };
      expect(await waitForRun(url, runId, auth)).toMatchObject({
        status: "completed",
        output: "order B-2: 2 lines, total 159.00",
      });

      // A waiting run, signalled; the payload is checked against the schema of signal<T>().
      const claim = await fetch(`${url}/workflows/expense_approval/runs`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ input: { claimId: "C-9", amount: 120 } }),
      });
      const waiting = ((await claim.json()) as { runId: string }).runId;
      expect(await waitForRun(url, waiting, auth)).toMatchObject({
        status: "waiting",
        waitingFor: [{ node: "decision", signal: "decision" }],
      });
      const signalUrl = `${url}/runs/${waiting}/signals/decision`;
      const refused = await fetch(signalUrl, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ approved: "yes" }),
      });
      expect(refused.status).toBe(400);
      const payloadProblems = ((await refused.json()) as { problems: { path: string }[] }).problems;
      expect(payloadProblems.map((p) => p.path).sort()).toEqual(["payload.approved", "payload.by"]);
      const signalled = await fetch(signalUrl, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ approved: true, by: "ann" }),
      });
      expect(signalled.status).toBe(202);
      expect(await waitForRun(url, waiting, auth)).toMatchObject({
        status: "completed",
        output: "claim C-9 (120) booked, approved by ann",
      });

      const lines = readFileSync(audit, "utf8").trim().split("\n");
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        expect.objectContaining({ action: "run.start", runId, actor: "ci" }),
        expect.objectContaining({ action: "run.start", runId: waiting, actor: "ci" }),
        expect.objectContaining({
          action: "run.signal",
          runId: waiting,
          signal: "decision",
          actor: "ci",
        }),
      ]);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain("received SIGTERM, closing");
  });

  it("--redis runs the workflows on the distributed engine, with a worker in the process", async () => {
    const prefix = testPrefix("serve-cli");
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin/weft.js"),
        "serve",
        "examples/server.ts",
        "--port",
        "0",
        "--redis",
        "redis://127.0.0.1:6379",
        "--prefix",
        prefix,
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 90_000);
        child.stdout.on("data", () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        void exited.then(() => reject(new Error(`weft serve exited: ${stderr}`)));
      });
      expect(stdout).toContain("on redis://127.0.0.1:6379 with a worker");
      const ok = await fetch(`${url}/workflows/order_report/runs`, {
        method: "POST",
        body: JSON.stringify({ input: { orderId: "R-1", delayMs: 1 } }),
      });
      expect(ok.status).toBe(202);
      const { runId } = (await ok.json()) as { runId: string };
      expect(await waitForRun(url, runId)).toMatchObject({
        status: "completed",
        output: "order R-1: 2 lines, total 159.00",
        nodes: { fetch: { status: "completed" }, price: { status: "completed" } },
      });
    } finally {
      child.kill("SIGTERM");
    }
    try {
      expect(await exited).toBe(0);
      expect(stderr).toContain("closing (runs go on in Redis)");
    } finally {
      await deleteKeys(prefix);
    }
  });

  it("refuses --checkpoint with --redis, and --no-worker without --redis", async () => {
    const { serveCommand } = await import("../../compiler/cli/serve-command.js");
    const io = { out: process.stdout, err: process.stderr };
    await expect(
      serveCommand(["examples/server.ts"], { checkpoint: "x.db", redis: "redis://h" }, io),
    ).rejects.toThrow("--checkpoint and --redis exclude each other");
    await expect(serveCommand(["examples/server.ts"], { worker: false }, io)).rejects.toThrow(
      "--no-worker needs --redis",
    );
  });

  it("refuses a bad --port before loading anything", async () => {
    const { serveCommand } = await import("../../compiler/cli/serve-command.js");
    const io = { out: process.stdout, err: process.stderr };
    await expect(serveCommand(["examples/server.ts"], { port: "http" }, io)).rejects.toThrow(
      "--port must be an integer from 0 to 65535, got 'http'",
    );
  });
});

describe("examples/server.ts", () => {
  it("--demo starts a run over HTTP and prints its events as they stream", async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--import", "tsx", "examples/server.ts", "--demo"],
        { cwd: ROOT },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(out.trim().split("\n")).toEqual([
      "listening",
      "POST /workflows/order_report/runs -> 202",
      "event 1 run-start",
      "event 2 node-start fetch",
      "event 3 node-complete fetch",
      "event 4 node-start price",
      "event 5 node-complete price",
      "event 6 node-start report",
      "event 7 node-complete report",
      "event 8 run-complete",
      "completed: order A-17: 2 lines, total 159.00",
    ]);
  });
});
