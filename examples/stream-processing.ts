/**
 * Stream processing: read a log file line by line, parse each line, and report per-window
 * request statistics, with the errors per path counted from the same stream. Items flow through
 * the stages as they are read; memory holds a few buffered items, never the whole file.
 * Run: npx tsx examples/stream-processing.ts
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dag, tumblingWindow } from "weftjs";
import { isMain } from "./main.js";

export interface LogEvent {
  at: number;
  level: string;
  path: string;
  status: number;
  ms: number;
}

export interface WindowStats {
  start: string;
  requests: number;
  errors: number;
  avgMs: number;
}

const LINE = /^(\S+) (INFO|ERROR) GET (\S+) (\d{3}) (\d+)ms$/;

/** A log line as an event, or undefined for a line that is not one. */
export function parseLine(line: string): LogEvent | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return { at: Date.parse(m[1]), level: m[2], path: m[3], status: Number(m[4]), ms: Number(m[5]) };
}

export const logStats = dag<{ path: string; windowMs: number }>("log_stats")
  .stream("lines", { path: "input.path" }, async function* readLines({ path }) {
    const file = createReadStream(path, "utf8");
    const lines = createInterface({ input: file, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) if (line) yield line;
    } finally {
      // Runs however the stream ends: read to the end, stopped by its readers, or failed.
      lines.close();
      file.destroy();
    }
  })
  .stream("parsed", { lines: "lines" }, async function* parse({ lines }) {
    for await (const line of lines) {
      const event = parseLine(line);
      if (event) yield event;
    }
  })
  .stream(
    "windows",
    { events: "parsed", windowMs: "input.windowMs" },
    async function* perWindow({ events, windowMs }) {
      for await (const w of tumblingWindow(events, { ms: windowMs, time: (e) => e.at })) {
        const total = w.items.reduce((s, e) => s + e.ms, 0);
        yield {
          start: new Date(w.start).toISOString().slice(11, 19),
          requests: w.items.length,
          errors: w.items.filter((e) => e.status >= 500).length,
          avgMs: Math.round(total / w.items.length),
        } satisfies WindowStats;
      }
    },
    { buffer: 4 },
  )
  .node("report", { windows: "windows" }, async function collect({ windows }) {
    const out: WindowStats[] = [];
    for await (const w of windows) out.push(w);
    return out;
  })
  .node("errorsByPath", { events: "parsed" }, async function countErrors({ events }) {
    const counts: Record<string, number> = {};
    for await (const e of events) if (e.status >= 500) counts[e.path] = (counts[e.path] ?? 0) + 1;
    return counts;
  })
  .node("summary", { report: "report", errors: "errorsByPath" }, ({ report, errors }) => [
    ...report.map(
      (w) => `${w.start}  ${w.requests} requests, ${w.errors} errors, avg ${w.avgMs} ms`,
    ),
    `errors by path: ${Object.entries(errors)
      .map(([p, n]) => `${p} ${n}`)
      .join(", ")}`,
  ])
  .build();

export const sampleLog = fileURLToPath(new URL("./data/app.log", import.meta.url));

if (isMain(import.meta.url)) {
  const run = await logStats.run({ path: sampleLog, windowMs: 10_000 });
  for (const line of run.output ?? []) console.log(line);
  const items = run.toJSON().nodes;
  console.log(
    `items: lines ${items.lines.stream?.items}, parsed ${items.parsed.stream?.items}, windows ${items.windows.stream?.items}`,
  );
}
