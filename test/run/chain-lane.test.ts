import { describe, expect, it } from "vitest";
import { looseDag } from "../../src/index.js";

function failThenChain(asyncLinks: boolean) {
  return looseDag("lane-any-failed")
    .node("x", {}, () => {
      throw new Error("x broke");
    })
    .node("recover", { x: "x" }, () => 1, { runIf: "always" })
    .node(
      "a",
      { r: "recover" },
      asyncLinks ? async ({ r }) => (r as number) + 1 : ({ r }) => (r as number) + 1,
    )
    .node(
      "b",
      { a: "a" },
      asyncLinks ? async ({ a }) => (a as number) + 1 : ({ a }) => (a as number) + 1,
    )
    .node("alert", { b: "b" }, () => "alerted", { runIf: "any-failed" })
    .build();
}

function failoverThenChain() {
  return looseDag("failover")
    .node("primary", {}, async (): Promise<number> => {
      throw new Error("primary down");
    })
    .node("backup", {}, async () => 1)
    .any("pick", { v: ["primary", "backup"] }, ({ v }) => (v as { value: number }).value)
    .node("a", { p: "pick" }, async ({ p }) => (p as number) + 1)
    .node("b", { a: "a" }, async ({ a }) => (a as number) + 1)
    .node("notify", { b: "b" }, () => "something failed upstream", { runIf: "any-failed" })
    .build();
}

describe("fused-chain lane", () => {
  it("keeps 'something upstream failed' across a chain that ran through the lane", async () => {
    // Reference: the same graph with sync links, and the async one observed by a listener.
    const sync = failThenChain(false).runSync(undefined, { onError: "continue" });
    expect(sync.statusOf("alert")).toBe("completed");
    const observed = await failThenChain(true).run(undefined, {
      onError: "continue",
      onEvent: () => {},
    });
    expect(observed.statusOf("alert")).toBe("completed");
    // Unobserved, a -> b runs through the lane: b must still know x failed upstream.
    const plain = await failThenChain(true).run(undefined, { onError: "continue" });
    expect(plain.get("b")).toBe(3);
    expect(plain.statusOf("alert")).toBe("completed");
    expect(plain.get("alert")).toBe("alerted");
  });

  it("runs an any-failed node after a failover join and an async chain", async () => {
    const wf = failoverThenChain();
    const observed = await wf.run(undefined, { onError: "continue", onEvent: () => {} });
    expect(observed.get("notify")).toBe("something failed upstream");
    const limited = await wf.run(undefined, { onError: "continue", retain: "outputs" });
    expect(limited.get("notify")).toBe("something failed upstream");
    const plain = await wf.run(undefined, { onError: "continue" });
    expect(plain.get("b")).toBe(3);
    expect(plain.statusOf("notify")).toBe("completed");
  });
});
