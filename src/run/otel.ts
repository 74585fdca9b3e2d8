/**
 * OpenTelemetry spans for runs, through `@opentelemetry/api` alone: the application chooses and
 * registers an SDK and exporter; without one every span is a no-op and the listener keeps only
 * a small map per running run.
 *
 * Spans: `weft.run <workflow>` per run, with a child `weft.node <name>` per node covering all
 * its attempts (retries and progress are span events; a failure records the exception and sets
 * the error status). Span times come from the events' `at`, anchored to the wall clock when the
 * run's first event arrives, so durations match the run's own clock exactly.
 */

import type { AttributeValue, Attributes, Context, HrTime, Span, Tracer } from "@opentelemetry/api";
import { otelApi } from "./otel-api.js";
import type { RunEvent } from "./types.js";

/** Options of {@link otelListener}. */
export interface OtelListenerOptions {
  /** Tracer to create spans with. Default: `trace.getTracer("weft")` from the global provider. */
  tracer?: Tracer;
  /** Attributes added to every run span (service details, tenant, ...). */
  attributes?: Attributes;
  /**
   * Parent of each run span. Default: the context active when the run's first event arrives, so
   * a run started inside a request's span nests under it.
   */
  parentContext?: () => Context;
}

/** A run event listener that also tells which span context a node runs in. */
export interface OtelListener {
  (event: RunEvent): void;
  /**
   * The context of a node's span (or of the run's span without `node`), for running the node's
   * function inside it (`context.with(listener.contextFor(runId, node), fn)`) so spans the
   * function opens nest under it. The active context when the run is unknown.
   */
  contextFor(runId: string, node?: string): Context;
}

interface RunSpans {
  span: Span;
  context: Context;
  recording: boolean;
  /** Wall-clock ms (epoch) at `atAnchor`. */
  wallAnchor: number;
  atAnchor: number;
  nodes: Map<string, Span>;
}

/** Run statuses that are not errors. */
const okStatuses = new Set(["completed", "stopped", "terminal"]);

/**
 * Turns run events into OpenTelemetry spans. Pass it as a run's `onEvent`.
 *
 * @example
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * // with an SDK registered (e.g. NodeSDK or BasicTracerProvider + an exporter):
 * const onEvent = otelListener({ attributes: { "service.name": "etl" } });
 * await wf.run(input, { onEvent });
 * // spans: "weft.run customer_etl" > "weft.node load", "weft.node clean", ...
 * ```
 */
export function otelListener(options: OtelListenerOptions = {}): OtelListener {
  const { SpanStatusCode, context, trace } = otelApi();
  const runs = new Map<string, RunSpans>();

  function tracer(): Tracer {
    return options.tracer ?? trace.getTracer("weft");
  }

  function time(run: RunSpans, at: number): HrTime {
    return hrTime(run.wallAnchor + (at - run.atAnchor));
  }

  function startRun(runId: string, workflow: string | undefined, at: number): RunSpans {
    const wallAnchor = performance.timeOrigin + performance.now();
    const parent = options.parentContext?.() ?? context.active();
    const span = tracer().startSpan(
      workflow === undefined ? "weft.run" : `weft.run ${workflow}`,
      {
        startTime: hrTime(wallAnchor),
        attributes: {
          ...options.attributes,
          "weft.run_id": runId,
          ...(workflow === undefined ? {} : { "weft.workflow": workflow }),
        },
      },
      parent,
    );
    const run: RunSpans = {
      span,
      context: trace.setSpan(parent, span),
      recording: span.isRecording(),
      wallAnchor,
      atAnchor: at,
      nodes: new Map(),
    };
    runs.set(runId, run);
    return run;
  }

  function nodeSpan(run: RunSpans, runId: string, node: string, start: number, attempt = 1): Span {
    let span = run.nodes.get(node);
    if (!span) {
      span = tracer().startSpan(
        `weft.node ${node}`,
        {
          startTime: time(run, start),
          attributes: { "weft.run_id": runId, "weft.node": node, "weft.attempt": attempt },
        },
        run.context,
      );
      run.nodes.set(node, span);
    }
    return span;
  }

  function endNode(run: RunSpans, node: string, span: Span, at: number): void {
    span.end(time(run, at));
    run.nodes.delete(node);
  }

  const listener = (event: RunEvent): void => {
    let run = runs.get(event.runId);
    if (event.type === "run-start") {
      // A second run-start for the same id (a resume in the same process) starts a fresh span.
      if (run) endRun(run, event.at, undefined);
      startRun(event.runId, event.workflow, event.at);
      return;
    }
    run ??= startRun(event.runId, undefined, event.at);
    if (event.type === "run-complete") {
      endRun(run, event.at, event);
      runs.delete(event.runId);
      return;
    }
    // Without a recording run span (no SDK, or sampled out) node spans would be dropped too.
    if (!run.recording) return;
    switch (event.type) {
      case "node-start": {
        const span = nodeSpan(run, event.runId, event.node, event.at, event.attempt);
        span.setAttribute("weft.attempt", event.attempt);
        break;
      }
      case "node-complete": {
        const span = nodeSpan(run, event.runId, event.node, event.at - event.ms);
        span.setAttributes({ "weft.status": "completed", "weft.ms": event.ms });
        if (event.cached) span.setAttribute("weft.cached", true);
        endNode(run, event.node, span, event.at);
        break;
      }
      case "node-retry": {
        const span = nodeSpan(run, event.runId, event.node, event.at);
        span.addEvent(
          "retry",
          {
            "weft.attempt": event.attempt,
            "weft.delay_ms": event.delayMs,
            "exception.message": errorMessage(event.error),
          },
          time(run, event.at),
        );
        break;
      }
      case "node-fail": {
        const span = nodeSpan(run, event.runId, event.node, event.at);
        const message = errorMessage(event.error);
        span.recordException(
          event.error instanceof Error ? event.error : message,
          time(run, event.at),
        );
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.setAttribute("weft.status", "failed");
        endNode(run, event.node, span, event.at);
        break;
      }
      case "node-skip": {
        const span = nodeSpan(run, event.runId, event.node, event.at);
        span.setAttributes({ "weft.status": "skipped", "weft.skip_reason": event.reason });
        endNode(run, event.node, span, event.at);
        break;
      }
      case "progress": {
        const span = run.nodes.get(event.node);
        span?.addEvent("progress", progressAttributes(event.progress), time(run, event.at));
        break;
      }
    }
  };

  function endRun(
    run: RunSpans,
    at: number,
    complete: Extract<RunEvent, { type: "run-complete" }> | undefined,
  ): void {
    for (const [node, span] of run.nodes) {
      span.setAttribute("weft.status", "unfinished");
      endNode(run, node, span, at);
    }
    const status = complete?.status ?? "unfinished";
    run.span.setAttribute("weft.status", status);
    if (complete) run.span.setAttribute("weft.ms", complete.ms);
    if (!okStatuses.has(status)) {
      run.span.setStatus({ code: SpanStatusCode.ERROR, message: `run ${status}` });
    }
    run.span.end(time(run, at));
  }

  return Object.assign(listener, {
    contextFor(runId: string, node?: string): Context {
      const run = runs.get(runId);
      if (!run) return context.active();
      const span = node === undefined ? undefined : run.nodes.get(node);
      return span ? trace.setSpan(run.context, span) : run.context;
    },
  });
}

/** Epoch milliseconds as an OpenTelemetry HrTime (seconds, nanoseconds). */
function hrTime(epochMs: number): HrTime {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

/** Progress fields that are valid attribute values, under `weft.progress.`. */
function progressAttributes(progress: Record<string, unknown>): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(progress)) {
    if (isAttributeValue(value)) attributes[`weft.progress.${key}`] = value;
  }
  return attributes;
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const type = typeof value;
  if (type === "string" || type === "number" || type === "boolean") return true;
  if (!Array.isArray(value)) return false;
  // Attribute arrays are homogeneous (nulls allowed).
  const types = new Set(value.filter((v) => v != null).map((v) => typeof v));
  return (
    types.size <= 1 && [...types].every((t) => t === "string" || t === "number" || t === "boolean")
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
