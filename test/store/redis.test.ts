import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { redisStore } from "../../src/distributed/redis-store.js";
import { dag } from "../../src/index.js";
import { storeContract } from "./contract.js";

const prefix = `weft-test-store-${randomUUID()}`;
const redis = new Redis("redis://127.0.0.1:6379");

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

// Each store gets its own prefix, so cases never see each other's runs.
storeContract("redisStore", () => redisStore({ prefix: `${prefix}:${randomUUID()}` }));

describe("redisStore", () => {
  it("journals a local run that resumes from it in another store instance", async () => {
    let calls = 0;
    let flaky = true;
    const wf = dag<{ n: number }>("store-resume")
      .node("a", { n: "input.n" }, ({ n }) => {
        calls++;
        return new Map([["n", n]]);
      })
      .node("b", { a: "a" }, ({ a }) => {
        if (flaky) throw new Error("flaky");
        return (a.get("n") ?? 0) + 1;
      })
      .build();
    const p = `${prefix}:resume`;
    const first = redisStore({ prefix: p });
    const run = await wf.run({ n: 4 }, { runId: "r1", checkpoint: first });
    expect(run.status).toBe("failed");
    await first.close();
    const second = redisStore({ prefix: p });
    flaky = false;
    const resumed = await wf.resume("r1", { checkpoint: second });
    expect(resumed.status).toBe("completed");
    expect(resumed.output).toBe(5);
    // "a" came from the journal: not called again.
    expect(calls).toBe(1);
    expect((await second.loadRun("r1"))?.status).toBe("completed");
    await second.close();
  });

  it("caches node results with a TTL", async () => {
    const store = redisStore({ prefix: `${prefix}:cache` });
    await store.set("k", new Set([1, 2]), 60_000);
    const hit = await store.get("k");
    expect(hit?.value).toEqual(new Set([1, 2]));
    expect(hit!.expires).toBeGreaterThan(Date.now());
    await store.delete("k");
    expect(await store.get("k")).toBeUndefined();
    await store.close();
  });
});
