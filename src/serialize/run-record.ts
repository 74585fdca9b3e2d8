/** Run records (`run.toJSON()`) to and from JSON text. */
import type { RunRecord } from "../run/types.js";
import { ParseError, SerializeError } from "./errors.js";
import { locateIssue } from "./graph-text.js";
import { formatPath, type FieldPath } from "./path.js";
import { readDocument, type ReadOptions } from "./read-document.js";
import {
  arrayOf,
  bool,
  defineKey,
  json,
  name,
  num,
  object,
  oneOf,
  recordOf,
  str,
  ShapeContext,
  type Check,
} from "./shape.js";
import { decodeValue, encodeValue } from "./value-codec.js";

/** Options of {@link parseRunRecord}. */
export type ParseRunRecordOptions = ReadOptions;

const status = oneOf(
  "completed",
  "failed",
  "partial",
  "cancelled",
  "stopped",
  "terminal",
  "max-cycles",
  "waiting",
);

const nodeRecord = object(
  [
    [
      "status",
      oneOf("pending", "running", "completed", "skipped", "failed", "waiting"),
      "required",
    ],
    ["startMs", num(0)],
    ["endMs", num(0)],
    ["ms", num(0)],
    ["attempts", num(0, true)],
    ["result", json],
    ["error", str],
    ["skipReason", str],
    ["version", str],
    [
      "stream",
      object(
        [
          ["items", num(0, true), "required"],
          ["journaled", bool],
        ],
        "a stream's record",
      ),
    ],
  ],
  "a node record",
);

const metrics = object(
  [
    ["totalMs", num(0), "required"],
    ["nodeMs", recordOf(num(0)), "required"],
    ["executed", num(0, true), "required"],
    ["skipped", num(0, true), "required"],
    ["failed", num(0, true), "required"],
    ["order", arrayOf(name), "required"],
  ],
  "run metrics",
);

const runRecordShape: Check<Record<string, unknown>> = object(
  [
    ["runId", str, "required"],
    ["workflow", str, "required"],
    ["status", status, "required"],
    ["output", json],
    ["nodes", recordOf(nodeRecord), "required"],
    ["metrics", metrics, "required"],
    [
      "errors",
      arrayOf(
        object(
          [
            ["node", str, "required"],
            ["message", str, "required"],
          ],
          "a run error",
        ),
      ),
      "required",
    ],
    ["history", arrayOf(name)],
    [
      "waiting",
      arrayOf(
        object(
          [
            ["node", name, "required"],
            ["since", num(0), "required"],
            ["deadline", num(0)],
          ],
          "a parked wait",
        ),
      ),
    ],
  ],
  "a run record",
);

/**
 * A run record as JSON, with keys in a fixed order. Results and the output keep values JSON
 * cannot hold (Map, Set, Date, bigint, `undefined`, NaN, typed arrays, ...) as tagged objects
 * that {@link parseRunRecord} restores.
 *
 * @example
 * ```ts
 * import { runRecordToJson } from "weftjs";
 * const run = await etl.run(input);
 * await fs.writeFile("run.json", runRecordToJson(run.toJSON()));
 * ```
 */
export function runRecordToJson(record: RunRecord): string {
  // An `undefined` output or result is written as absent, which reads back the same.
  const encoded: Record<string, unknown> = { ...record, nodes: {} };
  if (record.output !== undefined) encoded.output = encodeValue(record.output, ["output"]);
  const nodes: Record<string, unknown> = {};
  for (const [n, entry] of Object.entries(record.nodes ?? {})) {
    defineKey(
      nodes,
      n,
      entry?.result !== undefined
        ? { ...entry, result: encodeValue(entry.result, ["nodes", n, "result"]) }
        : entry,
    );
  }
  encoded.nodes = nodes;
  const ctx = new ShapeContext(1);
  const clean = runRecordShape(ctx, encoded, []);
  if (!clean) {
    const issue = ctx.issues[0];
    throw new SerializeError(formatPath(issue.path), issue.message, "cannot serialize run record");
  }
  return `${JSON.stringify(clean, null, 2)}\n`;
}

/**
 * Reads a run record written by {@link runRecordToJson} (JSON, or YAML of the same shape), checking
 * every field strictly; throws a {@link ParseError} naming the file, line:col and field path.
 *
 * @example
 * ```ts
 * import { parseRunRecord, toHtml } from "weftjs";
 * const run = parseRunRecord(await fs.readFile("run.json", "utf8"), { file: "run.json" });
 * await fs.writeFile("run.html", await toHtml(etl.graph, { run }));
 * ```
 */
export function parseRunRecord(
  text: string | Uint8Array,
  options: ParseRunRecordOptions = {},
): RunRecord {
  const what = "invalid run record";
  const doc = readDocument(text, options, what);
  const ctx = new ShapeContext();
  const clean = runRecordShape(ctx, doc.value, []);
  const fail = (): never => {
    throw new ParseError(
      what,
      ctx.issues.map((i) => locateIssue(doc, i, options.file)),
      options.file,
    );
  };
  if (!clean) return fail();
  const bad = (path: FieldPath, message: string): void => void ctx.issue(path, message);
  const record = clean as unknown as RunRecord;
  if ("output" in clean) record.output = decodeValue(clean.output, ["output"], bad);
  for (const [n, entry] of Object.entries(record.nodes)) {
    if ("result" in entry) entry.result = decodeValue(entry.result, ["nodes", n, "result"], bad);
  }
  if (ctx.issues.length > 0) fail();
  return record;
}
