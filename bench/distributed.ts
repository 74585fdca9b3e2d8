/**
 * The distributed engine (BullMQ + Redis) against its floor and against a local run: per-node
 * overhead on a 1,000-node chain next to raw BullMQ jobs that each enqueue the next, a fused chain
 * of 1,000 sync nodes in one job, 1 vs 2 worker processes on I/O-bound nodes, and nodes/s at
 * width 1,000. Needs Redis on 127.0.0.1:6379; every key goes under a fresh prefix, deleted after.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { redisEngine, type RedisEngine } from "../src/distributed/index.js";
import type { AnyDag } from "../src/index.js";
import { fmt, ratio, verdict, type BenchContext, type Family, type Section } from "./lib/report.js";
import {
  chain,
  CHAIN,
  IO_MS,
  IO_WIDTH,
  ioWide,
  wide,
  WIDE,
  wideSum,
} from "./workloads/distributed.js";

const REDIS = "redis://127.0.0.1:6379";
const workerScript = fileURLToPath(new URL("./workloads/distributed-worker.ts", import.meta.url));

/** Median wall time in ms of `fn` over `times` runs (after one warm-up run). */
async function median(times: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let k = 0; k < times; k++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** The floor: BullMQ jobs in a chain, each job adding the next. Resolves per run. */
function rawBullChain(prefix: string, n: number): { run(): Promise<void>; close(): Promise<void> } {
  const connection = { url: REDIS, maxRetriesPerRequest: null };
  const queue = new Queue("raw", { connection, prefix });
  const finished = new Map<string, () => void>();
  const worker = new Worker<{ r: string; k: number; v: number }>(
    "raw",
    async (job) => {
      const { r, k, v } = job.data;
      if (k + 1 < n) {
        await queue.add(
          "n",
          { r, k: k + 1, v: v + 1 },
          { jobId: `${r}@${k + 1}`, removeOnComplete: true },
        );
      } else finished.get(r)?.();
      return v + 1;
    },
    { connection, prefix, concurrency: 1 },
  );
  return {
    async run() {
      const r = randomUUID();
      const done = new Promise<void>((resolve) => finished.set(r, resolve));
      await queue.add("n", { r, k: 0, v: 0 }, { jobId: `${r}@0`, removeOnComplete: true });
      await done;
      finished.delete(r);
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

async function runOn(engine: RedisEngine, wf: AnyDag, x: number, expected: number): Promise<void> {
  const run = await (await engine.start(wf, { x } as never)).result();
  if (run.status !== "completed" || run.output !== expected) {
    throw new Error(
      `${wf.name}: ${run.status}, output ${String(run.output)}, expected ${expected}`,
    );
  }
}

async function spawnWorker(prefix: string, concurrency: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", workerScript, prefix, String(concurrency), "1"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (c: Buffer) => {
      if (c.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
  return child;
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}

export async function runDistributed(ctx: BenchContext): Promise<Section> {
  const prefix = `weft-bench-${randomUUID().slice(0, 8)}`;
  const times = ctx.quick ? 1 : 3;
  const children: ChildProcess[] = [];
  const engines: RedisEngine[] = [];
  const rows: string[][] = [];
  try {
    // 1. A chain of 1,000 nodes, one job per node, against raw BullMQ; then fused.
    ctx.log("distributed: 1,000-node chain, raw BullMQ vs engine");
    const raw = rawBullChain(`${prefix}-raw`, CHAIN);
    const perJob = await median(times, () => raw.run());
    await raw.close();
    const unfused = redisEngine({ prefix: `${prefix}-a`, fuse: false, keepMs: 60_000 });
    const fused = redisEngine({ prefix: `${prefix}-b`, keepMs: 60_000 });
    engines.push(unfused, fused);
    const w1 = unfused.worker([chain], { concurrency: 1 });
    const engineChain = await median(times, () => runOn(unfused, chain, 0, CHAIN));
    await w1.close();
    const w2 = fused.worker([chain], { concurrency: 1 });
    const fusedChain = await median(times, () => runOn(fused, chain, 0, CHAIN));
    await w2.close();
    const localChain = await median(times, async () => {
      await chain.run({ x: 0 } as never);
    });
    const overhead = engineChain / perJob;
    rows.push(
      [
        "1,000-node chain, a job per node",
        `${fmt(engineChain)} ms`,
        `${fmt((engineChain / CHAIN) * 1000)} µs`,
        fmt(CHAIN / (engineChain / 1000)),
        `raw BullMQ ${fmt((perJob / CHAIN) * 1000)} µs/job`,
        `${ratio(overhead)} (target ≤ 1.5x: ${verdict(overhead <= 1.5)})`,
      ],
      [
        "1,000-node chain, fused: one job",
        `${fmt(fusedChain)} ms`,
        `${fmt((fusedChain / CHAIN) * 1000)} µs`,
        fmt(CHAIN / (fusedChain / 1000)),
        `local run ${fmt((localChain / CHAIN) * 1000)} µs/node`,
        `${ratio(fusedChain / perJob)} of raw BullMQ`,
      ],
    );

    // 2. I/O-bound nodes: one worker process, then two.
    ctx.log("distributed: I/O-bound width, 1 vs 2 worker processes");
    const io = redisEngine({ prefix: `${prefix}-io`, keepMs: 60_000 });
    engines.push(io);
    children.push(await spawnWorker(`${prefix}-io`, 8));
    const ioExpected = wideSum(IO_WIDTH, 1);
    const one = await median(times, () => runOn(io, ioWide, 1, ioExpected));
    children.push(await spawnWorker(`${prefix}-io`, 8));
    const two = await median(times, () => runOn(io, ioWide, 1, ioExpected));
    const speedup = one / two;
    rows.push(
      [
        `${IO_WIDTH} nodes of ${IO_MS} ms I/O, 1 worker process (8 jobs at once)`,
        `${fmt(one)} ms`,
        "",
        fmt((IO_WIDTH + 2) / (one / 1000)),
        `ideal ${fmt((IO_WIDTH / 8) * IO_MS)} ms`,
        "",
      ],
      [
        `same, 2 worker processes`,
        `${fmt(two)} ms`,
        "",
        fmt((IO_WIDTH + 2) / (two / 1000)),
        `ideal ${fmt((IO_WIDTH / 16) * IO_MS)} ms`,
        `${ratio(speedup)} faster (target ≥ 1.8x: ${verdict(speedup >= 1.8)})`,
      ],
    );

    // 3. Width 1,000 of trivial nodes on the two worker processes, beside a local run.
    ctx.log("distributed: width 1,000");
    const wideMs = await median(times, () => runOn(io, wide, 2, wideSum(WIDE, 2)));
    const localWide = await median(times, async () => {
      await wide.run({ x: 2 } as never);
    });
    rows.push([
      "width 1,000 trivial nodes, 2 worker processes",
      `${fmt(wideMs)} ms`,
      `${fmt((wideMs / (WIDE + 2)) * 1000)} µs`,
      fmt((WIDE + 2) / (wideMs / 1000)),
      `local run ${fmt(localWide)} ms (${fmt((localWide / (WIDE + 2)) * 1000)} µs/node)`,
      "",
    ]);
    return {
      id: "distributed",
      title: "Distributed engine (BullMQ + Redis)",
      columns: ["workload", "run", "per node", "nodes/s", "baseline", "ratio"],
      rows,
      notes: [
        "Redis on 127.0.0.1, the bench process starts runs and awaits results (pub/sub). Raw BullMQ floor: a job whose processor adds the next job (deterministic job id), 1,000 in a chain, one worker in this process; the engine's chain rows use a worker in this process too (concurrency 1).",
        "A job per node: each node is its own BullMQ job (`fuse: false`), so each hop pays BullMQ's fetch/complete plus weft's two scripts: one reads the producers and marks the node running, one resolves it and counts down in a transaction that also adds the jobs it makes ready (3 round trips per hop against the floor's 2). Fused: the plan's chain is one job; each link still reads, marks and stores its result in Redis, so a crash loses no completed node.",
        `I/O rows: ${IO_WIDTH} nodes sleeping ${IO_MS} ms between a seed and a sum; worker processes with 8 jobs at once each. The width row: trivial nodes on the same two processes; "per node" is wall time ÷ nodes.`,
        "Median of 3 timed runs after one warm-up (1 with --quick). Machine load from other processes shows up directly in these wall times.",
      ],
      summary: [
        ["distributed chain overhead vs raw BullMQ", ratio(overhead), "≤ 1.5x"],
        ["distributed I/O throughput, 2 vs 1 worker processes", ratio(speedup), "≥ 1.8x"],
        [
          "distributed nodes/s at width 1,000",
          fmt((WIDE + 2) / (wideMs / 1000)),
          `local ${fmt((WIDE + 2) / (localWide / 1000))}`,
        ],
      ],
    };
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(engines.map((e) => e.close()));
    await deleteKeys(prefix);
  }
}

export const distributed: Family = {
  id: "distributed",
  title: "Distributed engine",
  run: runDistributed,
};
