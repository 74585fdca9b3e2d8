import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scenario as approvals } from "../../examples/approval.js";
import { scenario as orders } from "../../examples/order-events.js";

const dir = mkdtempSync(join(tmpdir(), "weft-wait-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("wait and event examples", () => {
  it("approval: a run waits for a decision, and a deadline fires through timers", async () => {
    expect(await approvals(join(dir, "approvals.sqlite"))).toEqual([
      "doc-42 waiting for 'approve' (3 days at most)",
      "doc-42 completed: draft of 'Q3 plan' published, approved by ann",
      "a second decision is refused (not-waiting)",
      "hf-1 waiting for 'objection'",
      "timers: 'objection' of hf-1 timed out, run completed",
      "hf-1: build 2.4.1 deployed (objections: nobody)",
    ]);
  });

  it("order-events: the saga's services react to events; a declined payment releases stock", async () => {
    expect(await orders()).toEqual([
      "o1: order.placed → stock.reserved → payment.charged ⇒ order o1 confirmed",
      "o2: order.placed → stock.reserved → payment.failed → stock.released ⇒ order o2 cancelled: card declined",
      "o3: order.placed → stock.failed ⇒ order o3 cancelled: desk out of stock",
      "lamps left: 1",
    ]);
  });

  it("order-events: runs from the command line", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "examples/order-events.ts"], {
      encoding: "utf8",
    });
    expect(out.trim().split("\n")).toHaveLength(4);
    expect(out).toContain(
      "o1: order.placed → stock.reserved → payment.charged ⇒ order o1 confirmed",
    );
  });
});
