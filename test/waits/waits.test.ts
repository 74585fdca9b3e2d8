import { describe, expect, it, vi } from "vitest";
import {
  dag,
  fromGraph,
  graphToJson,
  memoryStore,
  parseGraph,
  signal,
  SignalError,
  timers,
  toMermaid,
  WaitTimeoutError,
  type RunEvent,
} from "../../src/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Approval {
  ok: boolean;
  by: string;
}

function approvalFlow(timeoutMs?: number, extra: { fallback?: Approval } = {}) {
  const ran: string[] = [];
  const wf = dag<{ doc: string }>("approval")
    .node("draft", { doc: "input.doc" }, ({ doc }) => {
      ran.push("draft");
      return `draft of ${doc}`;
    })
    .wait("approve", { d: "draft" }, signal<Approval>(), { timeoutMs, ...extra })
    .node("publish", { d: "draft", ok: "approve.ok", by: "approve.by" }, ({ d, ok, by }) => {
      ran.push("publish");
      return `${d}: ${ok ? "published" : "rejected"} by ${by}`;
    })
    .build();
  return { wf, ran };
}

describe("durable waits", () => {
  it("a run with only waits left ends 'waiting', with the wait, its start and deadline", async () => {
    const { wf, ran } = approvalFlow(60_000);
    const events: RunEvent["type"][] = [];
    const before = Date.now();
    const r = await wf.run(
      { doc: "a" },
      { runId: "w1", checkpoint: memoryStore(), onEvent: (e) => events.push(e.type) },
    );
    expect(r.status).toBe("waiting");
    expect(r.statusOf("approve")).toBe("waiting");
    expect(r.statusOf("publish")).toBe("pending");
    expect(r.waiting).toHaveLength(1);
    const [w] = r.waiting;
    expect(w.node).toBe("approve");
    expect(w.since).toBeGreaterThanOrEqual(before);
    expect(w.deadline).toBe(w.since + 60_000);
    expect(events.slice(-2)).toEqual(["run-waiting", "run-complete"]);
    expect(ran).toEqual(["draft"]);
    expect(r.toJSON().waiting).toEqual(r.waiting);
    expect(r.toJSON().nodes.approve.status).toBe("waiting");
  });

  it("a signal continues the run: the payload is the wait's output, completed nodes are not re-run", async () => {
    const { wf, ran } = approvalFlow();
    const checkpoint = memoryStore();
    await wf.run({ doc: "a" }, { runId: "w2", checkpoint });
    const events: RunEvent["type"][] = [];
    const r = await wf.signal(
      "w2",
      "approve",
      { ok: true, by: "ann" },
      { checkpoint, onEvent: (e) => events.push(e.type) },
    );
    expect(r.status).toBe("completed");
    expect(r.output).toBe("draft of a: published by ann");
    expect(r.get("approve.by")).toBe("ann");
    expect(ran).toEqual(["draft", "publish"]);
    expect(events[0]).toBe("run-signalled");
    expect(r.waiting).toEqual([]);
    expect(checkpoint.loadRun("w2")?.status).toBe("completed");
  });

  it("a signal sent twice is applied once", async () => {
    const { wf, ran } = approvalFlow();
    const checkpoint = memoryStore();
    await wf.run({ doc: "a" }, { runId: "w3", checkpoint });
    const first = await wf.signal(
      "w3",
      "approve",
      { ok: true, by: "ann" },
      {
        checkpoint,
        idempotencyKey: "mail-17",
      },
    );
    // The same key again: nothing applied, the run as it is.
    const again = await wf.signal(
      "w3",
      "approve",
      { ok: false, by: "bob" },
      {
        checkpoint,
        idempotencyKey: "mail-17",
      },
    );
    expect(first.output).toBe("draft of a: published by ann");
    expect(again.status).toBe("completed");
    expect(again.output).toBe("draft of a: published by ann");
    expect(ran).toEqual(["draft", "publish"]);
    // Without the key, a second signal is refused: the run no longer waits.
    const refused = wf.signal("w3", "approve", { ok: false, by: "bob" }, { checkpoint });
    await expect(refused).rejects.toThrow(SignalError);
    await expect(refused).rejects.toThrow(/not waiting for it \(its status is 'completed'\)/);
    expect(ran).toEqual(["draft", "publish"]);
  });

  it("refuses signals for unknown runs and unknown waits, naming them", async () => {
    const { wf } = approvalFlow();
    const checkpoint = memoryStore();
    await expect(
      wf.signal("nope", "approve", { ok: true, by: "a" }, { checkpoint }),
    ).rejects.toThrow(
      "signal 'approve' to run 'nope' of workflow 'approval': the store has no such run",
    );
    await expect(
      // @ts-expect-error: not a wait of this workflow
      wf.signal("nope", "publish", { ok: true, by: "a" }, { checkpoint }),
    ).rejects.toThrow("the workflow has no signal wait 'publish' (its waits: approve)");
  });

  it("a timed-out wait fails with WaitTimeoutError; timers() fires it and its fallback applies", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 5_000 });
    const { wf, ran } = approvalFlow(1000, { fallback: { ok: false, by: "nobody" } });
    const checkpoint = memoryStore();
    await wf.run({ doc: "a" }, { runId: "t1", checkpoint });
    const early = await timers(checkpoint, [wf]);
    expect(early.fired).toEqual([]);
    expect(early.next).toBe(6_000);
    vi.setSystemTime(6_000);
    const report = await timers(checkpoint, [wf]).finally(() => vi.useRealTimers());
    expect(report.fired).toEqual([
      { runId: "t1", workflow: "approval", nodes: ["approve"], status: "completed" },
    ]);
    expect(ran).toEqual(["draft", "publish"]);
    const run = checkpoint.loadRun("t1");
    expect(run?.entries.find((e) => e.node === "publish")?.value).toBe(
      "draft of a: rejected by nobody",
    );
  });

  it("without a fallback the timeout fails the node, and the run's onError handler sees it", async () => {
    const { wf } = approvalFlow(10);
    const checkpoint = memoryStore();
    await wf.run({ doc: "a" }, { runId: "t2", checkpoint });
    await sleep(25);
    const seen: unknown[] = [];
    const r = await wf.resume("t2", {
      checkpoint,
      onError: (_node, err) => {
        seen.push(err.cause);
        return { value: { ok: false, by: "handler" } };
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(WaitTimeoutError);
    expect((seen[0] as WaitTimeoutError).node).toBe("approve");
    expect(r.output).toBe("draft of a: rejected by handler");
  });

  it("timers() leaves runs of workflows it was not given", async () => {
    const { wf } = approvalFlow(5);
    const checkpoint = memoryStore();
    await wf.run({ doc: "a" }, { runId: "t3", checkpoint });
    await sleep(15);
    const report = await timers(checkpoint, []);
    expect(report.unknown).toEqual([{ runId: "t3", workflow: "approval" }]);
    expect(checkpoint.loadRun("t3")?.status).toBe("waiting");
  });

  it("a signal after the deadline is refused, and the timeout fires", async () => {
    const { wf, ran } = approvalFlow(5);
    const checkpoint = memoryStore();
    await wf.run({ doc: "a" }, { runId: "t4", checkpoint });
    await sleep(15);
    await expect(
      wf.signal("t4", "approve", { ok: true, by: "late" }, { checkpoint }),
    ).rejects.toMatchObject({ code: "timed-out" });
    expect(checkpoint.loadRun("t4")?.status).toBe("failed");
    expect(ran).toEqual(["draft"]);
  });

  it("two waits: a signal to one keeps the run waiting on the other, with its start kept", async () => {
    let joins = 0;
    const wf = dag("both")
      .wait("a", {}, signal<number>())
      .wait("b", {}, signal<number>(), { timeoutMs: 60_000 })
      .node("sum", { a: "a", b: "b" }, ({ a, b }) => {
        joins++;
        return a + b;
      })
      .build();
    const checkpoint = memoryStore();
    const r0 = await wf.run(undefined, { runId: "two", checkpoint });
    expect(r0.waiting.map((w) => w.node)).toEqual(["a", "b"]);
    const b0 = r0.waiting[1];
    await sleep(5);
    const r1 = await wf.signal("two", "a", 1, { checkpoint });
    expect(r1.status).toBe("waiting");
    expect(r1.waiting).toEqual([b0]);
    const r2 = await wf.signal("two", "b", 2, { checkpoint });
    expect(r2.output).toBe(3);
    expect(joins).toBe(1);
  });

  it("a sleep parks the run, then passes the previous output on once its time is up", async () => {
    // The clock is set by hand, so a slow machine cannot wake the sleep early.
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    try {
      const wf = dag("nap")
        .node("a", {}, () => 41)
        .sleep("pause", { ms: 60_000 })
        .then("b", (n) => n + 1)
        .build();
      const checkpoint = memoryStore();
      const r = await wf.run(undefined, { runId: "s1", checkpoint });
      expect(r.status).toBe("waiting");
      expect(r.waiting).toEqual([{ node: "pause", since: 1_000_000, deadline: 1_060_000 }]);
      vi.setSystemTime(1_059_999);
      expect((await wf.resume("s1", { checkpoint })).status).toBe("waiting");
      expect((await timers(checkpoint, [wf])).fired).toEqual([]);
      vi.setSystemTime(1_060_000);
      expect((await timers(checkpoint, [wf])).fired).toEqual([
        { runId: "s1", workflow: "nap", nodes: ["pause"], status: "completed" },
      ]);
      expect(checkpoint.loadRun("s1")?.entries.map((e) => [e.node, e.value])).toEqual([
        ["a", 41],
        ["pause", 41],
        ["b", 42],
      ]);
      await expect(wf.signal("s1", "pause" as never, 1 as never, { checkpoint })).rejects.toThrow(
        "has no signal wait 'pause'",
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("a failure in another branch under fail-fast ends the run failed, not waiting", async () => {
    const wf = dag("mixed")
      .wait("w", {}, signal<number>())
      .node("boom", {}, () => {
        throw new Error("down");
      })
      .build();
    const r = await wf.run();
    expect(r.status).toBe("failed");
  });

  it("compensations wait for the run to end", async () => {
    const undone: string[] = [];
    const wf = dag("saga")
      .node("reserve", {}, () => "r1", { compensate: (r) => void undone.push(r) })
      .wait("pay", { r: "reserve" }, signal<number>())
      .node("boom", {}, () => {
        throw new Error("down");
      })
      .build();
    const checkpoint = memoryStore();
    const r = await wf.run(undefined, { runId: "saga", checkpoint, onError: "continue" });
    expect(r.status).toBe("waiting");
    expect(undone).toEqual([]);
  });

  it("the graph keeps wait nodes through JSON, and diagrams show them waiting", async () => {
    const { wf } = approvalFlow(1000);
    const back = parseGraph(graphToJson(wf.graph));
    expect(back.nodes.find((n) => n.name === "approve")).toMatchObject({
      kind: "wait",
      wait: { for: "signal" },
      options: { timeoutMs: 1000 },
    });
    const rebuilt = fromGraph(back, { draft: () => "d", publish: () => "p" });
    expect((await rebuilt.run({ doc: "a" } as never)).status).toBe("waiting");
    const r = await wf.run({ doc: "a" });
    const mermaid = toMermaid(wf.graph, { run: r.toJSON() });
    expect(mermaid).toContain('approve(["approve<br/>wait ≤ 1000 ms"])');
    expect(mermaid).toMatch(/class approve waiting/);
  });

  it("without a checkpoint store a run still parks, but cannot be signalled", async () => {
    const { wf } = approvalFlow();
    const r = await wf.run({ doc: "a" }, { runId: "mem" });
    expect(r.status).toBe("waiting");
    await expect(
      wf.signal("mem", "approve", { ok: true, by: "a" }, {} as never),
    ).rejects.toMatchObject({ code: "no-store" });
  });
});
