import { describe, expect, it } from "vitest";
import { scenario } from "../../examples/versioned-thumbs.js";

describe("registry and audit examples", () => {
  it("versioned-thumbs: ranges resolve per registry, no match lists versions, the trail verifies", async () => {
    expect(await scenario()).toEqual([
      "320px from resize 1.2.0",
      'graph fn: {"name":"resize","version":"^1.2"}',
      "319px from resize 1.3.0",
      "- node 'resize': no version of 'resize' matches '^3' (it has 2.0.0, 1.3.0, 1.2.0)",
      "audit 1: ana run.start t1",
      "audit 2: ana run.end t1 completed",
      "audit 3: bob run.start t2",
      "audit 4: bob run.end t2 completed",
      "chain intact (4 entries)",
    ]);
  });
});
