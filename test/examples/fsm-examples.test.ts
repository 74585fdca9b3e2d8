import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateGraph } from "../../src/index.js";
import * as deployment from "../../examples/deployment.js";
import * as orders from "../../examples/order-processing.js";
import * as light from "../../examples/traffic-light.js";
import * as vending from "../../examples/vending-machine.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs an example as a user would (`npx tsx examples/NAME.ts`) and gives its output lines. */
function runScript(name: string): string[] {
  const out = execFileSync(process.execPath, ["--import", "tsx", join("examples", name)], {
    cwd: root,
    encoding: "utf8",
  });
  return out.trimEnd().split("\n");
}

const expected: Record<string, { main: () => Promise<string[]>; lines: string[] }> = {
  "traffic-light.ts": {
    main: light.main,
    lines: [
      "status: stopped after 9 cycles",
      "history: red -> green -> yellow -> red -> green -> yellow -> red -> green -> yellow",
      'yellow, latest: off; first: round 1; "yellow.1": round 2',
      "step: red -> green",
      "step: green -> yellow",
      "step: yellow -> (stopped)",
      "with maxCycles 4: max-cycles, last state red",
    ],
  },
  "vending-machine.ts": {
    main: vending.main,
    lines: [
      "start: idle, credit 0, can insert/fault",
      "inserted 100: has_credit, credit 100, can insert/select/refund/fault",
      "select cola with 100: refused (guard)",
      "can buy cola: true, tea: false",
      "bought cola: idle, credit 0, can insert/fault",
      "cola sold out: true",
      "fault: out_of_service, credit 0, can repair/fault",
      "insert while out of service: no-transition",
      "repaired: idle, credit 0, can insert/fault",
      "takings 150, dispensed cola",
      "history: insert, insert, select, insert, fault, repair",
    ],
  },
  "order-processing.ts": {
    main: orders.main,
    lines: [
      "A1: terminal in done: shipped with tracking T-A1-R-A1, paid 2500 cents",
      "  validate -> reserve -> charge -> ship -> done (charge attempts: 2)",
      "  retried: charge #2 after 5 ms",
      "B2: terminal in failed: payment declined 3 times",
      "  validate -> reserve -> charge -> failed (charge attempts: 3)",
      "  retried: charge #2 after 5 ms, charge #3 after 10 ms",
      "C3: terminal in failed: nothing to order",
      "  validate -> failed (charge attempts: 0)",
    ],
  },
  "deployment.ts": {
    main: deployment.main,
    lines: [
      'deploy "latest": refused (guard)',
      "after failing tests: failed, can retry: true",
      "approved by ana: awaiting_approval, ana again allowed: false",
      "resumed in awaiting_approval with approvers ana",
      "approved by bo: live, done: true, version 2.4.0",
      "abort after going live: done",
      "history: idle-[deploy]->building building-[built]->testing testing-[tests_failed]->failed " +
        "failed-[retry]->building building-[built]->testing testing-[tests_passed]->awaiting_approval " +
        "awaiting_approval-[approve]->awaiting_approval awaiting_approval-[approve]->live",
      "a second release aborted while building: aborted",
    ],
  },
};

describe("state machine examples", () => {
  for (const [file, { main, lines }] of Object.entries(expected)) {
    it(`${file} gives the documented output`, async () => {
      expect(await main()).toEqual(lines);
    });
    it(`${file} runs as a script`, () => {
      expect(runScript(file)).toEqual(lines);
    });
  }

  it("their machines are valid graphs with the transitions the handlers take", () => {
    for (const m of [light.light, vending.vending, orders.orders, deployment.deployment]) {
      expect(validateGraph(m.graph), m.name).toEqual([]);
    }
    expect(orders.orders.graph.edges).toEqual([
      { from: "validate", to: "failed" },
      { from: "validate", to: "reserve" },
      { from: "reserve", to: "charge" },
      { from: "charge", to: "ship" },
      { from: "charge", to: "failed" },
      { from: "ship", to: "done" },
    ]);
    // The payment state's retry policy is part of the graph (functions only as present).
    expect(orders.orders.graph.nodes.find((n) => n.name === "charge")?.options).toEqual({
      retry: { attempts: 3, delayMs: 5, backoff: 2 },
      has: { retryOn: true, hooks: true },
    });
  });
});
