/**
 * `weft serve` under a bounded load on loopback (autocannon): runs started per second through
 * `POST /workflows/small_order/runs` until every run has finished, and the p99 latency of that
 * POST, against a hand-written `node:http` server doing the same steps inline, in this process.
 */
import { serve } from "../src/serve/index.js";
import { fmt, ratio, type BenchContext, type Family, type Section } from "./lib/report.js";
import { plainServer, postLoad, SMALL_BODY, smallOrder, until } from "./workloads/serve-load.js";

export async function runServe(ctx: BenchContext): Promise<Section> {
  const amount = ctx.quick ? 300 : 5_000;
  const connections = 10;
  const load = { amount, connections, maxSeconds: ctx.quick ? 20 : 120 };
  const columns = [
    "server",
    "requests",
    "non-2xx",
    "runs/s (to last run finished)",
    "p50 ms",
    "p99 ms",
  ];

  const measure = async (
    name: string,
    url: string,
    finished: () => number,
  ): Promise<{ row: string[]; runsPerSec: number; p99: number }> => {
    // A short warm-up, not counted.
    await postLoad(url, SMALL_BODY, { amount: 100, connections, maxSeconds: 10 });
    const before = finished();
    const t0 = performance.now();
    const r = await postLoad(url, SMALL_BODY, load);
    const ok = r.requests - r.non2xx - r.errors;
    if (!(await until(() => finished() - before >= ok, 60_000))) {
      throw new Error(`${name}: runs did not all finish`);
    }
    const runsPerSec = ((finished() - before) * 1000) / (performance.now() - t0);
    ctx.log(`serve: ${name}: ${r.requests} requests, ${fmt(runsPerSec)} runs/s, p99 ${r.p99Ms} ms`);
    return {
      row: [
        name,
        String(r.requests),
        String(r.non2xx + r.errors),
        fmt(runsPerSec),
        fmt(r.p50Ms),
        fmt(r.p99Ms),
      ],
      runsPerSec,
      p99: r.p99Ms,
    };
  };

  const plain = await plainServer();
  let base;
  try {
    base = await measure("hand-written node:http (baseline)", plain.url, plain.finished);
  } finally {
    await plain.close();
  }
  const server = await serve({ workflows: [smallOrder], retainRuns: 1_000 });
  let weft;
  try {
    weft = await measure(
      "weft serve (memory store)",
      `${server.url}/workflows/small_order/runs`,
      () => server.runs.finished,
    );
  } finally {
    await server.close();
  }
  return {
    id: "serve",
    title: "HTTP server under load",
    columns,
    rows: [base.row, weft.row],
    notes: [
      `${amount.toLocaleString("en-US")} POSTs over ${connections} keep-alive connections on 127.0.0.1 (autocannon, in this process, after 100 unmeasured), a 3-node workflow (one async step). Runs/s counts runs finished from the first request until the last run finished.`,
      "The baseline answers 202 and computes the same three steps inline, with no validation, journal, event log or metrics.",
    ],
    summary: [
      [
        "`weft serve`, small workflow, runs/s",
        fmt(weft.runsPerSec),
        `baseline ÷ weft: ${ratio(base.runsPerSec / weft.runsPerSec)}`,
      ],
      ["`weft serve`, p99 of POST /runs", `${fmt(weft.p99)} ms`, `baseline: ${fmt(base.p99)} ms`],
    ],
  };
}

export const serveFamily: Family = { id: "serve", title: "HTTP server", run: runServe };
