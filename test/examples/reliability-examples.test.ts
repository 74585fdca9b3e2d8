import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scenario } from "../../examples/flaky-service.js";

const dir = mkdtempSync(join(tmpdir(), "weft-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("reliability examples", () => {
  it("flaky-service: retries absorb blips, the fallback covers an outage, the breaker stops calls", async () => {
    expect(await scenario()).toEqual([
      "retry rate (attempt 2)",
      "retry rate (attempt 3)",
      "price 108 after 3 calls",
      "retry rate (attempt 2)",
      "retry rate (attempt 3)",
      "price 100 (fallback) after 3 calls",
      "price 100 (fallback, breaker open) after 3 calls",
    ]);
  });

  it("resume-crashed: a killed run resumes where it stopped", () => {
    const db = join(dir, "report.sqlite");
    const run = () =>
      spawnSync(process.execPath, ["--import", "tsx", "examples/resume-crashed.ts", db], {
        encoding: "utf8",
      });
    const first = run();
    expect(first.status).toBe(1);
    expect(first.stdout.trim()).toBe("ran: extract, total, render; crashing");
    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout.trim()).toBe("resumed: 2026-11: 400 orders (ran again: render)");
  });
});
