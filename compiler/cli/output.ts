/** Printing for the CLI: diagnostics in tsc style (coloured on a terminal) and CLI errors. */
import pc from "picocolors";
import { formatDiagnostic, type Diagnostic } from "../diagnostics.js";

/** A failure the CLI reports as one message and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Where the CLI writes; tests pass their own. */
export interface CliIO {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The process's stdout and stderr. */
export const processIO: CliIO = { out: process.stdout, err: process.stderr };

/** A diagnostic line, coloured like tsc's when `color` is set. */
export function renderDiagnostic(d: Diagnostic, color: boolean): string {
  if (!color) return formatDiagnostic(d);
  const where = d.location
    ? `${pc.cyan(d.location.file)}:${pc.yellow(String(d.location.line))}:${pc.yellow(String(d.location.column))} - `
    : "";
  const sev = d.severity === "error" ? pc.red("error") : pc.yellow("warning");
  return `${where}${sev} ${pc.gray(d.code)}: ${d.message}`;
}

/** Writes diagnostics, then a count line like tsc's (`Found 2 errors.`) when there are any. */
export function printDiagnostics(list: Diagnostic[], stream: CliIO["out"]): void {
  const color = stream.isTTY === true && !process.env.NO_COLOR;
  for (const d of list) stream.write(`${renderDiagnostic(d, color)}\n`);
  const errors = list.filter((d) => d.severity === "error").length;
  const warnings = list.length - errors;
  if (list.length === 0) return;
  const parts: string[] = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  stream.write(`\nFound ${parts.join(" and ")}.\n`);
}
