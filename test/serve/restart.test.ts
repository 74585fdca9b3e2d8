import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../../src/index.js";
import { serve } from "../../src/serve/index.js";
import { killAfterLines } from "../helpers/crash.js";
import { approval, gated, gates, math, readSse, waitForRun } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "weft-serve-restart-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function post(base: string, wf: string, input: unknown): Promise<string> {
  const res = await fetch(`${base}/workflows/${wf}/runs`, {
    method: "POST",
    body: JSON.stringify({ input }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

describe("runs survive a server restart with the SQLite store", () => {
  it("a run finished before the restart is readable after it: record, events, list, view", async () => {
    const file = join(dir, "runs.db");
    const a = await serve({ workflows: [math, gated], store: sqliteStore(file) });
    const done = await post(a.url, "math", { a: 4, b: 5 });
    const before = await waitForRun(a.url, done);
    const beforeEvents = await readSse(`${a.url}/runs/${done}/events`);
    // A run still going when the server closes is cancelled and stored as such.
    const going = await post(a.url, "gated", { gate: "restart" });
    await readSse(`${a.url}/runs/${going}/events`, {
      until: (e) => e.event === "node-start" && JSON.parse(e.data).node === "wait",
    });
    await a.close();

    const b = await serve({ workflows: [math, gated], store: sqliteStore(file) });
    try {
      expect(b.url).not.toBe(a.url);
      const after = (await (await fetch(`${b.url}/runs/${done}`)).json()) as Record<
        string,
        unknown
      >;
      expect(after).toEqual(before);
      expect(after).toMatchObject({ status: "completed", output: 18 });
      const afterEvents = await readSse(`${b.url}/runs/${done}/events`);
      expect(afterEvents.events).toEqual(beforeEvents.events);
      expect(afterEvents.events.at(-1)?.event).toBe("run-complete");
      const cancelled = (await (await fetch(`${b.url}/runs/${going}`)).json()) as Record<
        string,
        unknown
      >;
      expect(cancelled.status).toBe("cancelled");
      const list = (await (await fetch(`${b.url}/runs`)).json()) as {
        runs: { runId: string; status: string }[];
      };
      expect(list.runs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ runId: done, status: "completed" }),
          expect.objectContaining({ runId: going, status: "cancelled" }),
        ]),
      );
      const view = await fetch(`${b.url}/runs/${done}/view`);
      expect(view.status).toBe(200);
      expect(await view.text()).toContain(`math · ${done}`);
    } finally {
      await b.close();
    }
  });

  it("a run in flight when its process was killed is reported interrupted, or resumed", async () => {
    const file = join(dir, "crash.db");
    const log = join(dir, "crash.log");
    const runId = "crashed-run-1";
    await killAfterLines(
      join(import.meta.dirname, "fixtures/crash-run.ts"),
      [file, runId, log],
      log,
      2,
    );

    // Without resuming, the run is reported as interrupted, with what its journal holds.
    const a = await serve({
      workflows: [gated],
      store: sqliteStore(file),
      resumeInterrupted: false,
    });
    try {
      const rec = (await (await fetch(`${a.url}/runs/${runId}`)).json()) as Record<string, any>;
      expect(rec.status).toBe("interrupted");
      expect(rec.nodes.first).toMatchObject({ status: "completed", result: "crash:first" });
      const list = (await (await fetch(`${a.url}/runs?status=interrupted`)).json()) as {
        runs: { runId: string }[];
      };
      expect(list.runs.map((r) => r.runId)).toEqual([runId]);
      const cancel = await fetch(`${a.url}/runs/${runId}/cancel`, { method: "POST" });
      expect(cancel.status).toBe(409);
    } finally {
      await a.close();
    }

    // By default the next server resumes it: the journaled node is not run again.
    gates.release("crash");
    const b = await serve({ workflows: [gated], store: sqliteStore(file) });
    try {
      const rec = await waitForRun(b.url, runId);
      expect(rec).toMatchObject({ status: "completed", output: "crash:first+wait+last" });
      const events = await readSse(`${b.url}/runs/${runId}/events`);
      const started = events.events
        .filter((e) => e.event === "node-start")
        .map((e) => JSON.parse(e.data).node as string);
      expect(started).toEqual(["wait", "last"]);
    } finally {
      await b.close();
    }
  });

  it("a run waiting when the server stopped is signalled through the next one, its log going on", async () => {
    const file = join(dir, "waits.db");
    const a = await serve({ workflows: [approval], store: sqliteStore(file) });
    const runId = await post(a.url, "approval", { title: "restart" });
    expect((await waitForRun(a.url, runId)).status).toBe("waiting");
    const before = await readSse(`${a.url}/runs/${runId}/events`, {
      until: (e) => e.event === "run-complete",
    });
    await a.close();

    const b = await serve({ workflows: [approval], store: sqliteStore(file) });
    try {
      expect(await waitForRun(b.url, runId)).toMatchObject({
        status: "waiting",
        waitingFor: [{ node: "approve", signal: "approve" }],
      });
      const res = await fetch(`${b.url}/runs/${runId}/signals/approve`, {
        method: "POST",
        body: JSON.stringify({ ok: true, by: "after restart" }),
      });
      expect(res.status).toBe(202);
      await res.text();
      expect(await waitForRun(b.url, runId)).toMatchObject({
        status: "completed",
        output: "draft of restart: approved by after restart",
      });
      const after = await readSse(`${b.url}/runs/${runId}/events`);
      expect(after.events.slice(0, before.events.length)).toEqual(before.events);
      expect(after.events.slice(before.events.length).map((e) => e.event)).toEqual([
        "run-signalled",
        "run-start",
        "node-start",
        "node-complete",
        "run-complete",
      ]);
    } finally {
      await b.close();
    }
  });
});
