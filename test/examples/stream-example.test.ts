import { describe, expect, it } from "vitest";
import { logStats, parseLine, sampleLog } from "../../examples/stream-processing.js";

describe("stream-processing example", () => {
  it("reports per-window statistics and errors per path from one pass over the log", async () => {
    const run = await logStats.run({ path: sampleLog, windowMs: 10_000 });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual([
      "12:00:00  11 requests, 2 errors, avg 140 ms",
      "12:00:10  7 requests, 1 errors, avg 102 ms",
      "12:00:20  10 requests, 1 errors, avg 149 ms",
      "12:00:30  10 requests, 2 errors, avg 99 ms",
      "12:00:40  2 requests, 0 errors, avg 57 ms",
      "errors by path: /api/users 3, /health 1, /api/cart 2",
    ]);
    const nodes = run.toJSON().nodes;
    // 41 lines, one of them garbled; 40 events; 5 windows.
    expect([nodes.lines.stream, nodes.parsed.stream, nodes.windows.stream]).toEqual([
      { items: 41, journaled: false },
      { items: 40, journaled: false },
      { items: 5, journaled: false },
    ]);
  });

  it("fails the readers with an error naming the stream when the file is missing", async () => {
    const run = await logStats.run({ path: "examples/data/missing.log", windowMs: 1000 });
    expect(run.status).toBe("failed");
    expect(run.errors.find((e) => e.node === "lines")?.message).toMatch(/ENOENT/);
    expect(run.errors.find((e) => e.node === "parsed")?.message).toMatch(
      /stream 'lines' failed: ENOENT/,
    );
  });

  it("parses log lines", () => {
    expect(parseLine("2026-03-01T12:00:01.361Z ERROR GET /api/users 500 148ms")).toEqual({
      at: Date.parse("2026-03-01T12:00:01.361Z"),
      level: "ERROR",
      path: "/api/users",
      status: 500,
      ms: 148,
    });
    expect(parseLine("garbled")).toBeUndefined();
  });
});
