/**
 * `@opentelemetry/api`, loaded on first use rather than with `import "weftjs"` (it is most of the
 * library's import time). The API keeps the registered SDK on a global keyed by its major version,
 * so this copy sees what the application registered through its own import.
 */
import { createRequire } from "node:module";

type OtelApi = typeof import("@opentelemetry/api");

let api: OtelApi | undefined;

/** The OpenTelemetry API module. */
export function otelApi(): OtelApi {
  api ??= createRequire(import.meta.url)("@opentelemetry/api") as OtelApi;
  return api;
}

/**
 * Whether an OpenTelemetry SDK is registered (the API's proxy has a real delegate). Nothing is
 * loaded while no copy of the API has registered its global, the common case.
 */
export function telemetryRegistered(): boolean {
  if ((globalThis as Record<symbol, unknown>)[Symbol.for("opentelemetry.js.api.1")] === undefined) {
    return false;
  }
  const provider = otelApi().trace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = provider.getDelegate?.();
  return delegate !== undefined && delegate.constructor.name !== "NoopTracerProvider";
}
