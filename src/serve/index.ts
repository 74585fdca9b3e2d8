/**
 * `weft/serve`: workflows over HTTP (Hono on Node's HTTP server) — start runs, follow them with
 * Server-Sent Events and a live HTML page, cancel them, read diagrams, Prometheus metrics and an
 * audit log. A separate entry point, so `import "weft"` never loads the HTTP stack.
 *
 * @example
 * ```ts
 * import { serve } from "weftjs/serve";
 * const server = await serve({ workflows: [etl], port: 8080, token: process.env.WEFT_TOKEN });
 * ```
 */
export { createServeApp, type ServeApp, type ServeEnv } from "./app.js";
export { serve, type ListenOptions, type WeftServer } from "./server.js";
export type { InputProblem } from "./input.js";
export type { LoggedEvent } from "./event-log.js";
export type { CallbackResult } from "./callbacks.js";
export type {
  RunListItem,
  RunManager,
  RunMeta,
  ServedStatus,
  Client,
  SignalOutcome,
  WaitingSignal,
} from "./runs.js";
export type * from "./types.js";
