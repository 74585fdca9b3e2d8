/** `POST /runs/:id/signals/:name`: continuing waiting runs over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fsm, next, stop, wait } from "../../src/index.js";
import { serve, type AuditEntry, type WeftServer } from "../../src/serve/index.js";
import {
  approval,
  approveSchema,
  DAY,
  gated,
  gates,
  math,
  readSse,
  waitForRun,
} from "./helpers.js";

/** A state machine that waits for a payment. */
const orders = fsm<{ id: string }>("orders")
  .states("placed", "awaitPayment", "ship")
  .state("placed", (o) => next("awaitPayment", o.id))
  .state("awaitPayment", (_o, ctx) => {
    const paid = ctx.received<{ amount: number }>("payment");
    return paid ? next("ship", paid.amount) : wait("payment", { timeoutMs: DAY });
  })
  .state("ship", (_o, ctx) => stop(`shipped, paid ${String(ctx.previous?.value)}`))
  .build();

const TOKEN = "alice-token";
const auth = { authorization: `Bearer ${TOKEN}` };
const audit: AuditEntry[] = [];
let server: WeftServer;
let base: string;

beforeAll(async () => {
  server = await serve({
    workflows: [
      { workflow: approval, signalSchemas: { approve: approveSchema } },
      orders,
      math,
      gated,
    ],
    token: { alice: TOKEN },
    audit: (e) => audit.push(e),
    bodyLimit: 1024,
    onError: () => {},
  });
  base = server.url;
});

afterAll(async () => {
  await server?.close();
});

async function startRun(workflow: string, input: unknown): Promise<string> {
  const res = await fetch(`${base}/workflows/${workflow}/runs`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ input }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

async function sendSignal(
  runId: string,
  name: string,
  body: string,
  headers: Record<string, string> = auth,
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(`${base}/runs/${runId}/signals/${name}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, text };
}

async function recordText(runId: string): Promise<string> {
  return (await fetch(`${base}/runs/${runId}`, { headers: auth })).text();
}

/** A run of `approval` parked on its wait. */
async function parked(title: string): Promise<string> {
  const runId = await startRun("approval", { title });
  const record = await waitForRun(base, runId, auth);
  expect(record.status).toBe("waiting");
  return runId;
}

describe("POST /runs/:id/signals/:name", () => {
  it("continues a waiting run: 202, the payload reaches the wait, events stream after the signal", async () => {
    const runId = await parked("Q3 plan");
    const waitingRecord = JSON.parse(await recordText(runId)) as Record<string, unknown>;
    expect(waitingRecord).toMatchObject({
      status: "waiting",
      nodes: { draft: { status: "completed" }, approve: { status: "waiting" } },
      waitingFor: [{ node: "approve", signal: "approve" }],
    });
    const [w] = waitingRecord.waitingFor as { since: string; deadline: string }[];
    expect(Date.parse(w.deadline) - Date.parse(w.since)).toBe(DAY);

    // A follower opened while the run waits stays open and sees the continuation.
    let resolveFirst: () => void = () => {};
    const firstSeen = new Promise<void>((r) => (resolveFirst = r));
    const following = readSse(`${base}/runs/${runId}/events`, {
      headers: auth,
      until: (e) => {
        resolveFirst();
        const data = JSON.parse(e.data) as { type: string; status?: string };
        return data.type === "run-complete" && data.status !== "waiting";
      },
    });
    await firstSeen;

    const sent = await sendSignal(runId, "approve", JSON.stringify({ ok: true, by: "ann" }));
    expect(sent.status).toBe(202);
    expect(sent.json).toEqual({ runId, status: "running", signal: "approve" });

    const { events } = await following;
    const types = events.map((e) => (JSON.parse(e.data) as { type: string }).type);
    const parkedAt = types.indexOf("run-waiting");
    const signalledAt = types.indexOf("run-signalled");
    expect(parkedAt).toBeGreaterThan(0);
    expect(signalledAt).toBeGreaterThan(parkedAt);
    expect(types.slice(signalledAt)).toEqual([
      "run-signalled",
      "run-start",
      "node-start",
      "node-complete",
      "run-complete",
    ]);
    const after = events.slice(signalledAt).map((e) => JSON.parse(e.data) as { node?: string });
    expect(after[2].node).toBe("publish");
    // One log for the whole run: ids go on counting across the wait.
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));

    const done = await waitForRun(base, runId, auth);
    expect(done).toMatchObject({
      status: "completed",
      output: "draft of Q3 plan: approved by ann",
      nodes: {
        draft: { status: "completed", result: "draft of Q3 plan" },
        approve: { status: "completed", result: { ok: true, by: "ann" } },
        publish: { status: "completed" },
      },
    });
    expect(done.waitingFor).toBeUndefined();

    // A reconnecting client gets the rest of the log after its last id, then the stream ends.
    const resumed = await readSse(`${base}/runs/${runId}/events`, {
      headers: { ...auth, "last-event-id": String(parkedAt + 1) },
    });
    expect(resumed.events.map((e) => Number(e.id))).toEqual(ids.slice(parkedAt + 1));

    const line = audit.find((e) => e.action === "run.signal" && e.runId === runId);
    expect(line).toMatchObject({
      action: "run.signal",
      runId,
      workflow: "approval",
      signal: "approve",
      actor: "alice",
      ip: "127.0.0.1",
    });
    expect(Number.isNaN(Date.parse(line!.at))).toBe(false);

    const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(/weft_runs_signalled_total\{workflow="approval"\} [1-9]/);
    expect(metrics).toMatch(
      /weft_runs_finished_total\{workflow="approval",status="waiting"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /weft_runs_finished_total\{workflow="approval",status="completed"\} [1-9]/,
    );
    expect(metrics).toMatch(/weft_runs_in_flight\{workflow="approval"\} 0/);
  });

  it("the live page of a waiting run keeps following it", async () => {
    const runId = await parked("page");
    const html = await (await fetch(`${base}/runs/${runId}/view?access_token=${TOKEN}`)).text();
    expect(html).toContain('id="run-status">waiting<');
    expect(html).toContain('"run-signalled"');
    expect(html).toContain('if (ev.status !== "waiting") source.close();');
    expect((await sendSignal(runId, "approve", '{"ok":false,"by":"bo"}')).status).toBe(202);
    expect(await waitForRun(base, runId, auth)).toMatchObject({
      status: "completed",
      output: "draft of page: rejected by bo",
    });
  });

  it("signals a state machine parked by wait(...)", async () => {
    const runId = await startRun("orders", { id: "o1" });
    const record = await waitForRun(base, runId, auth);
    expect(record).toMatchObject({
      status: "waiting",
      waitingFor: [{ node: "payment", signal: "payment" }],
    });
    const sent = await sendSignal(runId, "payment", '{"amount":30}');
    expect(sent.status).toBe(202);
    expect(await waitForRun(base, runId, auth)).toMatchObject({
      status: "stopped",
      output: "shipped, paid 30",
      history: ["placed", "awaitPayment", "ship"],
    });
  });

  it("answers 404 for an unknown run and 401 without a valid token", async () => {
    const unknown = await sendSignal("no-such-run", "approve", "{}");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe("unknown run 'no-such-run'");

    const runId = await parked("auth");
    const before = await recordText(runId);
    const none = await sendSignal(runId, "approve", '{"ok":true,"by":"x"}', {});
    expect(none.status).toBe(401);
    const wrong = await sendSignal(runId, "approve", '{"ok":true,"by":"x"}', {
      authorization: "Bearer nope",
    });
    expect(wrong.status).toBe(401);
    // A GET may carry the token in the URL; a signal may not.
    const res = await fetch(`${base}/runs/${runId}/signals/approve?access_token=${TOKEN}`, {
      method: "POST",
      body: '{"ok":true,"by":"x"}',
    });
    expect(res.status).toBe(401);
    await res.text();
    expect(await recordText(runId)).toBe(before);
    expect(audit.some((e) => e.action === "run.signal" && e.runId === runId)).toBe(false);
  });

  it("answers 409 naming the run, its status and its waits for a wrong name, and changes nothing", async () => {
    const runId = await parked("wrong name");
    const before = await recordText(runId);
    const r = await sendSignal(runId, "publish", '{"ok":true,"by":"x"}');
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      runId,
      status: "waiting",
      waitingFor: [{ node: "approve", signal: "approve" }],
    });
    expect(r.json.error).toBe(
      `cannot signal 'publish' to run '${runId}' (workflow 'approval', status waiting): it is not waiting for 'publish'; it waits for 'approve'`,
    );
    expect(await recordText(runId)).toBe(before);
    // The run still takes the right signal afterwards.
    expect((await sendSignal(runId, "approve", '{"ok":true,"by":"cy"}')).status).toBe(202);
    expect(await waitForRun(base, runId, auth)).toMatchObject({ status: "completed" });
    // Signalled once: a second signal finds it no longer waiting.
    const again = await sendSignal(runId, "approve", '{"ok":true,"by":"cy"}');
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ status: "completed", waitingFor: [] });
    expect(again.json.error).toContain("the run is not waiting");
  });

  it("answers 409 for runs that are not waiting: finished or still running", async () => {
    const done = await startRun("math", { a: 1, b: 2 });
    await waitForRun(base, done, auth);
    const finished = await sendSignal(done, "approve", "{}");
    expect(finished.status).toBe(409);
    expect(finished.json).toMatchObject({ runId: done, status: "completed", waitingFor: [] });
    expect(finished.json.error).toContain(`run '${done}' (workflow 'math', status completed)`);

    const going = await startRun("gated", { gate: "signal-409" });
    const r = await sendSignal(going, "wait", "{}");
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ status: "running" });
    gates.release("signal-409");
    expect(await waitForRun(base, going, auth)).toMatchObject({ status: "completed" });
  });

  it("answers 400 for malformed JSON and for a payload that fails the wait's schema; 413 over the limit", async () => {
    const runId = await parked("bad payloads");
    const before = await recordText(runId);
    const malformed = await sendSignal(runId, "approve", "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatch(/^malformed JSON body/);

    const invalid = await sendSignal(runId, "approve", '{"ok":"yes"}');
    expect(invalid.status).toBe(400);
    const problems = invalid.json.problems as { path: string; message: string }[];
    expect(problems.map((p) => p.path).sort()).toEqual(["payload.by", "payload.ok"]);
    expect(invalid.json.error).toContain("nothing was applied");

    const big = await sendSignal(
      runId,
      "approve",
      JSON.stringify({ ok: true, by: "x".repeat(2000) }),
    );
    expect(big.status).toBe(413);
    for (const r of [malformed, invalid, big]) expect(r.text).not.toMatch(/\n\s+at |\.ts:\d+/);

    expect(await recordText(runId)).toBe(before);
    expect((await sendSignal(runId, "approve", '{"ok":true,"by":"dee"}')).status).toBe(202);
    expect(await waitForRun(base, runId, auth)).toMatchObject({
      status: "completed",
      output: "draft of bad payloads: approved by dee",
    });
  });

  it("lists waiting runs with GET /runs?status=waiting", async () => {
    const runId = await parked("listed");
    const list = (await (
      await fetch(`${base}/runs?workflow=approval&status=waiting`, { headers: auth })
    ).json()) as { runs: { runId: string; status: string }[] };
    expect(list.runs.map((r) => r.runId)).toContain(runId);
    expect(list.runs.every((r) => r.status === "waiting")).toBe(true);
  });
});

describe("waiting runs and retainRuns", () => {
  it("a parked run dropped from memory stays in the store and still takes its signal", async () => {
    const small = await serve({ workflows: [approval, math], retainRuns: 1 });
    try {
      const post = async (wf: string, input: unknown): Promise<string> => {
        const res = await fetch(`${small.url}/workflows/${wf}/runs`, {
          method: "POST",
          body: JSON.stringify({ input }),
        });
        return ((await res.json()) as { runId: string }).runId;
      };
      const runId = await post("approval", { title: "kept" });
      expect((await waitForRun(small.url, runId)).status).toBe("waiting");
      for (let i = 0; i < 3; i++) await waitForRun(small.url, await post("math", { a: i, b: 1 }));
      expect(small.runs.retained).toBeLessThanOrEqual(2);
      const res = await fetch(`${small.url}/runs/${runId}/signals/approve`, {
        method: "POST",
        body: JSON.stringify({ ok: true, by: "later" }),
      });
      expect(res.status).toBe(202);
      await res.text();
      expect(await waitForRun(small.url, runId)).toMatchObject({
        status: "completed",
        output: "draft of kept: approved by later",
      });
    } finally {
      await small.close();
    }
  });
});
