/**
 * The behaviour every built-in checkpoint store shares, run against each of them.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { UnstorableValueError } from "../../src/run/codec.js";
import {
  CheckpointError,
  type JournalEntry,
  type RunHeader,
  type SyncCheckpointStore,
} from "../../src/run/store/index.js";

export function header(runId: string, overrides: Partial<RunHeader> = {}): RunHeader {
  return {
    runId,
    workflow: "etl",
    graphHash: "hash-1",
    input: { path: "a.csv", since: new Date(0) },
    startedAt: 1_000,
    status: "running",
    ...overrides,
  };
}

export function storeContract(name: string, open: () => SyncCheckpointStore): void {
  describe(`${name}: checkpoint store contract`, () => {
    const opened: SyncCheckpointStore[] = [];
    const make = (): SyncCheckpointStore => {
      const store = open();
      opened.push(store);
      return store;
    };
    afterEach(() => {
      for (const store of opened.splice(0)) store.close();
    });

    it("journals a run and loads it back decoded", () => {
      const store = make();
      store.beginRun(header("r1"));
      const rows = new Map([["alice", { age: 31, seen: new Set([1n, 2n]) }]]);
      store.record("r1", { node: "load", status: "completed", value: rows, ms: 12.5, at: 1_010 });
      store.record("r1", { node: "big", status: "skipped", at: 1_011 });
      store.record("r1", { node: "save", status: "failed", error: "disk full", ms: 3, at: 1_020 });
      const during = store.loadRun("r1");
      expect(during).toEqual({
        runId: "r1",
        workflow: "etl",
        graphHash: "hash-1",
        input: { path: "a.csv", since: new Date(0) },
        startedAt: 1_000,
        status: "running",
        entries: [
          { node: "load", status: "completed", value: rows, ms: 12.5, at: 1_010 },
          { node: "big", status: "skipped", at: 1_011 },
          { node: "save", status: "failed", error: "disk full", ms: 3, at: 1_020 },
        ],
      });
      expect("value" in during!.entries[1]).toBe(false);

      store.finishRun("r1", "partial");
      const after = store.loadRun("r1")!;
      expect(after.status).toBe("partial");
      expect(typeof after.finishedAt).toBe("number");
    });

    it("keeps a recorded undefined value distinct from no value", () => {
      const store = make();
      store.beginRun(header("r1"));
      store.record("r1", { node: "a", status: "completed", value: undefined, at: 1 });
      store.record("r1", { node: "b", status: "skipped", at: 2 });
      const [a, b] = store.loadRun("r1")!.entries;
      expect("value" in a).toBe(true);
      expect(a.value).toBeUndefined();
      expect("value" in b).toBe(false);
    });

    it("hands back copies, untouched by later mutation of the recorded value", () => {
      const store = make();
      store.beginRun(header("r1"));
      const value = { list: [1, 2] };
      store.record("r1", { node: "a", status: "completed", value, at: 1 });
      value.list.push(3);
      const loaded = store.loadRun("r1")!.entries[0].value as { list: number[] };
      expect(loaded).toEqual({ list: [1, 2] });
      loaded.list.push(4);
      expect(store.loadRun("r1")!.entries[0].value).toEqual({ list: [1, 2] });
    });

    it("replaces a re-recorded node and moves it to the end", () => {
      const store = make();
      store.beginRun(header("r1"));
      store.record("r1", { node: "a", status: "failed", error: "boom", at: 1 });
      store.record("r1", { node: "b", status: "completed", value: 2, at: 2 });
      store.record("r1", { node: "a", status: "completed", value: 1, at: 3 });
      expect(store.loadRun("r1")!.entries).toEqual([
        { node: "b", status: "completed", value: 2, at: 2 },
        { node: "a", status: "completed", value: 1, at: 3 },
      ]);
    });

    it("reopens an existing run on beginRun, keeping its input and journal", () => {
      const store = make();
      store.beginRun(header("r1"));
      store.record("r1", { node: "a", status: "completed", value: "A", at: 1 });
      store.finishRun("r1", "failed");
      store.beginRun(header("r1", { input: { other: true }, startedAt: 9_999 }));
      const run = store.loadRun("r1")!;
      expect(run.status).toBe("running");
      expect(run.finishedAt).toBeUndefined();
      expect(run.input).toEqual({ path: "a.csv", since: new Date(0) });
      expect(run.startedAt).toBe(1_000);
      expect(run.entries).toEqual([{ node: "a", status: "completed", value: "A", at: 1 }]);
    });

    it("refuses to reopen a run under another graph or workflow", () => {
      const store = make();
      store.beginRun(header("r1"));
      expect(() => store.beginRun(header("r1", { graphHash: "hash-2" }))).toThrow(CheckpointError);
      expect(() => store.beginRun(header("r1", { graphHash: "hash-2" }))).toThrow(
        "run 'r1' in the checkpoint store belongs to workflow 'etl' (graph hash-1), not 'etl' (graph hash-2)",
      );
      expect(() => store.beginRun(header("r1", { workflow: "other" }))).toThrow(/not 'other'/);
    });

    it("refuses an unstorable value, writing nothing and keeping the journal readable", () => {
      const store = make();
      store.beginRun(header("r1"));
      store.record("r1", { node: "a", status: "completed", value: [1], at: 1 });
      let thrown: unknown;
      try {
        store.record("r1", {
          node: "load",
          status: "completed",
          value: { rows: [{ id: 1 }, { id: 2, handle: () => 0 }] },
          at: 2,
        });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnstorableValueError);
      expect((thrown as Error).message).toMatch(
        /^cannot store the value of node 'load' of run 'r1': rows\[1\]\.handle is a function/,
      );
      // A failed re-record of an existing node leaves its earlier entry alone.
      expect(() =>
        store.record("r1", { node: "a", status: "completed", value: Symbol("s"), at: 3 }),
      ).toThrow(UnstorableValueError);
      store.record("r1", { node: "b", status: "completed", value: "ok", at: 4 });
      expect(store.loadRun("r1")!.entries).toEqual([
        { node: "a", status: "completed", value: [1], at: 1 },
        { node: "b", status: "completed", value: "ok", at: 4 },
      ]);
    });

    it("refuses an unstorable input without creating the run", () => {
      const store = make();
      expect(() => store.beginRun(header("r1", { input: { cb: () => 0 } }))).toThrow(
        /^cannot store the value of the input of run 'r1': cb is a function/,
      );
      expect(store.loadRun("r1")).toBeUndefined();
    });

    it("refuses records and finishes of runs never begun", () => {
      const store = make();
      expect(() =>
        store.record("nope", { node: "a", status: "completed", value: 1, at: 1 }),
      ).toThrow(new CheckpointError("cannot record a node of run 'nope': the run was never begun"));
      expect(() => store.finishRun("nope", "completed")).toThrow(
        "cannot finish run 'nope': the run was never begun",
      );
      expect(store.loadRun("nope")).toBeUndefined();
    });

    it("refuses malformed entries and headers with messages naming them", () => {
      const store = make();
      store.beginRun(header("r1"));
      const bad = (entry: unknown) => () => store.record("r1", entry as JournalEntry);
      expect(bad({ node: "a", status: "done", at: 1 })).toThrow(
        `record of node 'a' in run 'r1': status must be "completed", "skipped" or "failed", got "done"`,
      );
      expect(bad({ node: "", status: "completed", at: 1 })).toThrow(
        `record for run 'r1': node must be a non-empty string, got ""`,
      );
      expect(bad({ node: "a", status: "completed" })).toThrow(
        "record of node 'a' in run 'r1': at must be a finite number, got undefined",
      );
      expect(bad({ node: "a", status: "completed", at: 1, ms: "5" })).toThrow(
        /ms must be a finite number/,
      );
      expect(bad(null)).toThrow("record for run 'r1' needs a journal entry object, got null");
      expect(() =>
        store.beginRun({ ...header("r2"), graphHash: 5 } as unknown as RunHeader),
      ).toThrow("beginRun of run 'r2': graphHash must be a string, got 5");
      expect(() => store.beginRun(header(""))).toThrow(/runId must be a non-empty string/);
      expect(store.loadRun("r1")!.entries).toEqual([]);
    });

    it("lists, filters and deletes runs", () => {
      const store = make();
      store.beginRun(header("b", { startedAt: 20 }));
      store.beginRun(header("a", { startedAt: 10, workflow: "other" }));
      store.beginRun(header("c", { startedAt: 20 }));
      store.record("b", { node: "x", status: "completed", value: 1, at: 21 });
      store.record("b", { node: "y", status: "completed", value: 2, at: 22 });
      store.finishRun("c", "completed");
      const all = store.listRuns();
      expect(all.map((r) => r.runId)).toEqual(["a", "b", "c"]);
      expect(all[1]).toEqual({
        runId: "b",
        workflow: "etl",
        graphHash: "hash-1",
        startedAt: 20,
        status: "running",
        entries: 2,
      });
      expect(store.listRuns({ workflow: "etl" }).map((r) => r.runId)).toEqual(["b", "c"]);
      expect(store.listRuns({ status: "completed" }).map((r) => r.runId)).toEqual(["c"]);
      expect(store.deleteRun("b")).toBe(true);
      expect(store.deleteRun("b")).toBe(false);
      expect(store.loadRun("b")).toBeUndefined();
      // A deleted run's id can be begun afresh, with an empty journal.
      store.beginRun(header("b", { graphHash: "hash-9" }));
      expect(store.loadRun("b")!.entries).toEqual([]);
    });

    it("saves, loads and deletes snapshots", () => {
      const store = make();
      expect(store.loadSnapshot("m1")).toBeUndefined();
      store.saveSnapshot("m1", { state: "review", history: ["draft"], at: new Date(5) });
      store.saveSnapshot("m1", { state: "approved", history: ["draft", "review"] });
      const snap = store.loadSnapshot("m1")!;
      expect(snap.value).toEqual({ state: "approved", history: ["draft", "review"] });
      expect(typeof snap.savedAt).toBe("number");
      expect(() => store.saveSnapshot("m2", { guard: () => true })).toThrow(
        /^cannot store the value of snapshot 'm2': guard is a function/,
      );
      expect(store.loadSnapshot("m2")).toBeUndefined();
      expect(store.deleteSnapshot("m1")).toBe(true);
      expect(store.deleteSnapshot("m1")).toBe(false);
    });

    it("throws a clear error once closed", () => {
      const store = open();
      store.close();
      expect(() => store.loadRun("r1")).toThrow(CheckpointError);
      expect(() => store.loadRun("r1")).toThrow(/closed/);
      store.close();
    });

    it("matches a model of the journal for random record sequences (property)", () => {
      const value = fc.oneof(
        fc.jsonValue(),
        fc.date({ noInvalidDate: true }),
        fc.bigInt(),
        fc.array(fc.integer()).map((a) => new Set(a)),
        fc.dictionary(fc.string(), fc.integer()).map((d) => new Map(Object.entries(d))),
      );
      const entry = fc.record({
        node: fc.constantFrom("a", "b", "c", "d#0", "d#1"),
        status: fc.constantFrom("completed" as const, "skipped" as const, "failed" as const),
        value,
        at: fc.nat(),
      });
      const store = make();
      let runs = 0;
      fc.assert(
        fc.property(fc.array(entry, { maxLength: 25 }), (entries) => {
          const runId = `p${runs++}`;
          store.beginRun(header(runId));
          const model = new Map<string, JournalEntry>();
          for (const e of entries) {
            store.record(runId, e);
            model.delete(e.node);
            model.set(e.node, e);
          }
          expect(store.loadRun(runId)!.entries).toEqual([...model.values()]);
        }),
        { numRuns: 60 },
      );
    });
  });
}
