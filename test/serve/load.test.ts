/**
 * After a short bounded load (autocannon on loopback), nothing is left behind: no runs in flight,
 * no event-stream followers, at most `retainRuns` runs held, no sockets, servers or timers open
 * once the server is closed, and the heap back near where it started. Counts, not times.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { serve } from "../../src/serve/index.js";
import { postLoad, SMALL_BODY, smallOrder, until } from "../../bench/workloads/serve-load.js";
import { readSse } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Open handles that a server leaks: sockets, listening servers, timers. */
function handles(): Record<string, number> {
  const out: Record<string, number> = { TCPServerWrap: 0, TCPSocketWrap: 0, Timeout: 0 };
  for (const r of process.getActiveResourcesInfo()) if (r in out) out[r]++;
  return out;
}

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe("weft serve after a bounded load", () => {
  it("closes every handle and holds no more runs than retainRuns", async () => {
    const baseHandles = handles();
    // Warm up module loading and JIT first, so the heap baseline is not inflated later by them.
    const warm = await serve({ workflows: [smallOrder] });
    await postLoad(`${warm.url}/workflows/small_order/runs`, SMALL_BODY, {
      amount: 20,
      connections: 2,
      maxSeconds: 10,
    });
    await warm.close();
    const baseHeap = heapMb();

    const server = await serve({ workflows: [smallOrder], retainRuns: 25 });
    const r = await postLoad(`${server.url}/workflows/small_order/runs`, SMALL_BODY, {
      amount: 400,
      connections: 8,
      maxSeconds: 30,
    });
    expect(r.requests).toBe(400);
    expect(r.non2xx + r.errors).toBe(0);
    // Followers that hang up before their run ends must not stay subscribed.
    const runs = (await (await fetch(`${server.url}/runs?limit=3`)).json()) as {
      runs: { runId: string }[];
    };
    for (const { runId } of runs.runs) {
      await readSse(`${server.url}/runs/${runId}/events`, { until: () => true });
    }
    expect(await until(() => server.runs.finished === 400, 30_000)).toBe(true);
    expect(server.runs.inFlight).toBe(0);
    expect(await until(() => server.runs.followers === 0, 5_000)).toBe(true);
    expect(server.runs.retained).toBeLessThanOrEqual(25);
    const listed = (await (await fetch(`${server.url}/runs?limit=10000`)).json()) as {
      runs: unknown[];
    };
    expect(listed.runs.length).toBeLessThanOrEqual(25);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(
      'weft_runs_finished_total{workflow="small_order",status="completed"} 400',
    );
    expect(metrics).toContain('weft_runs_in_flight{workflow="small_order"} 0');
    await server.close();

    // Handles go once libuv has run their close callbacks: wait for that, then compare.
    const noMore = (): boolean =>
      Object.entries(handles()).every(([k, n]) => n <= (baseHandles[k] ?? 0));
    await until(noMore, 5_000);
    const after = handles();
    for (const k of Object.keys(baseHandles)) {
      expect({ [k]: after[k] <= baseHandles[k] }).toEqual({ [k]: true });
    }
    expect(heapMb() - baseHeap).toBeLessThan(20);
  });
});
