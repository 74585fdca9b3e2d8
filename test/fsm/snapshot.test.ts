/** Regression tests: a machine snapshot is checked whole before an instance is made from it. */
import { describe, expect, it } from "vitest";
import { machine, type SnapshotOf } from "../../src/index.js";

const door = machine<{ opened: number }, { open: { by: string } }>("door")
  .states("closed", "open", "locked")
  .events("close", "lock")
  .terminal("locked")
  .transition("closed", "open", "open", { action: (c) => ({ opened: c.opened + 1 }) })
  .transition("open", "close", "closed")
  .transition("closed", "lock", "locked")
  .build();

async function opened() {
  const d = door.start({ opened: 0 });
  await d.send("open", { by: "ann" });
  return d;
}

type Snap = SnapshotOf<typeof door>;

describe("machine.restore checks every snapshot field", () => {
  it("a snapshot with history 'tampered' is refused (later sends no longer reject while the state changes)", async () => {
    const snap = (await opened()).snapshot();
    const tampered = { ...snap, history: "tampered" } as unknown as Snap;
    expect(() => door.restore(tampered)).toThrow(
      "machine 'door': cannot restore the snapshot: 'history' is a string, not an array",
    );
  });

  it("each field is checked and named", async () => {
    const snap = (await opened()).snapshot();
    const bad = (patch: Record<string, unknown>) => () =>
      door.restore({ ...snap, ...patch } as unknown as Snap);
    expect(bad({ version: 2 })).toThrow("'version' is 2; expected 1");
    expect(bad({ machine: "window" })).toThrow(
      `'machine' is "window", a snapshot of another machine`,
    );
    expect(bad({ state: "ajar" })).toThrow(`'state' is "ajar", not a state of the machine`);
    expect(bad({ state: "closed" })).toThrow(
      "'state' is 'closed', but the last transition of 'history' went to 'open'",
    );
    expect(bad({ done: true })).toThrow("'done' is true, but state 'open' is not terminal");
    expect(bad({ extra: 1 })).toThrow("field 'extra' is not a snapshot field");
    expect(bad({ context: { f: () => 1 } })).toThrow("'context' is not plain data");
    const entry = snap.history[0];
    expect(bad({ history: [{ ...entry, event: "kick" }] })).toThrow(
      `'history[0]'.event is "kick", not an event of the machine`,
    );
    expect(bad({ history: [{ ...entry, from: "nowhere" }] })).toThrow(
      `'history[0]'.from is "nowhere", not a state of the machine`,
    );
    expect(bad({ history: [{ ...entry, at: "yesterday" }] })).toThrow(
      `'history[0]'.at is "yesterday", not a time`,
    );
    expect(bad({ history: [null] })).toThrow("'history[0]' is null, not a transition");
    expect(() => door.restore(null as unknown as Snap)).toThrow("the snapshot is null");
  });

  it("a refused restore changes nothing, and a valid one still restores", async () => {
    const live = await opened();
    const snap = live.snapshot();
    expect(() => door.restore({ ...snap, history: "tampered" } as unknown as Snap)).toThrow();
    expect(live.state).toBe("open");
    expect(live.snapshot()).toEqual(snap);
    const again = door.restore(snap);
    expect(again.state).toBe("open");
    expect(again.context).toEqual({ opened: 1 });
    expect(await again.send("close")).toMatchObject({ ok: true, to: "closed" });
    expect(again.history.map((h) => h.event)).toEqual(["open", "close"]);
    // The restored copy is separate from the snapshot it came from.
    expect(snap.history).toHaveLength(1);
  });

  it("a send that rejects does not change the state or the context", async () => {
    const m = machine<{ n: number }>("strict")
      .states("a", "b")
      .events("go")
      .transition("a", "go", "b", { action: (c) => ({ n: c.n + 1 }) })
      .build();
    const i = m.start({ n: 0 });
    // A history that cannot be appended to (frozen) makes recording the transition fail.
    Object.freeze(i.history);
    await expect(i.send("go")).rejects.toThrow(TypeError);
    expect(i.state).toBe("a");
    expect(i.context).toEqual({ n: 0 });
  });
});
