/** `weft run FILE --redis URL`: the run goes to the workers (`weft worker`) instead of this process. */
import type { AnyDag } from "../../src/dag/dag-types.js";
import type { RunRecord } from "../../src/run/types.js";
import { runRecordToJson } from "../../src/serialize/index.js";
import { CliError, type CliIO } from "./output.js";

/** Starts the run on Redis, waits for the workers to finish it and prints the run record. */
export async function runDistributed(
  target: unknown,
  input: unknown,
  options: { redis: string; prefix?: string; runId?: string },
  io: CliIO,
): Promise<number> {
  if ((target as { kind?: unknown }).kind !== "dag") {
    throw new CliError("--redis runs DAG workflows only; run state machines without --redis");
  }
  const { redisEngine } = await import("../../src/distributed/index.js");
  const engine = redisEngine({ connection: options.redis, prefix: options.prefix ?? "weft" });
  try {
    const wf = target as AnyDag;
    const handle = await engine.start(wf, input as never, { runId: options.runId });
    io.err.write(`weft run: run '${handle.runId}' enqueued on ${options.redis}\n`);
    const run = (await handle.result()) as { toJSON(): RunRecord; status: string };
    io.out.write(runRecordToJson(run.toJSON()));
    return run.status === "completed" ? 0 : 1;
  } finally {
    await engine.close();
  }
}
