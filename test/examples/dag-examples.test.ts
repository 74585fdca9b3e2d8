import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { etl, sampleInput } from "../../examples/etl.js";
import { dashboard } from "../../examples/parallel-merge.js";
import { refunds } from "../../examples/conditional.js";
import { triage } from "../../examples/select-router.js";
import { album, thumbnails } from "../../examples/map-items.js";
import { checkout } from "../../examples/nested.js";

describe("DAG examples", () => {
  it("etl: loads, cleans and reports the adults", async () => {
    const run = await etl.run(sampleInput);
    expect(run.status).toBe("completed");
    expect(run.get("clean")?.map((r) => r.email)).toEqual([
      "ada@example.com",
      "alan@example.com",
      "grace@example.com",
      "edsger@example.com",
    ]);
    expect(run.statusOf("batch")).toBe("skipped");
    expect(run.get("loaded")).toEqual({ count: 4, mode: "inline", via: "inline" });
    expect(run.output).toBe(
      "4 customers loaded (inline): Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra",
    );
    const big = await etl.run({ ...sampleInput, batchOver: 2 });
    expect(big.get("loaded")).toEqual({ count: 4, mode: "batch", via: "batch" });
  });

  it("etl: runs from the command line", () => {
    const out = execFileSync("npx", ["tsx", "examples/etl.ts"], { encoding: "utf8" });
    expect(out.split("\n").slice(0, 3)).toEqual([
      "completed",
      "4 customers loaded (inline): Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra",
      '{"count":4,"mode":"inline","via":"inline"}',
    ]);
  });

  it("parallel-merge: lookups run side by side and merge", async () => {
    const run = await dashboard.run({ userId: 42 }, { mode: "parallel" });
    expect(run.output).toEqual({ name: "user-42", spent: 42.5, suggestions: ["book-0", "lamp-0"] });
    const starts = ["user", "orders", "recommendations"].map(
      (n) => run.toJSON().nodes[n].startMs ?? -1,
    );
    const ends = ["user", "orders", "recommendations"].map(
      (n) => run.toJSON().nodes[n].endMs ?? -1,
    );
    // All three started before any finished.
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
  });

  it("conditional: small refunds are paid, large ones reviewed", async () => {
    const small = await refunds.run({ refund: { order: "A-20", amount: 20 }, autoLimit: 100 });
    const large = await refunds.run({ refund: { order: "A-500", amount: 500 }, autoLimit: 100 });
    expect([small.output, large.output]).toEqual(["A-20: paid", "A-500: queued for review"]);
    expect(small.statusOf("review")).toBe("skipped");
    expect(large.statusOf("pay")).toBe("skipped");
  });

  it("select-router: each ticket reaches one team", async () => {
    const outputs = [];
    for (const text of ["Refund my invoice", "App crash on start", "Hello!"]) {
      outputs.push((await triage.run({ ticket: { id: text.length, text } })).output);
    }
    expect(outputs).toEqual([
      { team: "billing", note: "billing handles #17" },
      { team: "engineering", note: "engineering handles #18 (sev 2)" },
      { team: "desk", note: "front desk handles #6" },
    ]);
  });

  it("map-items: resizes every image in order", async () => {
    const run = await thumbnails.run({ album, maxSide: 256 });
    expect(run.output).toEqual([
      "beach.thumb.jpg 256x192",
      "cat.thumb.jpg 192x256",
      "icon.thumb.jpg 64x64",
      "pano.thumb.jpg 256x57",
    ]);
  });

  it("nested: checkout prices through the pricing workflow", async () => {
    const run = await checkout.run({
      customer: "shop.de",
      lines: [
        { sku: "pen", qty: 3, unit: 1.5 },
        { sku: "pad", qty: 2, unit: 4 },
      ],
    });
    expect(run.get("price")).toEqual({ subtotal: 12.5, tax: 2.38, total: 14.88 });
    expect(run.output).toBe("shop.de: 12.50 + 2.38 tax = 14.88");
  });
});
