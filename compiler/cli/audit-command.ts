/**
 * `weft audit`: reads, prints and verifies the hash-chained audit trail of a checkpoint file
 * (who started, resumed, signalled and cancelled which run, and how each ended).
 */
import { existsSync } from "node:fs";
import { verifyAudit, type AuditVerdict } from "../../src/audit/chain.js";
import type { AuditEntry } from "../../src/audit/types.js";
import { CliError, type CliIO } from "./output.js";
import { openCheckpoint } from "./runs-command.js";
import { withPeer } from "./peers.js";

/** Options of `weft audit`: a SQLite checkpoint file, or a Redis store (`--redis`, `--prefix`). */
export interface AuditCommandOptions {
  checkpoint?: string;
  redis?: string;
  /** With `redis`: the store's key prefix (default `weft`). */
  prefix?: string;
  /** Only this run's entries (the whole chain is still verified). */
  run?: string;
  verify?: boolean;
  json?: boolean;
}

/**
 * Runs `weft audit`; returns the exit code (1 when `--verify` finds the chain broken).
 *
 * @example
 * ```ts
 * await auditCommand({ checkpoint: "runs.db", verify: true }, processIO()); // 0: the chain is intact
 * ```
 */
export async function auditCommand(options: AuditCommandOptions, io: CliIO): Promise<number> {
  if ((options.checkpoint === undefined) === (options.redis === undefined)) {
    throw new CliError("weft audit reads one store: give --checkpoint FILE or --redis URL");
  }
  let source: string;
  let store: { readAudit(): AuditEntry[] | Promise<AuditEntry[]>; close(): unknown };
  if (options.checkpoint !== undefined) {
    if (!existsSync(options.checkpoint)) {
      throw new CliError(`no checkpoint file '${options.checkpoint}'`);
    }
    source = options.checkpoint;
    store = openCheckpoint(options.checkpoint);
  } else {
    const { redisStore } = await withPeer(
      "ioredis",
      "weft audit --redis",
      () => import("../../src/distributed/redis-store.js"),
    );
    const prefix = options.prefix ?? "weft";
    source = `${options.redis} (prefix '${prefix}')`;
    store = redisStore({ connection: options.redis!, prefix });
  }
  try {
    const chain = await store.readAudit();
    const shown = options.run === undefined ? chain : chain.filter((e) => e.runId === options.run);
    // A filtered list is not a chain: verification always covers every entry.
    const verdict = options.verify ? verifyAudit(chain) : undefined;
    if (options.json) {
      io.out.write(
        `${JSON.stringify({ entries: shown, ...(verdict ? { verify: verdict } : {}) }, null, 2)}\n`,
      );
    } else {
      if (shown.length === 0) {
        io.out.write(
          options.run === undefined
            ? `no audit entries in ${source}\n`
            : `no audit entries for run '${options.run}' in ${source}\n`,
        );
      }
      for (const e of shown) io.out.write(`${formatEntry(e)}\n`);
      if (verdict) io.out.write(`${formatVerdict(source, verdict)}\n`);
    }
    return verdict && !verdict.ok ? 1 : 0;
  } finally {
    await store.close();
  }
}

function formatEntry(e: AuditEntry): string {
  const extra = [
    e.status !== undefined ? `status=${e.status}` : "",
    e.detail !== undefined ? `detail=${e.detail}` : "",
    e.inputHash !== undefined ? `input=${e.inputHash.slice(0, 12)}` : "",
  ].filter(Boolean);
  return (
    `${String(e.seq).padStart(4)}  ${e.at}  ${e.actor}  ${e.action}  run ${e.runId} (${e.workflow})` +
    `${extra.length ? `  ${extra.join(" ")}` : ""}  #${e.hash.slice(0, 12)}`
  );
}

function formatVerdict(file: string, v: AuditVerdict): string {
  return v.ok
    ? `audit trail of ${file}: ${v.entries} entr${v.entries === 1 ? "y" : "ies"}, chain intact`
    : `audit trail of ${file} is broken at entry ${v.index + 1}: ${v.message}`;
}
