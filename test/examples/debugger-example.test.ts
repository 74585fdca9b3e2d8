import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { main } from "../../examples/debugger.js";

const lines = [
  "paused before 'clean' (#2)",
  "completed so far: load",
  "rows loaded: 6",
  "stepped to 'big'",
  "clean kept: Alan Turing, Grace Hopper, Edsger Dijkstra",
  "completed: 3 customers loaded (inline): Alan Turing, Grace Hopper, Edsger Dijkstra",
  "trace: load > clean > big > inline > loaded > report",
  "machine paused at yellow visit 1, history red > green > yellow > red > green",
  "machine stopped after 9 cycles",
];

describe("debugger example", () => {
  it("pauses, changes arguments, steps and traces", async () => {
    expect(await main()).toEqual(lines);
  });

  it("runs from the command line, and exits with a session left paused", () => {
    const out = execFileSync("npx", ["tsx", "examples/debugger.ts"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(out.trim().split("\n")).toEqual([...lines, "left paused before 'report'; exiting"]);
  }, 180_000);
});
