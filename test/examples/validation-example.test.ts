import { describe, expect, it } from "vitest";
import { scenario } from "../../examples/validated-orders.js";

describe("validated-orders example", () => {
  it("coerces a good input, refuses a bad one with every issue, and stops at the budget", async () => {
    expect(await scenario()).toEqual([
      "invoice ann@example.com: 9.00",
      'refused input.sku: Invalid option: expected one of "tea"|"coffee"',
      "refused input.qty: Too small: expected number to be >0",
      "refused input.email: Invalid email address",
      "failed: run budget maxNodes (1) exceeded: node 'invoice' would be node 2 started",
    ]);
  });
});
