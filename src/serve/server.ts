/** `serve()`: the app on a real HTTP server (@hono/node-server). */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve as nodeServe } from "@hono/node-server";
import type { Hono } from "hono";
import { createServeApp, type ServeEnv } from "./app.js";
import type { RunManager } from "./runs.js";
import type { ServeOptions } from "./types.js";

/** Options of {@link serve}: the app's, and where to listen. */
export interface ListenOptions extends ServeOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on. Default `127.0.0.1` (loopback only). */
  hostname?: string;
}

/** A running server. */
export interface WeftServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly app: Hono<ServeEnv>;
  readonly runs: RunManager;
  /**
   * Stops taking requests, cancels runs in flight and waits for them to end (their final records
   * are stored), ends open event streams, closes the store it opened, and closes every connection.
   */
  close(): Promise<void>;
}

/**
 * Serves workflows over HTTP: start runs, follow them (SSE and a live HTML page), cancel them,
 * read diagrams and Prometheus metrics. Resolves once the server listens and interrupted runs
 * have been resumed.
 *
 * @example
 * ```ts
 * import { sqliteStore } from "weftjs";
 * import { serve } from "weftjs/serve";
 * const server = await serve({ workflows: [etl], store: sqliteStore("runs.db"), port: 8080 });
 * console.log(`listening on ${server.url}`);
 * // curl -X POST $URL/workflows/customer_etl/runs -d '{"input":{"path":"a.csv"}}'
 * await server.close();
 * ```
 */
export async function serve(options: ListenOptions): Promise<WeftServer> {
  const served = createServeApp(options);
  const hostname = options.hostname ?? "127.0.0.1";
  let server: Server;
  const port = await new Promise<number>((resolve, reject) => {
    server = nodeServe(
      { fetch: served.app.fetch, port: options.port ?? 0, hostname },
      (info: AddressInfo) => resolve(info.port),
    ) as Server;
    server.once("error", reject);
  }).catch(async (err: unknown) => {
    await served.close();
    throw err;
  });
  await served.ready;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    app: served.app,
    runs: served.runs,
    close: () =>
      (closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await served.close();
        server.closeIdleConnections();
        server.closeAllConnections();
        await stopped;
      })()),
  };
}
