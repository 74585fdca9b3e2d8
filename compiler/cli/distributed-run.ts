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
  const kind = (target as { kind?: unknown }).kind;
  if (kind !== "dag" && kind !== "fsm") {
    throw new CliError(
      "--redis runs DAG workflows and function-return state machines; drive event-driven machines from code",
    );
  }
  const { redisEngine } = await import("../../src/distributed/index.js");
  const engine = redisEngine({ connection: options.redis, prefix: options.prefix ?? "weft" });
  try {
    // DAG or function-return machine: the engine tells them apart by kind.
    const wf = target as AnyDag;
    const handle = await engine.start(wf, input as never, { runId: options.runId });
    io.err.write(`weft run: run '${handle.runId}' enqueued on ${options.redis}\n`);
    const run = (await handle.result()) as { toJSON(): RunRecord; status: string };
    io.out.write(runRecordToJson(run.toJSON()));
    return ["completed", "stopped", "terminal"].includes(run.status) ? 0 : 1;
  } finally {
    await engine.close();
  }
}
