/**
 * Bounded HTTP load on loopback with autocannon, for the `serve` benchmark and the serve leak
 * test: a fixed number of `POST /workflows/NAME/runs` requests, then the runs are waited for.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { dag } from "../../src/index.js";

/** The small workflow under load: three steps, one of them awaiting. */
export const smallOrder = dag<{ qty: number; price: number }>("small_order")
  .node("subtotal", { qty: "input.qty", price: "input.price" }, ({ qty, price }) => qty * price)
  .node("tax", { subtotal: "subtotal" }, async ({ subtotal }) => Math.round(subtotal * 0.2))
  .node("total", { subtotal: "subtotal", tax: "tax" }, ({ subtotal, tax }) => subtotal + tax)
  .build();

export const SMALL_BODY = JSON.stringify({ input: { qty: 3, price: 7 } });

/** What one bounded load measured. */
export interface LoadResult {
  requests: number;
  /** Answers that were not 2xx, and requests that failed. */
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** Wall time of the load, ms. */
  durationMs: number;
}

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);

/**
 * Sends `amount` POSTs of `body` to `url` over `connections` keep-alive connections, and stops
 * by itself after `amount` requests or `maxSeconds`, whichever comes first. Loopback only.
 */
export async function postLoad(
  url: string,
  body: string,
  opts: {
    amount: number;
    connections: number;
    maxSeconds: number;
    headers?: Record<string, string>;
  },
): Promise<LoadResult> {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") {
    throw new Error(`load is sent to loopback addresses only, not ${host}`);
  }
  const autocannon = require("autocannon") as Autocannon;
  const started = performance.now();
  const r = await autocannon({
    url,
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...opts.headers },
    amount: opts.amount,
    connections: opts.connections,
    duration: opts.maxSeconds,
    timeout: 10,
  });
  return {
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    durationMs: performance.now() - started,
  };
}

/**
 * The hand-written baseline: a plain `node:http` server that reads the same body, answers 202
 * with a run id at once and computes the same three steps by hand, keeping the result by id.
 */
export async function plainServer(): Promise<{
  url: string;
  finished(): number;
  pending(): number;
  close(): Promise<void>;
}> {
  const results = new Map<string, number>();
  let pending = 0;
  const server: Server = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (text += c));
    req.on("end", () => {
      let input: { qty: number; price: number };
      try {
        input = (JSON.parse(text) as { input: { qty: number; price: number } }).input;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const runId = randomUUID();
      pending++;
      void (async () => {
        const subtotal = input.qty * input.price;
        const tax = await Promise.resolve(Math.round(subtotal * 0.2));
        results.set(runId, subtotal + tax);
        pending--;
      })();
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ runId }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    finished: () => results.size,
    pending: () => pending,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Polls until `done()` or `maxMs` pass; resolves to whether `done()` held. */
export async function until(done: () => boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (!done()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
