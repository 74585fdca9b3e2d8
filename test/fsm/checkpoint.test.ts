import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { journaledBefore, killAfterLines, lines } from "../helpers/crash.js";
import {
  fsm,
  memoryStore,
  next,
  sqliteStore,
  stop,
  CheckpointError,
  InputError,
  NodeError,
  UnstorableValueError,
  type FsmVisitRecord,
  type RunEvent,
} from "../../src/index.js";
import { countingMachine } from "./fixtures/crash-machine.js";

const dir = mkdtempSync(join(tmpdir(), "weft-fsm-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Counts to `input.to` in `tick`, then reports. `tick` throws on the visit given by `failAt`
 * (while it is set), standing in for a process that died there. Every execution is counted.
 */
function ticker(ran: string[], failAt: { visit: number | undefined }) {
  return fsm<{ to: number }>("ticker")
    .states("tick", "report")
    .state("tick", (input, ctx) => {
      const visit = ctx.visits("tick") - 1;
      ran.push(`tick#${visit}`);
      if (visit === failAt.visit) throw new Error(`died in tick#${visit}`);
      ctx.metadata.ticks = [...((ctx.metadata.ticks as number[] | undefined) ?? []), visit];
      const sum = ((ctx.previous?.value as number | undefined) ?? 0) + visit;
      return visit + 1 < input.to ? next("tick", sum) : next("report", sum);
    })
    .state("report", (_input, ctx) => {
      ran.push("report#0");
      return stop({ sum: ctx.get("tick"), ticks: ctx.metadata.ticks as number[], at: new Date(0) });
    })
    .build();
}

describe("fsm checkpoints: journaling", () => {
  it("journals each visit as state#visit with its transition and a metadata copy", async () => {
    const store = memoryStore();
    const m = ticker([], { visit: undefined });
    const r = await m.run({ to: 2 }, { checkpoint: store, runId: "j1", metadata: { who: "me" } });
    expect(r.status).toBe("stopped");
    const stored = store.loadRun("j1");
    expect(stored?.status).toBe("stopped");
    expect(stored?.workflow).toBe("ticker");
    expect(stored?.input).toEqual({ to: 2 });
    expect(stored?.entries.map((e) => [e.node, e.status])).toEqual([
      ["tick#0", "completed"],
      ["tick#1", "completed"],
      ["report#0", "completed"],
    ]);
    const values = stored?.entries.map((e) => e.value as FsmVisitRecord);
    expect(values?.[0]).toEqual({
      kind: "next",
      to: "tick",
      value: 0,
      metadata: { who: "me", ticks: [0] },
    });
    expect(values?.[1]).toEqual({
      kind: "next",
      to: "report",
      value: 1,
      metadata: { who: "me", ticks: [0, 1] },
    });
    // Dates (and Maps, Sets, ...) survive the codec.
    expect(values?.[2]).toEqual({
      kind: "stop",
      value: { sum: 1, ticks: [0, 1], at: new Date(0) },
      metadata: { who: "me", ticks: [0, 1] },
    });
  });

  it("journals a failed visit (resume runs it again) and leaves metadata out when asked", async () => {
    const store = memoryStore();
    const m = ticker([], { visit: 1 });
    const r = await m.run({ to: 3 }, { checkpoint: store, runId: "j2", journalMetadata: false });
    expect(r.status).toBe("failed");
    const stored = store.loadRun("j2");
    expect(stored?.status).toBe("failed");
    expect(stored?.entries.map((e) => [e.node, e.status, e.error])).toEqual([
      ["tick#0", "completed", undefined],
      ["tick#1", "failed", "node 'tick' failed: died in tick#1"],
    ]);
    expect(stored?.entries[0].value).toEqual({ kind: "next", to: "tick", value: 0 });
  });

  it("fails the visit whose result or metadata cannot be stored, naming the state", async () => {
    const store = memoryStore();
    const m = fsm("unstorable")
      .states("ok", "bad")
      .state("ok", () => next("bad", { n: 1 }))
      .state("bad", () => stop({ handle: () => 1 }))
      .build();
    const r = await m.run(undefined, { checkpoint: store, runId: "u1" });
    expect(r.status).toBe("failed");
    expect((r.error as NodeError).node).toBe("bad");
    expect((r.error as NodeError).cause).toBeInstanceOf(UnstorableValueError);
    expect(r.error?.message).toMatch(
      /^node 'bad' failed: cannot store the value of node 'bad#0' of run 'u1': value\.handle is a function/,
    );
    const stored = store.loadRun("u1");
    expect(stored?.entries.map((e) => [e.node, e.status])).toEqual([
      ["ok#0", "completed"],
      ["bad#0", "failed"],
    ]);
    expect(stored?.status).toBe("failed");

    const md = fsm("unstorable_metadata")
      .states("a")
      .state("a", (_i, ctx) => {
        ctx.metadata.socket = new (class Socket {})();
        return stop(1);
      })
      .build();
    const r2 = await md.run(undefined, { checkpoint: store, runId: "u2" });
    expect(r2.error?.message).toMatch(
      /^node 'a' failed: cannot store the value of node 'a#0' of run 'u2': metadata\.socket is an instance of class Socket/,
    );
    // Without metadata in the journal, the same run is fine.
    const r3 = await md.run(undefined, { checkpoint: store, runId: "u3", journalMetadata: false });
    expect(r3.status).toBe("stopped");
  });

  it("rejects a run whose input cannot be stored, and a checkpoint that is not a store", async () => {
    const m = fsm<{ f: () => void }>("bad_input")
      .states("a")
      .state("a", () => stop())
      .build();
    const store = memoryStore();
    await expect(m.run({ f: () => {} }, { checkpoint: store, runId: "i1" })).rejects.toThrow(
      "cannot store the value of the input of run 'i1': f is a function",
    );
    await expect(m.run({ f: () => {} }, { checkpoint: {} as never })).rejects.toThrow(
      "run option 'checkpoint' must be a checkpoint store (memoryStore(), sqliteStore(path)); this one has no beginRun, record, finishRun, loadRun",
    );
  });
});

describe("fsm checkpoints: resume", () => {
  it("replays journaled visits without running them, then continues: equal to a straight run", async () => {
    const store = memoryStore();
    const ran: string[] = [];
    const failAt = { visit: 3 as number | undefined };
    const m = ticker(ran, failAt);
    const first = await m.run({ to: 5 }, { checkpoint: store, runId: "r1", metadata: { n: 1 } });
    expect(first.status).toBe("failed");
    expect(ran).toEqual(["tick#0", "tick#1", "tick#2", "tick#3"]);

    ran.length = 0;
    failAt.visit = undefined;
    const events: RunEvent[] = [];
    const metadata: Record<string, unknown> = { stale: true };
    const resumed = await m.resume("r1", {
      checkpoint: store,
      metadata,
      onEvent: (e) => events.push(e),
    });
    const straight = await ticker([], { visit: undefined }).run({ to: 5 }, { metadata: { n: 1 } });

    // Only what was not journaled ran.
    expect(ran).toEqual(["tick#3", "tick#4", "report#0"]);
    expect(resumed.status).toBe("stopped");
    expect(resumed.runId).toBe("r1");
    expect(resumed.output).toEqual(straight.output);
    expect(resumed.history).toEqual(straight.history);
    expect(resumed.cycles).toBe(straight.cycles);
    for (let k = 0; k < 5; k++) expect(resumed.get("tick", k)).toBe(straight.get("tick", k));
    // Metadata is the journaled copy (the stale key is gone), then what later visits added.
    expect(metadata).toEqual({ n: 1, ticks: [0, 1, 2, 3, 4] });
    expect(resumed.metrics.executed).toBe(3);
    expect(resumed.metrics.order).toEqual(straight.metrics.order);
    // Events report what ran here; replayed visits emit none.
    expect(events.filter((e) => e.type === "node-start").length).toBe(3);
    expect(events[0].type).toBe("run-start");
    expect(events[events.length - 1].type).toBe("run-complete");
    expect(store.loadRun("r1")?.status).toBe("stopped");
  });

  it("without journaled metadata, a resumed run starts from the metadata it is given", async () => {
    const store = memoryStore();
    const failAt = { visit: 2 as number | undefined };
    const m = ticker([], failAt);
    await m.run({ to: 3 }, { checkpoint: store, runId: "r2", journalMetadata: false });
    failAt.visit = undefined;
    const metadata: Record<string, unknown> = { ticks: [100] };
    const r = await m.resume("r2", { checkpoint: store, metadata, journalMetadata: false });
    expect(r.status).toBe("stopped");
    expect(metadata.ticks).toEqual([100, 2]);
  });

  it("resuming a finished run replays it whole, running no handler", async () => {
    const store = memoryStore();
    const ran: string[] = [];
    const m = ticker(ran, { visit: undefined });
    const done = await m.run({ to: 3 }, { checkpoint: store, runId: "r3" });
    ran.length = 0;
    const again = await m.resume("r3", { checkpoint: store });
    expect(ran).toEqual([]);
    expect(again.metrics.executed).toBe(0);
    expect(again.status).toBe(done.status);
    expect(again.output).toEqual(done.output);
    expect(again.history).toEqual(done.history);
  });

  it("continues a cancelled run, and works through a stepper too", async () => {
    const store = memoryStore();
    const ac = new AbortController();
    const ran: string[] = [];
    const m = ticker(ran, { visit: undefined });
    const s = m.start({ to: 4 }, { checkpoint: store, runId: "r4", signal: ac.signal });
    await s.step();
    await s.step();
    ac.abort(new Error("deploying"));
    const cancelled = await s.finish();
    expect(cancelled.status).toBe("cancelled");
    expect(store.loadRun("r4")?.status).toBe("cancelled");
    ran.length = 0;
    const r = await m.resume("r4", { checkpoint: store });
    expect(ran).toEqual(["tick#2", "tick#3", "report#0"]);
    expect(r.status).toBe("stopped");
    expect(r.history).toEqual(["tick", "tick", "tick", "tick", "report"]);
  });

  it("refuses to resume without a store, an unknown run, or a run of another machine", async () => {
    const store = memoryStore();
    const m = ticker([], { visit: undefined });
    await m.run({ to: 1 }, { checkpoint: store, runId: "v1" });
    await expect(m.resume("v1", {} as never)).rejects.toThrow(
      "machine 'ticker': resume of run 'v1' needs the 'checkpoint' store it was journaled to",
    );
    await expect(m.resume("nope", { checkpoint: store })).rejects.toThrow(
      new InputError("machine 'ticker' has no checkpointed run 'nope' to resume"),
    );
    const changed = fsm("ticker")
      .states("tick", "report", "archive")
      .state("tick", () => next("report"))
      .state("report", () => next("archive"))
      .state("archive", () => stop())
      .build();
    await expect(changed.resume("v1", { checkpoint: store })).rejects.toThrow(
      /^run 'v1' was checkpointed for another version of machine 'ticker'/,
    );
    const other = fsm("other")
      .states("tick", "report")
      .state("tick", () => next("report"))
      .state("report", () => stop())
      .build();
    await expect(other.resume("v1", { checkpoint: store })).rejects.toThrow(
      /^run 'v1' was checkpointed for another version of machine 'other' \('ticker'/,
    );
  });

  it("refuses a journal that does not replay on the machine, saying which entry", async () => {
    const store = memoryStore();
    const m = ticker([], { visit: undefined });
    await m.run({ to: 2 }, { checkpoint: store, runId: "w1" });
    // A hand-written entry out of order.
    store.record("w1", {
      node: "tick#5",
      status: "completed",
      value: { kind: "next", to: "tick", value: 0 },
      at: Date.now(),
    });
    await expect(m.resume("w1", { checkpoint: store })).rejects.toThrow(
      new CheckpointError(
        "the journal of run 'w1' does not replay on machine 'ticker': entry 'tick#5' follows a visit that stopped the run",
      ),
    );
  });
});

describe("fsm checkpoints: a killed process", () => {
  it("finishes a run whose process was killed, without running journaled visits again", async () => {
    const db = join(dir, "crash.sqlite");
    const log = join(dir, "crash.log");
    // Kill it once three visits have left their side effect.
    await killAfterLines("test/fsm/fixtures/crash-child.ts", [db, log, "run-1"], log, 3);
    const store = sqliteStore(db);
    const { status, journaled } = journaledBefore(store.loadRun("run-1"));
    expect(status).toBe("running");
    expect(journaled.length).toBeGreaterThanOrEqual(2);
    expect(journaled.length).toBeLessThan(8);

    const metadata: Record<string, unknown> = {};
    const resumed = await countingMachine(log).resume("run-1", { checkpoint: store, metadata });
    const straightMetadata: Record<string, unknown> = {};
    const straight = await countingMachine(join(dir, "straight.log")).run(
      { rounds: 6, seed: 1 },
      { metadata: straightMetadata },
    );
    expect(resumed.status).toBe("stopped");
    expect(resumed.output).toEqual(straight.output);
    expect(resumed.history).toEqual(straight.history);
    for (let k = 0; k < 6; k++) expect(resumed.get("step", k)).toBe(straight.get("step", k));
    expect(metadata).toEqual(straightMetadata);

    const effects = lines(log);
    const all = ["load#0", ...[0, 1, 2, 3, 4, 5].map((k) => `step#${k}`), "report#0"];
    // Visits journaled before the kill ran exactly once; every visit ran.
    for (const v of journaled) expect(effects.filter((l) => l === v)).toHaveLength(1);
    for (const v of all) expect(effects).toContain(v);
    expect(resumed.metrics.executed).toBe(8 - journaled.length);
    expect(store.loadRun("run-1")?.status).toBe("stopped");
    store.close();
  }, 60_000);
});
