import { describe, expectTypeOf, it } from "vitest";
import { dag, memoryStore, signal, type WaitingNode } from "../../src/index.js";

describe("wait types", () => {
  const approval = dag<{ doc: string }>("approval")
    .node("draft", { doc: "input.doc" }, ({ doc }) => doc.length)
    .wait("approve", { d: "draft" }, signal<{ ok: boolean; by: string }>())
    .wait("pay", {}, signal<number>())
    .sleep("cool", { ms: 10 })
    .node("publish", { ok: "approve.ok", by: "approve.by", paid: "pay" }, (a) => a)
    .build();

  it("types a wait's output as its payload, and a sleep's as what it passes on", () => {
    type Publish = Parameters<typeof approval.run>;
    expectTypeOf<Publish[0]>().toEqualTypeOf<{ doc: string }>();
    // Type-level only: never called.
    const check = (r: Awaited<ReturnType<typeof approval.run>>) => {
      expectTypeOf(r.get("approve")).toEqualTypeOf<{ ok: boolean; by: string } | undefined>();
      expectTypeOf(r.get("approve.by")).toEqualTypeOf<string | undefined>();
      expectTypeOf(r.get("cool")).toEqualTypeOf<number | undefined>();
      expectTypeOf(r.output).toEqualTypeOf<{ ok: boolean; by: string; paid: number } | undefined>();
      expectTypeOf(r.waiting).toEqualTypeOf<WaitingNode[]>();
    };
    expectTypeOf(check).toBeFunction();
  });

  it("takes signals for its waits only, each with its payload type", () => {
    const checkpoint = memoryStore();
    expectTypeOf(approval.signal<"approve">)
      .parameter(2)
      .toEqualTypeOf<{ ok: boolean; by: string }>();
    expectTypeOf(approval.signal<"pay">)
      .parameter(2)
      .toEqualTypeOf<number>();
    expectTypeOf(approval.signal).parameter(1).toEqualTypeOf<"approve" | "pay">();
    const later = () => approval.signal("r", "pay", 3, { checkpoint });
    expectTypeOf(later).returns.resolves.toHaveProperty("waiting");
  });
});
