/** `weft serve --redis`: runs on the distributed engine, over HTTP. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  redisEngine,
  redisStore,
  type EngineWorker,
  type RedisEngine,
  type RedisStore,
} from "../../src/distributed/index.js";
import { serve, type AuditEntry, type WeftServer } from "../../src/serve/index.js";
import { deleteKeys, testPrefix, until } from "../distributed/helpers.js";
import { gated, gates, math, mathSchema, readSse, waitForRun } from "./helpers.js";

const REDIS = "redis://127.0.0.1:6379";
const prefix = testPrefix("serve");
const opened: { close(): Promise<void> }[] = [];
let workerEngine: RedisEngine;
let worker: EngineWorker;

/** An engine and a store on the test's prefix, as one `weft serve --redis` process opens them. */
function backend(): { engine: RedisEngine; store: RedisStore } {
  const engine = redisEngine({ connection: REDIS, prefix });
  const store = redisStore({ connection: REDIS, prefix: `${prefix}:serve` });
  opened.push(engine, store);
  return { engine, store };
}

async function startServer(audit: AuditEntry[] = []): Promise<WeftServer> {
  const { engine, store } = backend();
  const server = await serve({
    workflows: [{ workflow: math, inputSchema: mathSchema }, gated],
    engine,
    store,
    pollMs: 20,
    audit: (e) => audit.push(e),
    onError: () => {},
  });
  opened.push(server);
  return server;
}

async function post(base: string, wf: string, input: unknown): Promise<string> {
  const res = await fetch(`${base}/workflows/${wf}/runs`, {
    method: "POST",
    body: JSON.stringify({ input }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

async function nodeStatus(base: string, runId: string, node: string): Promise<string> {
  const body = (await (await fetch(`${base}/runs/${runId}`)).json()) as {
    nodes: Record<string, { status: string }>;
  };
  return body.nodes[node]?.status ?? "none";
}

beforeAll(() => {
  // The workers: here one in this process (the gates of `gated` live here).
  workerEngine = redisEngine({ connection: REDIS, prefix });
  worker = workerEngine.worker([math, gated], { concurrency: 8 });
});

afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
  await worker?.close();
  await workerEngine?.close();
  await deleteKeys(prefix);
}, 60_000);

describe("weft serve on the distributed engine", () => {
  it("a run started over HTTP completes through the engine: record, node statuses, events, list, metrics", async () => {
    const server = await startServer();
    const runId = await post(server.url, "math", { a: 2, b: 3 });
    const events = await readSse(`${server.url}/runs/${runId}/events`, {
      until: (e) => e.event === "run-complete",
    });
    expect(events.events.map((e) => e.event)).toEqual([
      "run-start",
      "node-start",
      "node-complete",
      "node-start",
      "node-complete",
      "run-complete",
    ]);
    const nodesSeen = events.events
      .filter((e) => e.event === "node-complete")
      .map((e) => (JSON.parse(e.data) as { node: string }).node);
    expect(nodesSeen).toEqual(["add", "double"]);
    const record = await waitForRun(server.url, runId);
    expect(record).toMatchObject({
      runId,
      workflow: "math",
      status: "completed",
      output: 10,
      nodes: {
        add: { status: "completed", result: 5 },
        double: { status: "completed", result: 10 },
      },
    });
    // It ran on the engine: Redis has it.
    expect(await workerEngine.status(runId)).toMatchObject({ status: "completed", nodesLeft: 0 });
    const list = (await (await fetch(`${server.url}/runs?workflow=math`)).json()) as {
      runs: { runId: string; status: string }[];
    };
    expect(list.runs).toContainEqual(expect.objectContaining({ runId, status: "completed" }));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/weft_runs_finished_total\{workflow="math",status="completed"\} 1/);
    expect(metrics).toMatch(/weft_node_duration_seconds_count\{workflow="math",node="add"\} 1/);
  });

  it("GET /runs/:id reports node statuses while the run goes, and cancel stops it on the engine", async () => {
    const audit: AuditEntry[] = [];
    const server = await startServer(audit);
    const runId = await post(server.url, "gated", { gate: "redis-cancel" });
    await until(async () => (await nodeStatus(server.url, runId, "wait")) === "running");
    const going = (await (await fetch(`${server.url}/runs/${runId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(going).toMatchObject({
      status: "running",
      nodes: { first: { status: "completed" }, wait: { status: "running" } },
    });
    const res = await fetch(`${server.url}/runs/${runId}/cancel`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ runId, status: "cancelling" });
    const record = await waitForRun(server.url, runId);
    expect(record.status).toBe("cancelled");
    expect((await workerEngine.status(runId))?.status).toBe("cancelled");
    expect(audit.map((e) => e.action)).toEqual(["run.start", "run.cancel"]);
    const again = await fetch(`${server.url}/runs/${runId}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    await again.text();
  });

  it("runs outlive the server: a new server on the same prefix reads them and follows the unfinished", async () => {
    const a = await startServer();
    const done = await post(a.url, "math", { a: 4, b: 5 });
    const before = await waitForRun(a.url, done);
    const beforeEvents = await readSse(`${a.url}/runs/${done}/events`);
    const going = await post(a.url, "gated", { gate: "redis-restart" });
    await until(async () => (await nodeStatus(a.url, going, "wait")) === "running");
    await a.close();
    // Closing the server leaves the run to the workers.
    expect((await workerEngine.status(going))?.status).toBe("running");

    const b = await startServer();
    expect(b.url).not.toBe(a.url);
    expect((await (await fetch(`${b.url}/runs/${done}`)).json()) as unknown).toEqual(before);
    expect((await readSse(`${b.url}/runs/${done}/events`)).events).toEqual(beforeEvents.events);
    expect(await nodeStatus(b.url, going, "wait")).toBe("running");
    const following = readSse(`${b.url}/runs/${going}/events`, {
      until: (e) => e.event === "run-complete",
    });
    gates.release("redis-restart");
    const { events } = await following;
    expect(events.at(-1)?.data).toContain('"status":"completed"');
    expect(await waitForRun(b.url, going)).toMatchObject({
      status: "completed",
      output: "redis-restart:first+wait+last",
      nodes: { wait: { status: "completed" }, last: { status: "completed" } },
    });
    const list = (await (await fetch(`${b.url}/runs`)).json()) as {
      runs: { runId: string; status: string }[];
    };
    expect(list.runs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ runId: done, status: "completed" }),
        expect.objectContaining({ runId: going, status: "completed" }),
      ]),
    );
  });
});

describe("weftjs/serve loads no Redis client", () => {
  it("no module the serve entry point imports (other than types) reaches bullmq, ioredis or src/distributed", () => {
    const root = path.resolve(import.meta.dirname, "../../src");
    const seen = new Set<string>();
    const reached: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      // Value imports and re-exports; `import type` / `export type` are erased.
      for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)) {
        const spec = m[1];
        if (spec.startsWith(".")) {
          const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts");
          if (target.includes(`${path.sep}distributed${path.sep}`)) reached.push(target);
          else visit(target);
        } else if (/^(bullmq|ioredis)/.test(spec)) {
          reached.push(`${spec} from ${file}`);
        }
      }
    };
    visit(path.join(root, "serve/index.ts"));
    expect(seen.size).toBeGreaterThan(10);
    expect(reached).toEqual([]);
  });
});
