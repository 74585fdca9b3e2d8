/**
 * `weft runs list|show`: the runs journaled in a checkpoint file (`weft run --checkpoint FILE`),
 * read through the store's `listRuns` and `loadRun`, to find the id to `--resume`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { MissingPeerError } from "../../src/peers/missing-peer.js";
import type { StoredRunStatus } from "../../src/run/store/types.js";
import { sqliteStore, type SqliteStore } from "../../src/run/store/sqlite.js";
import { CliError, type CliIO } from "./output.js";

/** Opens (or creates) the SQLite checkpoint file, with a CLI error when the driver is missing. */
export function openCheckpoint(file: string): SqliteStore {
  try {
    return sqliteStore(path.resolve(file));
  } catch (err) {
    if (err instanceof MissingPeerError) {
      throw new CliError(`--checkpoint needs ${err.packageName}: npm i ${err.packageName}`);
    }
    throw new CliError(`cannot open checkpoint '${file}': ${(err as Error).message}`);
  }
}

function openExisting(file: string): SqliteStore {
  if (!existsSync(file)) throw new CliError(`no checkpoint file '${file}'`);
  return openCheckpoint(file);
}

/** Options of `weft runs list`. */
export interface RunsListOptions {
  checkpoint: string;
  workflow?: string;
  status?: string;
}

/** `weft runs list`: one line per run, newest first. */
export function runsListCommand(options: RunsListOptions, io: CliIO): number {
  const status: StoredRunStatus | undefined = options.status;
  const store = openExisting(options.checkpoint);
  try {
    const runs = store
      .listRuns({ workflow: options.workflow, status })
      .sort((a, b) => b.startedAt - a.startedAt);
    if (runs.length === 0) {
      io.out.write(`no runs in ${options.checkpoint}\n`);
      return 0;
    }
    for (const r of runs) {
      io.out.write(
        `${r.runId}  ${r.workflow}  ${r.status}  ${r.entries} node${r.entries === 1 ? "" : "s"} journaled  started ${new Date(r.startedAt).toISOString()}\n`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}

/** `weft runs show ID`: a run's header and journal, one line per node. */
export function runsShowCommand(runId: string, options: { checkpoint: string }, io: CliIO): number {
  const store = openExisting(options.checkpoint);
  try {
    const run = store.loadRun(runId);
    if (!run) {
      const ids = store.listRuns().map((r) => r.runId);
      throw new CliError(
        `${options.checkpoint} has no run '${runId}'` +
          (ids.length > 0 ? `; it has ${ids.join(", ")}` : "; it holds no runs"),
      );
    }
    io.out.write(`run ${run.runId} of ${run.workflow}: ${run.status}\n`);
    io.out.write(`  started  ${new Date(run.startedAt).toISOString()}\n`);
    if (run.finishedAt !== undefined) {
      io.out.write(`  finished ${new Date(run.finishedAt).toISOString()}\n`);
    }
    for (const e of run.entries) {
      const ms = e.ms === undefined ? "" : ` in ${Math.round(e.ms)} ms`;
      io.out.write(`  ${e.node}  ${e.status}${ms}${e.error ? `: ${e.error}` : ""}\n`);
    }
    if (run.status !== "completed") {
      io.out.write(
        `resume with: weft run FILE --checkpoint ${options.checkpoint} --resume ${runId}\n`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}
