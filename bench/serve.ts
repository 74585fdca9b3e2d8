/**
 * `weft serve` under a bounded load on loopback (autocannon): runs started per second through
 * `POST /workflows/small_order/runs` until every run has finished, and the p99 latency of that
 * POST, against a hand-written `node:http` server doing the same steps inline, in this process.
 */
import { serve } from "../src/serve/index.js";
import { fmt, ratio, type BenchContext, type Family, type Section } from "./lib/report.js";
import { plainServer, postLoad, SMALL_BODY, smallOrder, until } from "./workloads/serve-load.js";

export async function runServe(ctx: BenchContext): Promise<Section> {
  const amount = ctx.quick ? 300 : 2_000;
  const rounds = ctx.quick ? 1 : 3;
  const connections = 10;
  const load = { amount, connections, maxSeconds: ctx.quick ? 20 : 60 };
  const columns = [
    "server",
    "requests",
    "non-2xx",
    "runs/s (to last run finished)",
    "p50 ms",
    "p99 ms",
  ];

  interface Round {
    requests: number;
    failed: number;
    runsPerSec: number;
    p50: number;
    p99: number;
  }
  const one = async (name: string, url: string, finished: () => number): Promise<Round> => {
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
      requests: r.requests,
      failed: r.non2xx + r.errors,
      runsPerSec,
      p50: r.p50Ms,
      p99: r.p99Ms,
    };
  };
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = (name: string, rs: Round[]) => ({
    row: [
      name,
      String(rs.reduce((n, r) => n + r.requests, 0)),
      String(rs.reduce((n, r) => n + r.failed, 0)),
      fmt(median(rs.map((r) => r.runsPerSec))),
      fmt(median(rs.map((r) => r.p50))),
      fmt(median(rs.map((r) => r.p99))),
    ],
    runsPerSec: median(rs.map((r) => r.runsPerSec)),
    p99: median(rs.map((r) => r.p99)),
  });

  const plain = await plainServer();
  const server = await serve({ workflows: [smallOrder], retainRuns: 1_000 });
  const weftUrl = `${server.url}/workflows/small_order/runs`;
  const baseRounds: Round[] = [];
  const weftRounds: Round[] = [];
  try {
    // Warm-up, not counted; then the two take turns, so a change in the machine's load weighs
    // on both alike.
    await postLoad(plain.url, SMALL_BODY, { amount: 200, connections, maxSeconds: 10 });
    await postLoad(weftUrl, SMALL_BODY, { amount: 200, connections, maxSeconds: 10 });
    await until(() => server.runs.inFlight === 0, 10_000);
    for (let i = 0; i < rounds; i++) {
      baseRounds.push(await one("hand-written node:http (baseline)", plain.url, plain.finished));
      weftRounds.push(await one("weft serve (memory store)", weftUrl, () => server.runs.finished));
    }
  } finally {
    await plain.close();
    await server.close();
  }
  const base = summary("hand-written node:http (baseline)", baseRounds);
  const weft = summary("weft serve (memory store)", weftRounds);
  return {
    id: "serve",
    title: "HTTP server under load",
    columns,
    rows: [base.row, weft.row],
    notes: [
      `${rounds} rounds of ${amount.toLocaleString("en-US")} POSTs per server, taking turns, over ${connections} keep-alive connections on 127.0.0.1 (autocannon, in this process, after 200 unmeasured); medians of the rounds. A 3-node workflow (one async step). Runs/s counts runs finished from the first request of a round until its last run finished.`,
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
