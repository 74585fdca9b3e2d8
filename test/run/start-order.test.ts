import { describe, expect, it } from "vitest";
import { dag } from "../../src/index.js";

// Priorities (each node costs 1): a 3 (a -> b -> d), b 2, x 1, c 1, d 1. Declaration order:
// a, x, b, c, d. `a` completes synchronously and releases b and c while x (a root) is still ready.
function fan() {
  return dag("order")
    .node("a", {}, () => 1)
    .node("x", {}, () => 2)
    .node("b", { a: "a" }, ({ a }) => a)
    .node("c", { a: "a" }, ({ a }) => a)
    .node("d", { b: "b" }, ({ b }) => b)
    .build();
}

describe("start order without a concurrency limit", () => {
  it("starts the highest-priority ready node first, as the queue does (sync nodes)", () => {
    const queued = fan().runSync(undefined, { concurrency: 1 }).metrics.order;
    expect(queued).toEqual(["a", "b", "d", "x", "c"]);
    expect(fan().runSync(undefined).metrics.order).toEqual(queued);
  });

  it("the same with run() and synchronous node functions", async () => {
    const queued = (await fan().run(undefined, { mode: "sequential" })).metrics.order;
    expect((await fan().run(undefined)).metrics.order).toEqual(queued);
  });
});
