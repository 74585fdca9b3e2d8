/**
 * `weft timers FILE... --checkpoint F`: fires the due deadlines of every waiting run in a
 * checkpoint store (timed-out waits fail, finished sleeps complete, the runs go on). Meant to be
 * run on a schedule (cron, a CI job); the workflows come from the modules given, imported as
 * `weft run` imports them.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Resumable } from "../../src/run/timers.js";
import { CliError, type CliIO } from "./output.js";

/** Options of `weft timers`. */
export interface TimersCommandOptions {
  checkpoint: string;
  json?: boolean;
}

/** Runs `weft timers`; resolves to the exit code (1 when a run could not be continued). */
export async function timersCommand(
  files: string[],
  options: TimersCommandOptions,
  io: CliIO,
): Promise<number> {
  const workflows: Resumable[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
    const found = Object.values(mod).filter(isResumable);
    if (found.length === 0) {
      throw new CliError(
        `${file}: no exported workflow found (export a built dag(...) or fsm(...))`,
      );
    }
    workflows.push(...found);
  }
  const { sqliteStore } = await import("../../src/run/store/index.js");
  const { timers } = await import("../../src/run/timers.js");
  const store = sqliteStore(path.resolve(options.checkpoint));
  try {
    const report = await timers(store, workflows);
    if (options.json) {
      io.out.write(
        `${JSON.stringify({ ...report, errors: report.errors.map((e) => ({ ...e, error: e.error.message })) })}\n`,
      );
    } else {
      for (const f of report.fired) {
        io.out.write(
          `fired ${f.nodes.join(", ")} of run '${f.runId}' (${f.workflow}): ${f.status}\n`,
        );
      }
      for (const u of report.unknown) {
        io.err.write(
          `warning: run '${u.runId}' has a due deadline, but workflow '${u.workflow}' is not in the files given\n`,
        );
      }
      for (const e of report.errors) {
        io.err.write(`error: run '${e.runId}' (${e.workflow}): ${e.error.message}\n`);
      }
      if (report.fired.length === 0) io.out.write("no deadline due\n");
      if (report.next !== undefined)
        io.out.write(`next deadline: ${new Date(report.next).toISOString()}\n`);
    }
    return report.errors.length > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}

function isResumable(v: unknown): v is Resumable {
  return (
    typeof v === "object" &&
    v !== null &&
    ((v as { kind?: unknown }).kind === "dag" || (v as { kind?: unknown }).kind === "fsm") &&
    typeof (v as { resume?: unknown }).resume === "function" &&
    typeof (v as { name?: unknown }).name === "string"
  );
}
