/**
 * bench/RESULTS.md: the machine, the package versions, a summary, and one block per family. A run
 * of some families replaces their blocks and keeps the others, so a filtered run does not throw
 * away figures it did not measure. Each block carries its summary rows (in a comment), so the
 * summary is always rebuilt from exactly the blocks below it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Machine } from "./machine.js";
import { markdownTable, sectionMarkdown, type Section } from "./report.js";

const START = (id: string) => `<!-- section:${id} -->`;
const END = (id: string) => `<!-- /section:${id} -->`;
const BLOCK = /<!-- section:([\w-]+) -->\n([\s\S]*?)<!-- \/section:\1 -->/g;
const SUMMARY = /<!-- summary-rows (.*) -->/;

/** A measured section with when and how it was measured. */
export interface StampedSection {
  section: Section;
  date: string;
  quick: boolean;
}

/** The blocks already in the file, by id. */
export function readBlocks(file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  for (const m of readFileSync(file, "utf8").matchAll(BLOCK)) out.set(m[1], m[2]);
  return out;
}

function block(s: StampedSection): string {
  const how = s.quick ? " with `--quick` (small sizes, short budgets: a smoke run)" : "";
  // `>` escaped so the JSON can never close the comment early.
  const rows = JSON.stringify(s.section.summary).replace(/>/g, "\\u003e");
  return `${sectionMarkdown(s.section)}\n_Measured ${s.date}${how}._\n\n<!-- summary-rows ${rows} -->\n`;
}

function summaryRowsOf(text: string): string[][] {
  const m = SUMMARY.exec(text);
  return m ? (JSON.parse(m[1]) as string[][]) : [];
}

/** The summary table: headline rows of every family, in family order. */
export function summarySection(rows: string[][]): Section {
  return {
    id: "summary",
    title: "Summary",
    columns: ["figure", "measured", "target or context"],
    rows,
    notes: [
      "Headline figures from the tables below (each with the date it was measured); every ratio was measured within one process run.",
    ],
    summary: [],
  };
}

/**
 * Writes the file: the machine of this run, the summary, then every family in `order`, freshly
 * measured or kept from the previous file.
 */
export function writeResults(
  file: string,
  m: Machine,
  versions: [string, string][],
  measured: StampedSection[],
  order: string[],
): void {
  const blocks = readBlocks(file);
  for (const s of measured) blocks.set(s.section.id, block(s));
  const present = order.filter((id) => blocks.has(id));
  const body = present.map((id) => `${START(id)}\n${blocks.get(id)}${END(id)}`).join("\n\n");
  const summary = sectionMarkdown(
    summarySection(present.flatMap((id) => summaryRowsOf(blocks.get(id) ?? ""))),
  );
  const machineTable = markdownTable(
    [
      "CPU",
      "cores",
      "memory",
      "Node",
      "OS",
      "load avg, 1/5/15 min (latest run)",
      "date (latest run)",
    ],
    [[m.cpu, String(m.cores), `${m.memoryGiB} GiB`, m.node, m.os, m.load, m.date]],
  );
  const versionTable = markdownTable(
    ["package", "version"],
    versions.map(([p, v]) => [p, v]),
  );
  const text = `# weft benchmark results

Written by \`npm run bench\` (bench/run.ts); rerun it rather than editing this file. Every ratio
compares figures measured in the same process run. See docs/benchmarks.md for what each table
measures.

## Machine

${machineTable}

## Packages

${versionTable}

${summary}
${body}
`;
  writeFileSync(file, text);
}
