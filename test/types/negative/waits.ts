// Signals the type checker must reject: an unknown wait, a wrong payload, a wait on a sleep.
import { dag, memoryStore, signal } from "../../../src/index.js";

const checkpoint = memoryStore();
const approval = dag<{ doc: string }>("approval")
  .node("draft", { doc: "input.doc" }, ({ doc }) => doc.length)
  .wait("approve", { d: "draft" }, signal<{ ok: boolean; by: string }>(), { timeoutMs: 1000 })
  .sleep("cool", { ms: 10 })
  .node("publish", { ok: "approve.ok" }, ({ ok }) => ok)
  .build();

// a wait the workflow does not have
// @ts-expect-error: "aprove"
void approval.signal("r1", "aprove", { ok: true, by: "ann" }, { checkpoint });

// a sleep is not a signal wait
// @ts-expect-error: "cool"
void approval.signal("r1", "cool", { ok: true, by: "ann" }, { checkpoint });

// a payload of the wrong type
// @ts-expect-error: Type 'string' is not assignable to type 'boolean'
void approval.signal("r1", "approve", { ok: "yes", by: "ann" }, { checkpoint });

// a payload missing a field
// @ts-expect-error: by
void approval.signal("r1", "approve", { ok: true }, { checkpoint });

// the wait's output is the payload: its fields are typed
const waits = dag("x").wait("w", {}, signal<{ ok: boolean }>());
// @ts-expect-error: node 'y' input 'n' expects string but 'w.ok' gives boolean
waits.node("y", { n: "w.ok" }, (a: { n: string }) => a.n);

// a workflow without waits takes no signal
const plain = dag("plain")
  .node("a", {}, () => 1)
  .build();
// @ts-expect-error: parameter of type 'never'
void plain.signal("r1", "a", 1, { checkpoint });

// the wait's fallback must be a payload
// @ts-expect-error: Type 'string' is not assignable to type 'boolean'
dag("y").wait("w", {}, signal<{ ok: boolean }>(), { fallback: { ok: "no" } });
