/** examples/distributed-etl.ts started as its header says: a `weft worker` and a `weft run`. */
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { regionalSales } from "../../examples/distributed-etl.js";
import { redisEngine } from "../../src/distributed/index.js";
import { deleteKeys, testPrefix } from "../distributed/helpers.js";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const WEFT = path.join(ROOT, "bin/weft.js");
const REDIS = "redis://127.0.0.1:6379";
const prefix = testPrefix("example");
const EXPECTED = "2026-01-31: eu 168, us 155, apac 126";

afterAll(() => deleteKeys(prefix));

describe("distributed-etl example", () => {
  it("runs on a `weft worker` through `weft run --redis`, and the worker stops on SIGTERM", async () => {
    const worker = spawn(
      process.execPath,
      [WEFT, "worker", "examples/distributed-etl.ts", "--redis", REDIS, "--prefix", prefix],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    const exited = new Promise<number | null>((r) => worker.once("exit", (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes("weft worker: regional_sales")) resolve();
        });
        worker.once("exit", () => reject(new Error(`worker exited: ${stderr}`)));
      });
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [
            WEFT,
            "run",
            "examples/distributed-etl.ts",
            "--redis",
            REDIS,
            "--prefix",
            prefix,
            "--input",
            '{"day":"2026-01-31"}',
          ],
          { cwd: ROOT },
          (error, stdout, err) =>
            error ? reject(new Error(err || error.message)) : resolve(stdout),
        );
      });
      const record = JSON.parse(out) as { status: string; output: string; nodes: object };
      expect(record.status).toBe("completed");
      expect(record.output).toBe(EXPECTED);
      expect(Object.keys(record.nodes).sort()).toEqual([
        "apac",
        "eu",
        "merge",
        "report",
        "totals",
        "us",
      ]);
      worker.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toContain("weft worker: stopping; in-flight jobs finish first");
    } finally {
      worker.kill("SIGKILL");
    }
  }, 90_000);

  it("types a distributed run's result like a local run's", async () => {
    const engine = redisEngine({ prefix });
    const worker = engine.worker([regionalSales], { concurrency: 2 });
    try {
      const handle = await engine.start(regionalSales, { day: "2026-01-31" });
      const run = await handle.result();
      expectTypeOf(run.output).toEqualTypeOf<string | undefined>();
      expectTypeOf(run.get("totals")).toEqualTypeOf<Record<string, number> | undefined>();
      expect(run.output).toBe(EXPECTED);
      expect(run.get("totals")).toEqual({ eu: 168, us: 155, apac: 126 });
    } finally {
      await worker.close();
      await engine.close();
    }
  }, 30_000);
});
