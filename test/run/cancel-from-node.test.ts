import { describe, expect, it } from "vitest";
import { looseDag } from "../../src/index.js";

describe("a node that cancels its own run", () => {
  it("still decides the nodes its completion releases (runIf: always cleanup runs)", () => {
    const controller = new AbortController();
    const wf = looseDag("self-cancel")
      .node("a", {}, () => {
        controller.abort();
        return 1;
      })
      .node("cleanup", { a: "a" }, () => "cleaned", { runIf: "always" })
      .node("next", { a: "a" }, () => 2)
      .build();
    const run = wf.runSync(undefined, { signal: controller.signal });
    expect(run.status).toBe("cancelled");
    expect(run.statusOf("a")).toBe("completed");
    expect(run.statusOf("next")).toBe("skipped");
    expect(run.statusOf("cleanup")).toBe("completed");
    expect(run.get("cleanup")).toBe("cleaned");
  });

  it("the same in run(), with a sibling root decided after the cancelling node", async () => {
    const controller = new AbortController();
    const wf = looseDag("self-cancel-async")
      .node("a", {}, () => {
        controller.abort();
        return 1;
      })
      .node("cleanup", { a: "a" }, () => "cleaned", { runIf: "always" })
      .node("other", {}, () => 3)
      .node("otherCleanup", { o: "other" }, () => "also cleaned", { runIf: "always" })
      .build();
    const run = await wf.run(undefined, { signal: controller.signal });
    expect(run.status).toBe("cancelled");
    for (const n of ["a", "cleanup", "other", "otherCleanup"])
      expect(run.statusOf(n), n).not.toBe("pending");
    expect(run.get("cleanup")).toBe("cleaned");
    expect(run.get("otherCleanup")).toBe("also cleaned");
  });
});
