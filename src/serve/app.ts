/**
 * The HTTP routes of `weft serve`, as a Hono app (usable in-process with `app.request()` and
 * served over HTTP by {@link serve}).
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { memoryStore } from "../run/store/memory.js";
import { toHtml } from "../viz/html.js";
import { toMermaid } from "../viz/mermaid.js";
import { toSvg } from "../viz/svg.js";
import { auditWriter } from "./audit.js";
import { callbackUrlProblem } from "./callbacks.js";
import type { InputProblem } from "./input.js";
import { ServeMetrics } from "./metrics.js";
import { IdempotencyConflict, RunManager } from "./runs.js";
import type { ServeOptions } from "./types.js";
import { servedWorkflows } from "./workflows.js";

/** The app's context: who made the request, and the Node request when served over HTTP. */
export type ServeEnv = {
  Variables: { actor: string };
  Bindings: { incoming?: IncomingMessage };
};

/** What {@link createServeApp} gives. */
export interface ServeApp {
  /** The Hono app: `app.fetch` for any server, `app.request(path, init)` in tests. */
  readonly app: Hono<ServeEnv>;
  /** The runs of this app (counts for monitoring and tests). */
  readonly runs: RunManager;
  /** Resolves once runs interrupted by an earlier process have been resumed (see `resumeInterrupted`). */
  readonly ready: Promise<void>;
  /** Cancels runs in flight, waits for them to end, and closes the store if the app opened it. */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/** Thrown inside handlers to answer with a status and a message (never a stack trace). */
class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 415 | 422,
    message: string,
    readonly problems?: InputProblem[],
  ) {
    super(message);
  }
}

/**
 * Builds the app without listening anywhere.
 *
 * @example
 * ```ts
 * import { createServeApp } from "weftjs/serve";
 * const { app, close } = createServeApp({ workflows: [etl] });
 * const res = await app.request("/workflows/customer_etl/runs", { method: "POST", body: JSON.stringify(input) });
 * const { runId } = await res.json(); // 202
 * await close();
 * ```
 */
export function createServeApp(options: ServeOptions): ServeApp {
  const workflows = servedWorkflows(options.workflows);
  const ownStore = options.store === undefined;
  const store = options.store ?? memoryStore();
  const metrics = new ServeMetrics();
  const audit = auditWriter(options.audit);
  const runs = new RunManager({
    workflows,
    store,
    metrics,
    audit,
    retainRuns: options.retainRuns ?? 1000,
    pruneStore: ownStore,
    callbackAttempts: options.callbackAttempts ?? 3,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 10_000,
    ...(options.engine ? { engine: options.engine } : {}),
    pollMs: options.pollMs ?? 100,
    onError: (err) => report(err),
  });
  const tokens = tokenList(options.token);
  const report = options.onError ?? ((err: unknown) => console.error("weft serve:", err));
  const svgCache = new Map<string, Promise<string>>();
  const closing = new AbortController();

  const app = new Hono<ServeEnv>();

  app.onError((err, c) => {
    if (err instanceof HttpError) {
      return c.json(
        { error: err.message, ...(err.problems ? { problems: err.problems } : {}) },
        err.status,
      );
    }
    report(err);
    return c.json({ error: "internal error" }, 500);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  // Auth: a bearer token on every route but /health. Browsers cannot set headers on a page load
  // or an EventSource, so GET requests may carry the token as `access_token` (RFC 6750 §2.3).
  app.use("*", async (c, next) => {
    if (tokens.length === 0 || c.req.path === "/health") {
      c.set("actor", "anonymous");
      return next();
    }
    const header = c.req.header("authorization");
    let given = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (given === undefined && c.req.method === "GET") given = c.req.query("access_token");
    const who = given === undefined ? undefined : tokens.find((t) => sameToken(t.token, given));
    if (!who) {
      c.header("WWW-Authenticate", 'Bearer realm="weft"');
      return c.json(
        { error: given === undefined ? "authorization required (Bearer token)" : "invalid token" },
        401,
      );
    }
    c.set("actor", who.name);
    return next();
  });

  app.get("/health", (c) =>
    c.json({ status: "ok", workflows: workflows.size, inFlight: runs.inFlight }),
  );

  app.get("/workflows", (c) =>
    c.json({
      workflows: [...workflows.values()].map((w) => ({
        name: w.name,
        kind: w.graph.kind,
        nodes: w.graph.nodes.length,
        ...(w.graph.doc ? { doc: w.graph.doc } : {}),
        ...(w.graph.input?.type ? { inputType: w.graph.input.type } : {}),
        inputSchema: w.schema ?? null,
      })),
    }),
  );

  const workflowOf = (c: Context<ServeEnv>) => {
    const name = c.req.param("name") ?? "";
    const w = workflows.get(name);
    if (!w)
      throw new HttpError(
        404,
        `unknown workflow '${name}'; served: ${[...workflows.keys()].join(", ")}`,
      );
    return w;
  };

  app.get("/workflows/:name/diagram.svg", async (c) => {
    const w = workflowOf(c);
    let svg = svgCache.get(w.name);
    if (!svg) {
      svg = toSvg(w.graph);
      svgCache.set(w.name, svg);
    }
    return c.body(await svg, 200, { "content-type": "image/svg+xml; charset=utf-8" });
  });

  app.get("/workflows/:name/diagram.mmd", (c) => {
    const w = workflowOf(c);
    return c.body(toMermaid(w.graph), 200, {
      "content-type": "text/vnd.mermaid; charset=utf-8",
    });
  });

  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const sizeGuard = bodyLimit({
    maxSize: limit,
    onError: (c) => c.json({ error: `request body is larger than ${limit} bytes` }, 413),
  });

  app.post("/workflows/:name/runs", sizeGuard, async (c) => {
    const w = workflowOf(c);
    const text = await c.req.text();
    let body: unknown;
    try {
      body = text.trim() === "" ? {} : JSON.parse(text);
    } catch (err) {
      throw new HttpError(
        400,
        `malformed JSON body: ${err instanceof Error ? err.message : "cannot parse"}`,
      );
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new HttpError(
        400,
        'the body must be a JSON object: { "input": …, "callbackUrl"?: "…" }',
      );
    }
    const fields = body as Record<string, unknown>;
    const problems: InputProblem[] = [];
    for (const k of Object.keys(fields)) {
      if (k !== "input" && k !== "callbackUrl")
        problems.push({
          path: k,
          message: "is not a known field (the body has input and callbackUrl)",
        });
    }
    const callbackUrl = fields.callbackUrl;
    if (callbackUrl !== undefined) {
      const p = callbackUrlProblem(callbackUrl);
      if (p) problems.push({ path: "callbackUrl", message: p });
    }
    const raw = "input" in fields ? fields.input : null;
    problems.push(...w.check(raw));
    if (problems.length > 0) {
      throw new HttpError(
        400,
        `invalid request for workflow '${w.name}'; nothing was run: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
        problems,
      );
    }
    const key = c.req.header("idempotency-key");
    if (key !== undefined && (key.length === 0 || key.length > 200)) {
      throw new HttpError(400, "Idempotency-Key must be 1 to 200 characters");
    }
    let started: { runId: string; repeated: boolean };
    try {
      started = await runs.start(w, raw === null && !w.schema ? undefined : w.prepare(raw), {
        ...(typeof callbackUrl === "string" ? { callbackUrl } : {}),
        ...(key !== undefined ? { idempotencyKey: key } : {}),
        client: clientOf(c),
        body: text,
      });
    } catch (err) {
      if (err instanceof IdempotencyConflict) throw new HttpError(422, err.message);
      throw err;
    }
    const location = `/runs/${started.runId}`;
    c.header("location", location);
    if (started.repeated) c.header("idempotent-replayed", "true");
    return c.json(
      {
        runId: started.runId,
        workflow: w.name,
        url: location,
        events: `${location}/events`,
        view: `${location}/view`,
      },
      202,
    );
  });

  app.get("/runs", async (c) => {
    const limitText = c.req.query("limit");
    const n = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) {
      throw new HttpError(400, `limit must be an integer from 1 to 10000, got '${limitText}'`);
    }
    const workflow = c.req.query("workflow") || undefined;
    if (workflow !== undefined && !workflows.has(workflow)) {
      throw new HttpError(404, `unknown workflow '${workflow}'`);
    }
    const status = c.req.query("status") || undefined;
    return c.json({
      runs: await runs.list({
        ...(workflow ? { workflow } : {}),
        ...(status ? { status } : {}),
        limit: n,
      }),
    });
  });

  const runIdOf = (c: Context<ServeEnv>): string => c.req.param("id") ?? "";
  const unknownRun = (id: string) => new HttpError(404, `unknown run '${id}'`);

  app.get("/runs/:id", async (c) => {
    const id = runIdOf(c);
    const text = await runs.recordJson(id);
    if (text === undefined) throw unknownRun(id);
    return c.body(text, 200, { "content-type": "application/json; charset=utf-8" });
  });

  app.post("/runs/:id/cancel", sizeGuard, async (c) => {
    const id = runIdOf(c);
    const outcome = await runs.cancel(id, clientOf(c));
    if (outcome === "cancelling") return c.json({ runId: id, status: "cancelling" }, 202);
    const record = await runs.record(id);
    if (!record) throw unknownRun(id);
    throw new HttpError(409, `run '${id}' is not in flight here (status ${record.status})`);
  });

  app.post("/runs/:id/signals/:name", sizeGuard, async (c) => {
    const id = runIdOf(c);
    const name = c.req.param("name") ?? "";
    const text = await c.req.text();
    let payload: unknown;
    try {
      payload = text.trim() === "" ? null : JSON.parse(text);
    } catch (err) {
      throw new HttpError(
        400,
        `malformed JSON body (the signal's payload): ${err instanceof Error ? err.message : "cannot parse"}`,
      );
    }
    const out = await runs.signal(id, name, payload, clientOf(c));
    switch (out.kind) {
      case "unknown":
        throw unknownRun(id);
      case "invalid":
        throw new HttpError(400, out.message, out.problems);
      case "conflict":
      case "timed-out":
        return c.json(
          { error: out.message, runId: id, status: out.status, waitingFor: out.waitingFor },
          409,
        );
      case "signalled":
        c.header("location", `/runs/${id}`);
        return c.json({ runId: id, status: out.status, signal: name }, 202);
    }
  });

  app.get("/runs/:id/events", async (c) => {
    const id = runIdOf(c);
    const log = await runs.events(id);
    if (!log) throw unknownRun(id);
    const lastText = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    const last = lastText !== undefined && /^\d+$/.test(lastText) ? Number(lastText) : 0;
    const signal = c.req.raw.signal;
    return streamSSE(c, async (stream) => {
      // Queue live events from the moment of subscribing, so none is lost between replay and live.
      const queue: (ReturnType<typeof log.since>[number] | undefined)[] = [];
      let wake: (() => void) | undefined;
      const unfollow = log.follow((e) => {
        queue.push(e);
        wake?.();
      });
      const stop = (): void => {
        queue.push(undefined);
        wake?.();
      };
      signal.addEventListener("abort", stop, { once: true });
      closing.signal.addEventListener("abort", stop, { once: true });
      stream.onAbort(stop);
      const heartbeat = setInterval(
        () => void stream.write(": keep-alive\n\n").catch(stop),
        HEARTBEAT_MS,
      );
      try {
        let sent = last;
        for (const e of log.since(last)) {
          await stream.writeSSE({ id: String(e.id), event: e.type, data: JSON.stringify(e) });
          sent = e.id;
        }
        for (;;) {
          while (queue.length === 0) await new Promise<void>((r) => (wake = r));
          const e = queue.shift();
          if (e === undefined) break;
          if (e.id <= sent) continue;
          await stream.writeSSE({ id: String(e.id), event: e.type, data: JSON.stringify(e) });
          sent = e.id;
        }
      } finally {
        clearInterval(heartbeat);
        unfollow();
        signal.removeEventListener("abort", stop);
        closing.signal.removeEventListener("abort", stop);
      }
    });
  });

  app.get("/runs/:id/view", async (c) => {
    const id = runIdOf(c);
    const record = await runs.record(id);
    if (!record) throw unknownRun(id);
    const w = workflows.get(record.workflow);
    if (!w)
      throw new HttpError(
        404,
        `run '${id}' belongs to workflow '${record.workflow}', which is not served`,
      );
    const token = c.req.query("access_token");
    const eventsUrl = `./events${token !== undefined ? `?access_token=${encodeURIComponent(token)}` : ""}`;
    const html = await toHtml(w.graph, {
      run: record,
      title: `${w.name} · ${id}`,
      live: { eventsUrl },
    });
    return c.html(html);
  });

  app.get("/metrics", async (c) =>
    c.body(await metrics.text(), 200, { "content-type": metrics.contentType }),
  );

  const ready =
    options.resumeInterrupted === false
      ? Promise.resolve()
      : // A store that cannot list its runs must not keep the server from starting.
        runs.resumeInterrupted().then(
          () => undefined,
          (err: unknown) => report(err),
        );

  let closed: Promise<void> | undefined;
  return {
    app,
    runs,
    ready,
    close: () =>
      (closed ??= (async () => {
        await ready.catch(() => undefined);
        closing.abort();
        await runs.close();
        if (ownStore) await store.close?.();
      })()),
  };
}

/** Who made the request, for the audit log. */
function clientOf(c: Context<ServeEnv>): { actor: string; ip?: string; userAgent?: string } {
  const ip = c.env?.incoming?.socket?.remoteAddress;
  const userAgent = c.req.header("user-agent");
  return {
    actor: c.get("actor") ?? "anonymous",
    ...(ip ? { ip } : {}),
    ...(userAgent ? { userAgent } : {}),
  };
}

function tokenList(token: ServeOptions["token"]): { name: string; token: string }[] {
  if (token === undefined) return [];
  if (typeof token === "string") {
    if (token === "") throw new TypeError("serve: token must not be empty");
    return [{ name: "token", token }];
  }
  return Object.entries(token).map(([name, t]) => {
    if (typeof t !== "string" || t === "")
      throw new TypeError(`serve: token '${name}' must be a non-empty string`);
    return { name, token: t };
  });
}

function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
