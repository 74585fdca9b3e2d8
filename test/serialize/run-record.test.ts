import { describe, expect, it } from "vitest";
import {
  parseRunRecord,
  ParseError,
  runRecordToJson,
  SerializeError,
  type RunRecord,
} from "../../src/index.js";
import { etlRun } from "./fixtures.js";

const base: RunRecord = {
  runId: "r",
  workflow: "w",
  status: "completed",
  nodes: {},
  metrics: { totalMs: 1, nodeMs: {}, executed: 0, skipped: 0, failed: 0, order: [] },
  errors: [],
};

describe("runRecordToJson / parseRunRecord", () => {
  it("round trips a plain record and writes a fixed key order", () => {
    const text = runRecordToJson(etlRun);
    expect(parseRunRecord(text)).toEqual(etlRun);
    expect(Object.keys(JSON.parse(text))).toEqual([
      "runId",
      "workflow",
      "status",
      "output",
      "nodes",
      "metrics",
      "errors",
    ]);
    expect(Object.keys(JSON.parse(text).nodes.load)).toEqual([
      "status",
      "startMs",
      "endMs",
      "ms",
      "attempts",
      "result",
    ]);
    expect(runRecordToJson(parseRunRecord(text))).toBe(text);
  });

  it("keeps values JSON cannot hold", () => {
    const value = {
      map: new Map<unknown, unknown>([
        ["a", 1],
        [{ k: 2 }, new Set([1n, 2n])],
      ]),
      when: new Date("2024-05-06T07:08:09.000Z"),
      nothing: undefined,
      list: [undefined, NaN, Infinity, -Infinity],
      re: /a.b/gi,
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([1.5, NaN]),
      tagged: { $weft: "Map", entries: "not really" },
      err: new TypeError("nope"),
    };
    const record: RunRecord = {
      ...base,
      output: value,
      nodes: { a: { status: "completed", result: 10n } },
    };
    const back = parseRunRecord(runRecordToJson(record));
    expect(back.output).toEqual(value);
    expect((back.output as { err: Error }).err).toBeInstanceOf(Error);
    expect((back.output as { err: Error }).err.name).toBe("TypeError");
    expect(back.nodes.a.result).toBe(10n);
  });

  it("writes functions as markers and reads them back as text", () => {
    function greet(): void {}
    const text = runRecordToJson({ ...base, output: { f: greet } });
    expect(JSON.parse(text).output.f).toMatchObject({ $weft: "unserializable", type: "function" });
    expect(parseRunRecord(text).output).toEqual({
      f: expect.stringMatching(/^\[unserializable function: function greet/),
    });
  });

  it("uses toJSON of class instances", () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return `$${this.cents / 100}`;
      }
    }
    expect(parseRunRecord(runRecordToJson({ ...base, output: new Money(150) })).output).toBe(
      "$1.5",
    );
  });

  it("refuses cycles, naming the path", () => {
    const loop: Record<string, unknown> = {};
    loop.again = [loop];
    expect(() =>
      runRecordToJson({ ...base, nodes: { a: { status: "completed", result: loop } } }),
    ).toThrow(
      new SerializeError(
        "nodes.a.result.again[0]",
        "value refers to itself (a cycle); it cannot be serialized",
      ),
    );
  });

  it("rejects malformed records with path and position", () => {
    const text = runRecordToJson(etlRun).replace('"status": "skipped"', '"status": "skiped"');
    try {
      parseRunRecord(text, { file: "run.json" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      const issue = (e as ParseError).issues[0];
      expect(issue).toMatchObject({ path: "nodes.inline.status", file: "run.json", column: 17 });
      expect(text.split("\n")[(issue.line ?? 0) - 1]).toContain('"skiped"');
    }
    expect(() => parseRunRecord('{"runId":"r"}')).toThrow(
      "missing required field 'workflow' in a run record",
    );
    expect(() =>
      parseRunRecord(JSON.stringify({ ...base, output: { $weft: "bigint", value: "1.5" } })),
    ).toThrow('output.$weft: bad bigint "1.5"');
  });
});
