import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dag, memoryStore, parseRunRecord, verifyAudit, type RunEvent } from "../../src/index.js";
import { serve, type ServableWorkflow, type WeftServer } from "../../src/serve/index.js";
import { light } from "../../examples/traffic-light.js";
import {
  calls,
  flaky,
  gated,
  gates,
  math,
  mathSchema,
  readSse,
  receiver,
  waitForRun,
} from "./helpers.js";

/** `math`, reporting `add` as a cache hit: what the runtime reports with `cached: true`. */
const cachedMath: ServableWorkflow = {
  kind: "dag",
  name: "cached_math",
  graph: { ...math.graph, name: "cached_math" },
  run: (input, opts) =>
    math.run(input as { a: number; b: number }, {
      ...opts,
      onEvent: (e: RunEvent) =>
        opts.onEvent(e.type === "node-complete" && e.node === "add" ? { ...e, cached: true } : e),
    }),
};

let server: WeftServer;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-serve-"));
  server = await serve({
    workflows: [{ workflow: math, inputSchema: mathSchema }, gated, flaky, cachedMath, light],
    bodyLimit: 2048,
    onError: () => {},
  });
  base = server.url;
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(
  workflow: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}/workflows/${workflow}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

describe("weft serve over HTTP", () => {
  it("GET /health answers ok", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", workflows: 5 });
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("GET /workflows lists names, kinds and input schemas", async () => {
    const body = (await (await fetch(`${base}/workflows`)).json()) as {
      workflows: { name: string; kind: string; nodes: number; inputSchema: unknown }[];
    };
    expect(body.workflows.map((w) => w.name)).toEqual([
      "math",
      "gated",
      "flaky",
      "cached_math",
      "traffic_light",
    ]);
    expect(body.workflows[0]).toMatchObject({
      name: "math",
      kind: "dag",
      nodes: 2,
      inputSchema: mathSchema,
    });
    expect(body.workflows[1].inputSchema).toBeNull();
  });

  it("serves diagrams as SVG and Mermaid", async () => {
    const svg = await fetch(`${base}/workflows/math/diagram.svg`);
    expect(svg.headers.get("content-type")).toContain("image/svg+xml");
    const text = await svg.text();
    expect(text).toMatch(/^<svg/);
    expect(text).toContain('data-node="double"');
    const mmd = await fetch(`${base}/workflows/math/diagram.mmd`);
    expect(await mmd.text()).toMatch(/^flowchart[\s\S]*add[\s\S]*double/);
    const missing = await fetch(`${base}/workflows/nope/diagram.svg`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain(
      "unknown workflow 'nope'",
    );
  });

  it("POST /workflows/:name/runs answers 202 at once and the run completes", async () => {
    const r = await start("math", { input: { a: 2, b: 3 } });
    expect(r.status).toBe(202);
    const runId = r.json.runId as string;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.get("location")).toBe(`/runs/${runId}`);
    const record = await waitForRun(base, runId);
    expect(record).toMatchObject({
      runId,
      workflow: "math",
      status: "completed",
      output: 10,
      nodes: {
        add: { status: "completed", result: 5 },
        double: { status: "completed", result: 10 },
      },
      errors: [],
    });
    // The body is the run-record serializer's format: it parses back.
    const text = await (await fetch(`${base}/runs/${runId}`)).text();
    expect(parseRunRecord(text).output).toBe(10);
  });

  it("runs a state machine and reports its history", async () => {
    const list = (await (await fetch(`${base}/workflows`)).json()) as {
      workflows: { name: string; kind: string }[];
    };
    expect(list.workflows.find((w) => w.name === "traffic_light")?.kind).toBe("fsm");
    const r = await start("traffic_light", { input: { limit: 1 } });
    expect(r.status).toBe(202);
    const record = await waitForRun(base, r.json.runId as string);
    expect(record).toMatchObject({
      status: "stopped",
      output: "off",
      history: ["red", "green", "yellow"],
    });
  });

  it("rejects an invalid input with 400 listing every field problem, and runs nothing", async () => {
    const before = { ...calls };
    const r = await start("math", { input: { a: "two", c: 1 }, callbackUrl: "ftp://x", extra: 1 });
    expect(r.status).toBe(400);
    const problems = r.json.problems as { path: string; message: string }[];
    expect(problems.map((p) => p.path).sort()).toEqual(
      ["callbackUrl", "extra", "input.a", "input.b", "input.c"].sort(),
    );
    expect(problems.find((p) => p.path === "input.b")?.message).toBe("is required");
    expect(problems.find((p) => p.path === "input.c")?.message).toBe("is not a known field");
    expect(String(r.json.error)).toContain("nothing was run");
    expect(calls).toEqual(before);
  });

  it("answers bad requests with 400, 404 and 413 and never a stack trace", async () => {
    const bad: [string, RequestInit, number][] = [
      ["/workflows/math/runs", { method: "POST", body: "{not json" }, 400],
      ["/workflows/math/runs", { method: "POST", body: "[1,2]" }, 400],
      [
        "/workflows/math/runs",
        { method: "POST", body: JSON.stringify({ input: { a: 1, b: 2, pad: "x".repeat(4000) } }) },
        413,
      ],
      ["/workflows/nope/runs", { method: "POST", body: "{}" }, 404],
      ["/runs/no-such-run", {}, 404],
      ["/runs/no-such-run/events", {}, 404],
      ["/runs/no-such-run/view", {}, 404],
      ["/runs/no-such-run/cancel", { method: "POST" }, 404],
      ["/runs?workflow=nope", {}, 404],
      ["/runs?limit=zero", {}, 400],
      ["/no/such/route", {}, 404],
    ];
    for (const [path, init, status] of bad) {
      const res = await fetch(`${base}${path}`, init);
      const text = await res.text();
      expect({ path, status: res.status }).toEqual({ path, status });
      const body = JSON.parse(text) as { error: string };
      expect(body.error.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/\n\s+at |\.ts:\d+/);
    }
    const malformed = await fetch(`${base}/workflows/math/runs`, {
      method: "POST",
      body: "{not json",
    });
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^malformed JSON body/);
  });

  it("an Idempotency-Key returns the same run for a repeat, and 422 for a different body", async () => {
    const key = { "idempotency-key": "order-17" };
    const first = await start("math", { input: { a: 1, b: 1 } }, key);
    const again = await start("math", { input: { a: 1, b: 1 } }, key);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.json.runId).toBe(first.json.runId);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await start("math", { input: { a: 9, b: 1 } }, key);
    expect(other.status).toBe(422);
    expect(String(other.json.error)).toContain(String(first.json.runId));
    const runs = (await (await fetch(`${base}/runs?workflow=math`)).json()) as {
      runs: { runId: string }[];
    };
    expect(runs.runs.filter((r) => r.runId === first.json.runId)).toHaveLength(1);
  });

  it("GET /runs filters by workflow and status", async () => {
    const a = await start("math", { input: { a: 0, b: 0 } });
    await waitForRun(base, a.json.runId as string);
    const g = await start("gated", { input: { gate: "list" } });
    const gid = g.json.runId as string;
    const running = (await (await fetch(`${base}/runs?status=running`)).json()) as {
      runs: { runId: string; workflow: string; status: string }[];
    };
    expect(running.runs.map((r) => r.runId)).toContain(gid);
    expect(running.runs.every((r) => r.status === "running")).toBe(true);
    const maths = (await (await fetch(`${base}/runs?workflow=math&status=completed`)).json()) as {
      runs: { runId: string; workflow: string; status: string; startedAt: string }[];
    };
    expect(maths.runs.map((r) => r.runId)).toContain(a.json.runId);
    expect(maths.runs.every((r) => r.workflow === "math" && r.status === "completed")).toBe(true);
    expect(maths.runs.map((r) => r.runId)).not.toContain(gid);
    gates.release("list");
    expect((await waitForRun(base, gid)).status).toBe("completed");
  });

  it("GET /runs/:id shows per-node status while a run is going", async () => {
    const g = await start("gated", { input: { gate: "peek" } });
    const id = g.json.runId as string;
    await readSse(`${base}/runs/${id}/events`, {
      until: (e) => e.event === "node-start" && JSON.parse(e.data).node === "wait",
    });
    const live = (await (await fetch(`${base}/runs/${id}`)).json()) as Record<string, any>;
    expect(live.status).toBe("running");
    expect(live.nodes.first.status).toBe("completed");
    expect(live.nodes.wait.status).toBe("running");
    expect(live.nodes.last.status).toBe("pending");
    gates.release("peek");
    const done = await waitForRun(base, id);
    expect(done).toMatchObject({ status: "completed", output: "peek:first+wait+last" });
  });

  it("streams events over SSE, live, and resumes after Last-Event-ID", async () => {
    const g = await start("gated", { input: { gate: "sse" } });
    const id = g.json.runId as string;
    const firstPart = await readSse(`${base}/runs/${id}/events`, {
      until: (e) => e.event === "node-start" && JSON.parse(e.data).node === "wait",
    });
    expect(firstPart.contentType).toContain("text/event-stream");
    const types = firstPart.events.map((e) => e.event);
    expect(types).toEqual(["run-start", "node-start", "node-complete", "node-start"]);
    expect(firstPart.events.map((e) => e.id)).toEqual(["1", "2", "3", "4"]);
    // Reconnect after event 3: event 4 again, then the live rest once the gate opens.
    const rest = readSse(`${base}/runs/${id}/events`, {
      headers: { "last-event-id": "3" },
      until: (e) => e.event === "run-complete",
    });
    setTimeout(() => gates.release("sse"), 50);
    const second = await rest;
    expect(second.events[0]).toMatchObject({ id: "4", event: "node-start" });
    expect(second.events.map((e) => e.event)).toEqual([
      "node-start",
      "node-complete",
      "node-start",
      "node-complete",
      "run-complete",
    ]);
    const last = JSON.parse(second.events.at(-1)!.data) as Record<string, unknown>;
    expect(last).toMatchObject({ type: "run-complete", runId: id, status: "completed", id: 8 });
    // A finished run's log replays in full and the stream ends by itself.
    const replay = await readSse(`${base}/runs/${id}/events`);
    expect(replay.events.map((e) => Number(e.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const tail = await readSse(`${base}/runs/${id}/events`, { headers: { "last-event-id": "7" } });
    expect(tail.events.map((e) => e.event)).toEqual(["run-complete"]);
    expect(server.runs.followers).toBe(0);
  });

  it("POST /runs/:id/cancel cancels a run in flight; 409 once it has ended", async () => {
    const g = await start("gated", { input: { gate: "never" } });
    const id = g.json.runId as string;
    await readSse(`${base}/runs/${id}/events`, {
      until: (e) => e.event === "node-start" && JSON.parse(e.data).node === "wait",
    });
    const res = await fetch(`${base}/runs/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ runId: id, status: "cancelling" });
    const record = await waitForRun(base, id);
    expect(record.status).toBe("cancelled");
    const again = await fetch(`${base}/runs/${id}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toContain("status cancelled");
  });

  it("delivers the run record to the callbackUrl when the run ends", async () => {
    const hook = await receiver();
    try {
      const r = await start("math", { input: { a: 20, b: 1 }, callbackUrl: hook.url });
      const got = await hook.next();
      expect(got.headers["content-type"]).toBe("application/json");
      expect(got.headers["x-weft-run-id"]).toBe(r.json.runId);
      const record = parseRunRecord(got.body);
      expect(record).toMatchObject({ runId: r.json.runId, status: "completed", output: 42 });
      await expect.poll(() => server.runs.callback(r.json.runId as string)?.delivered).toBe(true);
    } finally {
      await hook.close();
    }
  });

  it("GET /metrics reports runs, node durations, retries, cache hits and in-flight runs", async () => {
    const f = await start("flaky", { input: { n: 1 } });
    expect((await waitForRun(base, f.json.runId as string)).status).toBe("completed");
    const c = await start("cached_math", { input: { a: 1, b: 2 } });
    await waitForRun(base, c.json.runId as string);
    const g = await start("gated", { input: { gate: "metrics" } });
    await readSse(`${base}/runs/${g.json.runId}/events`, {
      until: (e) => e.event === "node-start",
    });
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    const value = (line: string): number => {
      const m = text.split("\n").find((l) => l.startsWith(`${line} `));
      return m === undefined ? Number.NaN : Number(m.slice(line.length + 1));
    };
    expect(value('weft_runs_started_total{workflow="flaky"}')).toBe(1);
    expect(value('weft_runs_finished_total{workflow="flaky",status="completed"}')).toBe(1);
    expect(value('weft_node_retries_total{workflow="flaky",node="try"}')).toBe(1);
    expect(value('weft_node_cache_hits_total{workflow="cached_math",node="add"}')).toBe(1);
    expect(value('weft_node_duration_seconds_count{workflow="cached_math",node="double"}')).toBe(1);
    expect(value('weft_node_duration_seconds_count{workflow="cached_math",node="add"}')).toBeNaN();
    expect(value('weft_runs_in_flight{workflow="gated"}')).toBe(1);
    expect(value('weft_runs_finished_total{workflow="gated",status="cancelled"}')).toBe(1);
    gates.release("metrics");
    await waitForRun(base, g.json.runId as string);
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(after).toContain('weft_runs_in_flight{workflow="gated"} 0');
  });

  it("GET /runs/:id/view is the HTML page, following the run's events", async () => {
    const r = await start("math", { input: { a: 1, b: 1 } });
    await waitForRun(base, r.json.runId as string);
    const res = await fetch(`${base}/runs/${r.json.runId}/view`);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('id="weft-live"');
    expect(html).toContain('"eventsUrl":"./events"');
    expect(html).toContain("connect-src 'self'");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});

describe("weft serve with a token", () => {
  let secured: WeftServer;
  let auditFile: string;
  const store = memoryStore();
  beforeAll(async () => {
    auditFile = join(dir, "audit.jsonl");
    secured = await serve({
      store,
      workflows: [math, gated],
      token: { ci: "ci-token", alice: "alice-token" },
      audit: auditFile,
    });
  });
  afterAll(() => secured?.close());

  it("every endpoint but /health needs the bearer token", async () => {
    const u = secured.url;
    expect((await fetch(`${u}/health`)).status).toBe(200);
    for (const path of [
      "/workflows",
      "/runs",
      "/metrics",
      "/workflows/math/diagram.mmd",
      "/runs/x",
    ]) {
      const none = await fetch(`${u}${path}`);
      expect({ path, status: none.status }).toEqual({ path, status: 401 });
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      const wrong = await fetch(`${u}${path}`, { headers: { authorization: "Bearer nope" } });
      expect({ path, status: wrong.status }).toEqual({ path, status: 401 });
    }
    const post = await fetch(`${u}/workflows/math/runs`, {
      method: "POST",
      body: JSON.stringify({ input: { a: 1, b: 2 } }),
    });
    expect(post.status).toBe(401);
    expect(
      (await fetch(`${u}/workflows`, { headers: { authorization: "Bearer ci-token" } })).status,
    ).toBe(200);
    // GET only: the token as a query parameter (browsers opening the live page).
    expect((await fetch(`${u}/workflows?access_token=alice-token`)).status).toBe(200);
  });

  it("records who started and who cancelled which run in the audit log", async () => {
    const u = secured.url;
    const started = await fetch(`${u}/workflows/gated/runs`, {
      method: "POST",
      headers: { authorization: "Bearer ci-token", "user-agent": "deploy-bot/1" },
      body: JSON.stringify({ input: { gate: "audit" } }),
    });
    const { runId } = (await started.json()) as { runId: string };
    await readSse(`${u}/runs/${runId}/events?access_token=alice-token`, {
      until: (e) => e.event === "node-start" && JSON.parse(e.data).node === "wait",
    });
    const cancel = await fetch(`${u}/runs/${runId}/cancel`, {
      method: "POST",
      headers: { authorization: "Bearer alice-token" },
    });
    expect(cancel.status).toBe(202);
    await waitForRun(u, runId, { authorization: "Bearer alice-token" });
    const lines = readFileSync(auditFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      action: "run.start",
      runId,
      workflow: "gated",
      actor: "ci",
      ip: "127.0.0.1",
      userAgent: "deploy-bot/1",
    });
    expect(lines[1]).toMatchObject({
      action: "run.cancel",
      runId,
      workflow: "gated",
      actor: "alice",
    });
    expect(Date.parse(lines[0].at)).not.toBeNaN();
    expect(JSON.stringify(lines)).not.toContain("token");
    // The store's hash-chained trail names the same actors.
    const trail = store.readAudit({ runId });
    expect(trail.map((e) => [e.actor, e.action, e.status])).toEqual([
      ["ci", "run.start", undefined],
      ["alice", "run.cancel", undefined],
      ["ci", "run.end", "cancelled"],
    ]);
    expect(verifyAudit(store.readAudit())).toMatchObject({ ok: true });
  });
});

it("serve() refuses a workflow that cannot run, naming it", async () => {
  const wf = dag<{ a: number }>("dup")
    .node("x", { a: "input.a" }, ({ a }) => a)
    .build();
  await expect(serve({ workflows: [wf, wf] })).rejects.toThrow("two workflows are named 'dup'");
});

it("an internal failure is a 500 without a stack trace, reported to onError", async () => {
  const store = memoryStore();
  const reported: unknown[] = [];
  const broken = await serve({
    workflows: [math],
    store: {
      ...store,
      listRuns: () => {
        throw new Error("disk on fire");
      },
    },
    onError: (e) => reported.push(e),
  });
  try {
    const res = await fetch(`${broken.url}/runs`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":"internal error"}');
    // Once at start (listing runs to resume; the server starts all the same), once for the GET.
    expect(reported.map((e) => (e as Error).message)).toEqual(["disk on fire", "disk on fire"]);
  } finally {
    await broken.close();
  }
});
