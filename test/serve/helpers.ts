/** Workflows and HTTP helpers shared by the serve tests. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dag, signal } from "../../src/index.js";

/** Gates a node can wait on until the test opens them. */
export class Gates {
  private readonly open = new Map<string, () => void>();
  private readonly waits = new Map<string, Promise<void>>();
  wait(name: string, signal: AbortSignal): Promise<void> {
    let p = this.waits.get(name);
    if (!p) {
      p = new Promise<void>((resolve) => this.open.set(name, resolve));
      this.waits.set(name, p);
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`gate '${name}' aborted`));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      void p.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }
  release(name: string): void {
    if (!this.waits.has(name)) this.wait(name, new AbortController().signal).catch(() => {});
    this.open.get(name)?.();
  }
}

export const gates = new Gates();

/** Adds two numbers, then doubles: the small workflow. */
export const calls = { add: 0, double: 0 };
export const math = dag<{ a: number; b: number }>("math")
  .node("add", { a: "input.a", b: "input.b" }, ({ a, b }) => {
    calls.add++;
    return a + b;
  })
  .node("double", { sum: "add" }, ({ sum }) => {
    calls.double++;
    return sum * 2;
  })
  .build();

/** The input schema of `math`, as the compiler would write it. */
export const mathSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: { a: { type: "number" }, b: { type: "number" } },
  required: ["a", "b"],
  additionalProperties: false,
};

/** Waits at `wait` on the gate named by the input, then finishes. */
export const gated = dag<{ gate: string }>("gated")
  .node("first", { gate: "input.gate" }, ({ gate }) => `${gate}:first`)
  .node("wait", { gate: "input.gate", prev: "first" }, async ({ gate, prev }, ctx) => {
    await gates.wait(gate, ctx.signal);
    return `${prev}+wait`;
  })
  .node("last", { w: "wait" }, ({ w }) => `${w}+last`)
  .build();

export const DAY = 24 * 3600_000;

/** Drafts, waits for an approval, publishes. */
export const approval = dag<{ title: string }>("approval")
  .node("draft", { title: "input.title" }, ({ title }) => `draft of ${title}`)
  .wait("approve", { draft: "draft" }, signal<{ ok: boolean; by: string }>(), { timeoutMs: DAY })
  .node(
    "publish",
    { draft: "draft", ok: "approve.ok", by: "approve.by" },
    ({ draft, ok, by }) => `${draft}: ${ok ? "approved" : "rejected"} by ${by}`,
  )
  .build();

/** The payload schema of `approve`, as `weft serve` derives it from `signal<T>()`. */
export const approveSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: { ok: { type: "boolean" }, by: { type: "string" } },
  required: ["ok", "by"],
  additionalProperties: false,
};

/** Fails its first attempt, then succeeds (one retry). */
let flakyCount = 0;
export const flaky = dag<{ n: number }>("flaky")
  .node(
    "try",
    { n: "input.n" },
    () => {
      flakyCount++;
      if (flakyCount % 2 === 1) throw new Error("first attempt fails");
      return "ok";
    },
    { retry: { attempts: 2, delayMs: 1 } },
  )
  .build();

/** A started test server that records what it receives (the callback receiver). */
export async function receiver(): Promise<{
  url: string;
  bodies: { headers: IncomingMessage["headers"]; body: string }[];
  next(): Promise<{ headers: IncomingMessage["headers"]; body: string }>;
  close(): Promise<void>;
}> {
  const bodies: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const waiters: ((b: { headers: IncomingMessage["headers"]; body: string }) => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const item = { headers: req.headers, body };
      bodies.push(item);
      waiters.shift()?.(item);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    next: () =>
      bodies.length > waiters.length
        ? Promise.resolve(bodies[waiters.length])
        : new Promise((r) => waiters.push(r)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** One Server-Sent Event. */
export interface Sse {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads an SSE response until `until` says stop or the stream ends; aborts the request then.
 */
export async function readSse(
  url: string,
  init: RequestInit & { until?: (e: Sse, all: Sse[]) => boolean } = {},
): Promise<{ status: number; events: Sse[]; contentType: string | null }> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const events: Sse[] = [];
  if (!res.ok || !res.body) {
    await res.text();
    return { status: res.status, events, contentType: res.headers.get("content-type") };
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let cut: number;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const e: Sse = { data: "" };
        const data: string[] = [];
        for (const line of frame.split("\n")) {
          if (line.startsWith(":")) continue;
          const i = line.indexOf(":");
          const k = i < 0 ? line : line.slice(0, i);
          const v = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
          if (k === "data") data.push(v);
          else if (k === "id") e.id = v;
          else if (k === "event") e.event = v;
        }
        if (data.length === 0 && e.id === undefined && e.event === undefined) continue;
        e.data = data.join("\n");
        events.push(e);
        if (init.until?.(e, events)) {
          controller.abort();
          return { status: res.status, events, contentType: res.headers.get("content-type") };
        }
      }
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  }
  return { status: res.status, events, contentType: res.headers.get("content-type") };
}

/** Polls `GET /runs/:id` until its status is not `running`. */
export async function waitForRun(
  base: string,
  runId: string,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 2000; i++) {
    const res = await fetch(`${base}/runs/${runId}`, { headers });
    const body = (await res.json()) as Record<string, unknown>;
    if (body.status !== "running") return body;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`run ${runId} did not end`);
}
