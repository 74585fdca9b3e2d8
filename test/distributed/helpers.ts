/** Worker processes and Redis keys of the distributed tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";

const workerScript = fileURLToPath(new URL("./fixtures/worker.ts", import.meta.url));

/** A fresh key prefix: nothing of another test or run shares it. */
export function testPrefix(name: string): string {
  return `weft-test-${name}-${randomUUID().slice(0, 8)}`;
}

/** Worker processes started by a test, killed at the end whatever happened. */
export class Workers {
  readonly children = new Set<ChildProcess>();
  constructor(
    readonly prefix: string,
    private readonly env: Record<string, string> = {},
    private readonly args: string[] = [],
  ) {}

  /** Starts a worker process; resolves once it takes jobs. */
  async spawn(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", workerScript, this.prefix, ...this.args],
      { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...this.env } },
    );
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("worker did not start in 60 s")), 60_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${code} before it was ready`));
      });
    });
    return child;
  }

  /** SIGKILLs one worker; resolves when it is gone. */
  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.children].map((c) => this.kill(c)));
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis("redis://127.0.0.1:6379");
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` every 20 ms until it returns true (at most `ms`). */
export async function until(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
