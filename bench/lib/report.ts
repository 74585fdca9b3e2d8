/** The shape every benchmark family reports in, and how it is printed as a Markdown table. */

/** One table of results with the notes that explain it. */
export interface Section {
  /** Stable id (the family's), used to merge partial runs into RESULTS.md. */
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  /** Sentences printed below the table: what was measured, targets, caveats. */
  notes: string[];
  /** Headline figures for the summary table: [figure, measured, target or context]. */
  summary: string[][];
}

/** What a family's `run` receives. */
export interface BenchContext {
  /** A fast smoke run: small sizes and short time budgets. */
  quick: boolean;
  /** Progress on stderr, so stdout stays the tables. */
  log(message: string): void;
}

/** One benchmark family: a module under bench/ and a filter name for `npm run bench -- NAME`. */
export interface Family {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<Section>;
}

/** A Markdown table with padded columns, readable as plain text too. */
export function markdownTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${widths.map((w, i) => (cells[i] ?? "").padEnd(w)).join(" | ")} |`;
  return [
    line(columns),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** A section as Markdown: heading, table, notes. */
export function sectionMarkdown(s: Section): string {
  const notes = s.notes.map((n) => `- ${n}`).join("\n");
  return `## ${s.title}\n\n${markdownTable(s.columns, s.rows)}\n${notes ? `\n${notes}\n` : ""}`;
}

/** A number with a sensible count of significant digits for a table cell. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(digits)).toString();
}

/** A ratio as `12.3x`. */
export function ratio(x: number): string {
  return `${fmt(x)}x`;
}

/** Whether a figure meets its target, as a short word for a table cell. */
export function verdict(ok: boolean): string {
  return ok ? "met" : "not met";
}
