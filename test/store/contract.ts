/**
 * The behaviour every built-in checkpoint store shares, run against each of them.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { UnstorableValueError } from "../../src/run/codec.js";
import {
  CheckpointError,
  type CheckpointStore,
  type JournalEntry,
  type RunHeader,
  type SnapshotStore,
} from "../../src/run/store/index.js";

/**
 * What the contract exercises: every method, synchronous or not (each call is awaited, so the
 * same cases run against the synchronous built-in stores and the asynchronous Redis store).
 */
export type ContractStore = CheckpointStore &
  SnapshotStore &
  Required<Pick<CheckpointStore, "listRuns" | "deleteRun" | "close">>;

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

export function storeContract(name: string, open: () => ContractStore): void {
  describe(`${name}: checkpoint store contract`, () => {
    const opened: ContractStore[] = [];
    const make = (): ContractStore => {
      const store = open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it("journals a run and loads it back decoded", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      const rows = new Map([["alice", { age: 31, seen: new Set([1n, 2n]) }]]);
      await store.record("r1", {
        node: "load",
        status: "completed",
        value: rows,
        ms: 12.5,
        at: 1_010,
      });
      await store.record("r1", { node: "big", status: "skipped", at: 1_011 });
      await store.record("r1", {
        node: "save",
        status: "failed",
        error: "disk full",
        ms: 3,
        at: 1_020,
      });
      const during = await store.loadRun("r1");
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

      await store.finishRun("r1", "partial");
      const after = (await store.loadRun("r1"))!;
      expect(after.status).toBe("partial");
      expect(typeof after.finishedAt).toBe("number");
    });

    it("keeps a recorded undefined value distinct from no value", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      await store.record("r1", { node: "a", status: "completed", value: undefined, at: 1 });
      await store.record("r1", { node: "b", status: "skipped", at: 2 });
      const [a, b] = (await store.loadRun("r1"))!.entries;
      expect("value" in a).toBe(true);
      expect(a.value).toBeUndefined();
      expect("value" in b).toBe(false);
    });

    it("hands back copies, untouched by later mutation of the recorded value", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      const value = { list: [1, 2] };
      await store.record("r1", { node: "a", status: "completed", value, at: 1 });
      value.list.push(3);
      const loaded = (await store.loadRun("r1"))!.entries[0].value as { list: number[] };
      expect(loaded).toEqual({ list: [1, 2] });
      loaded.list.push(4);
      expect((await store.loadRun("r1"))!.entries[0].value).toEqual({ list: [1, 2] });
    });

    it("replaces a re-recorded node and moves it to the end", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      await store.record("r1", { node: "a", status: "failed", error: "boom", at: 1 });
      await store.record("r1", { node: "b", status: "completed", value: 2, at: 2 });
      await store.record("r1", { node: "a", status: "completed", value: 1, at: 3 });
      expect((await store.loadRun("r1"))!.entries).toEqual([
        { node: "b", status: "completed", value: 2, at: 2 },
        { node: "a", status: "completed", value: 1, at: 3 },
      ]);
    });

    it("reopens an existing run on beginRun, keeping its input and journal", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      await store.record("r1", { node: "a", status: "completed", value: "A", at: 1 });
      await store.finishRun("r1", "failed");
      await store.beginRun(header("r1", { input: { other: true }, startedAt: 9_999 }));
      const run = (await store.loadRun("r1"))!;
      expect(run.status).toBe("running");
      expect(run.finishedAt).toBeUndefined();
      expect(run.input).toEqual({ path: "a.csv", since: new Date(0) });
      expect(run.startedAt).toBe(1_000);
      expect(run.entries).toEqual([{ node: "a", status: "completed", value: "A", at: 1 }]);
    });

    it("refuses to reopen a run under another graph or workflow", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      await expect(async () =>
        store.beginRun(header("r1", { graphHash: "hash-2" })),
      ).rejects.toThrow(CheckpointError);
      await expect(async () =>
        store.beginRun(header("r1", { graphHash: "hash-2" })),
      ).rejects.toThrow(
        "run 'r1' in the checkpoint store belongs to workflow 'etl' (graph hash-1), not 'etl' (graph hash-2)",
      );
      await expect(async () => store.beginRun(header("r1", { workflow: "other" }))).rejects.toThrow(
        /not 'other'/,
      );
    });

    it("refuses an unstorable value, writing nothing and keeping the journal readable", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      await store.record("r1", { node: "a", status: "completed", value: [1], at: 1 });
      let thrown: unknown;
      try {
        await store.record("r1", {
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
      await expect(
        async () =>
          await store.record("r1", { node: "a", status: "completed", value: Symbol("s"), at: 3 }),
      ).rejects.toThrow(UnstorableValueError);
      await store.record("r1", { node: "b", status: "completed", value: "ok", at: 4 });
      expect((await store.loadRun("r1"))!.entries).toEqual([
        { node: "a", status: "completed", value: [1], at: 1 },
        { node: "b", status: "completed", value: "ok", at: 4 },
      ]);
    });

    it("refuses an unstorable input without creating the run", async () => {
      const store = make();
      await expect(async () =>
        store.beginRun(header("r1", { input: { cb: () => 0 } })),
      ).rejects.toThrow(/^cannot store the value of the input of run 'r1': cb is a function/);
      expect(await store.loadRun("r1")).toBeUndefined();
    });

    it("refuses records and finishes of runs never begun", async () => {
      const store = make();
      await expect(
        async () => await store.record("nope", { node: "a", status: "completed", value: 1, at: 1 }),
      ).rejects.toThrow(
        new CheckpointError("cannot record a node of run 'nope': the run was never begun"),
      );
      await expect(async () => store.finishRun("nope", "completed")).rejects.toThrow(
        "cannot finish run 'nope': the run was never begun",
      );
      expect(await store.loadRun("nope")).toBeUndefined();
    });

    it("refuses malformed entries and headers with messages naming them", async () => {
      const store = make();
      await store.beginRun(header("r1"));
      const bad = (entry: unknown) => async () => store.record("r1", entry as JournalEntry);
      await expect(bad({ node: "a", status: "done", at: 1 })).rejects.toThrow(
        `record of node 'a' in run 'r1': status must be "completed", "skipped" or "failed", got "done"`,
      );
      await expect(bad({ node: "", status: "completed", at: 1 })).rejects.toThrow(
        `record for run 'r1': node must be a non-empty string, got ""`,
      );
      await expect(bad({ node: "a", status: "completed" })).rejects.toThrow(
        "record of node 'a' in run 'r1': at must be a finite number, got undefined",
      );
      await expect(bad({ node: "a", status: "completed", at: 1, ms: "5" })).rejects.toThrow(
        /ms must be a finite number/,
      );
      await expect(bad(null)).rejects.toThrow(
        "record for run 'r1' needs a journal entry object, got null",
      );
      await expect(
        async () => await store.beginRun({ ...header("r2"), graphHash: 5 } as unknown as RunHeader),
      ).rejects.toThrow("beginRun of run 'r2': graphHash must be a string, got 5");
      await expect(async () => store.beginRun(header(""))).rejects.toThrow(
        /runId must be a non-empty string/,
      );
      expect((await store.loadRun("r1"))!.entries).toEqual([]);
    });

    it("lists, filters and deletes runs", async () => {
      const store = make();
      await store.beginRun(header("b", { startedAt: 20 }));
      await store.beginRun(header("a", { startedAt: 10, workflow: "other" }));
      await store.beginRun(header("c", { startedAt: 20 }));
      await store.record("b", { node: "x", status: "completed", value: 1, at: 21 });
      await store.record("b", { node: "y", status: "completed", value: 2, at: 22 });
      await store.finishRun("c", "completed");
      const all = await store.listRuns();
      expect(all.map((r) => r.runId)).toEqual(["a", "b", "c"]);
      expect(all[1]).toEqual({
        runId: "b",
        workflow: "etl",
        graphHash: "hash-1",
        startedAt: 20,
        status: "running",
        entries: 2,
      });
      expect((await store.listRuns({ workflow: "etl" })).map((r) => r.runId)).toEqual(["b", "c"]);
      expect((await store.listRuns({ status: "completed" })).map((r) => r.runId)).toEqual(["c"]);
      expect(await store.deleteRun("b")).toBe(true);
      expect(await store.deleteRun("b")).toBe(false);
      expect(await store.loadRun("b")).toBeUndefined();
      // A deleted run's id can be begun afresh, with an empty journal.
      await store.beginRun(header("b", { graphHash: "hash-9" }));
      expect((await store.loadRun("b"))!.entries).toEqual([]);
    });

    it("saves, loads and deletes snapshots", async () => {
      const store = make();
      expect(await store.loadSnapshot("m1")).toBeUndefined();
      await store.saveSnapshot("m1", { state: "review", history: ["draft"], at: new Date(5) });
      await store.saveSnapshot("m1", { state: "approved", history: ["draft", "review"] });
      const snap = (await store.loadSnapshot("m1"))!;
      expect(snap.value).toEqual({ state: "approved", history: ["draft", "review"] });
      expect(typeof snap.savedAt).toBe("number");
      await expect(async () => store.saveSnapshot("m2", { guard: () => true })).rejects.toThrow(
        /^cannot store the value of snapshot 'm2': guard is a function/,
      );
      expect(await store.loadSnapshot("m2")).toBeUndefined();
      expect(await store.deleteSnapshot("m1")).toBe(true);
      expect(await store.deleteSnapshot("m1")).toBe(false);
    });

    it("throws a clear error once closed", async () => {
      const store = open();
      await store.close();
      await expect(async () => store.loadRun("r1")).rejects.toThrow(CheckpointError);
      await expect(async () => store.loadRun("r1")).rejects.toThrow(/closed/);
      await store.close();
    });

    it("matches a model of the journal for random record sequences (property)", async () => {
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
      await fc.assert(
        fc.asyncProperty(fc.array(entry, { maxLength: 25 }), async (entries) => {
          const runId = `p${runs++}`;
          await store.beginRun(header(runId));
          const model = new Map<string, JournalEntry>();
          for (const e of entries) {
            await store.record(runId, e);
            model.delete(e.node);
            model.set(e.node, e);
          }
          expect((await store.loadRun(runId))!.entries).toEqual([...model.values()]);
        }),
        { numRuns: 60 },
      );
    });
  });
}
