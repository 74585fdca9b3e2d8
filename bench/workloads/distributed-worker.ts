/**
 * A worker process of the distributed benchmarks:
 * `node --import tsx distributed-worker.ts PREFIX CONCURRENCY FUSE(1|0)`. Prints "ready".
 */
import { redisEngine } from "../../src/distributed/index.js";
import { workflows } from "./distributed.js";

const [prefix, concurrency, fuse] = process.argv.slice(2);
const engine = redisEngine({ prefix, fuse: fuse !== "0" });
const worker = engine.worker(workflows, { concurrency: Number(concurrency) });
process.once("SIGTERM", () => {
  if (process.env.WEFT_BENCH_CPU) {
    const c = process.cpuUsage();
    console.error(`worker cpu ${((c.user + c.system) / 1000).toFixed(0)} ms`);
  }
  void worker
    .close()
    .then(() => engine.close())
    .then(() => process.exit(0));
});
setTimeout(() => console.log("ready"), 200);
