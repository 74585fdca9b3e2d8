/**
 * Resuming a crashed run: a report pipeline journals every node to a SQLite file. The first
 * process dies while rendering (a hard exit, as a crash would); running the script again resumes
 * the run and finishes it, without repeating the steps that had finished.
 *
 * Run twice: npx tsx examples/resume-crashed.ts /tmp/report.sqlite
 */
import { dag, sqliteStore } from "weftjs";
import { isMain } from "./main.js";

export function report(log: string[], crash = false) {
  return dag<{ month: string }>("monthly_report")
    .node("extract", { month: "input.month" }, ({ month }) => {
      log.push("extract");
      return month.endsWith("11") ? [120, 80, 200] : [1];
    })
    .node("total", { xs: "extract" }, ({ xs }) => {
      log.push("total");
      return xs.reduce((a, b) => a + b, 0);
    })
    .node("render", { t: "total", month: "input.month" }, ({ t, month }) => {
      log.push("render");
      if (crash) {
        console.log(`ran: ${log.join(", ")}; crashing`);
        process.exit(1);
      }
      return `${month}: ${t} orders`;
    })
    .build();
}

if (isMain(import.meta.url)) {
  const store = sqliteStore(process.argv[2] ?? "report.sqlite");
  const runId = "report-2026-11";
  const log: string[] = [];
  if (store.loadRun(runId)?.status === "running") {
    const run = await report(log).resume(runId, { checkpoint: store });
    console.log(`resumed: ${run.output} (ran again: ${log.join(", ")})`);
  } else {
    await report(log, true).run({ month: "2026-11" }, { checkpoint: store, runId });
  }
}
