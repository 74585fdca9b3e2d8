/**
 * Following a run on a distributed engine. The engine keeps a run's state in Redis and announces
 * only its end, so the server reads the state (`engine.inspect`) every `pollMs` and turns what
 * changed into the same `RunEvent`s a local run emits: the event log, SSE, the live page, the
 * metrics and the live record work for engine runs unchanged. Times come from the engine's own
 * records (start and end of each node), so only the moment an event is seen depends on the poll.
 */
import type { InFlightRunRecord, NodeStatus, RunEvent, RunRecord } from "../run/types.js";
import type { ServeEngine, ServeRunOptions, ServableWorkflow } from "./types.js";

/** Thrown when the server stops following a run it does not own the end of (it is closing). */
export class Detached extends Error {
  constructor(runId: string) {
    super(`stopped following run '${runId}'`);
    this.name = "Detached";
  }
}

const IN_FLIGHT = new Set<string>(["running", "interrupted"]);

/**
 * Starts run `runId` on the engine (when `input` is given) or follows one started earlier, and
 * resolves with its final record. `options.signal` cancels the run on the engine; `detach`
 * stops following it, leaving it to the workers (rejects with {@link Detached}).
 */
export async function followEngineRun(
  engine: ServeEngine,
  wf: ServableWorkflow,
  options: ServeRunOptions,
  how: { start?: { input: unknown }; detach: AbortSignal; pollMs: number },
): Promise<{ toJSON(): RunRecord }> {
  const { runId, onEvent } = options;
  if (how.start) {
    await engine.start(wf as never, how.start.input as never, { runId });
  }
  const seen = new Map<string, NodeStatus>();
  let t0: number | undefined;
  let cancelled = false;
  const emitChanges = (record: RunRecord | InFlightRunRecord): void => {
    const startedAt = t0 ?? Date.now();
    // Nodes in the order they started (the engine keeps it), then the rest.
    const names = [
      ...record.metrics.order,
      ...Object.keys(record.nodes).filter((n) => !record.metrics.order.includes(n)),
    ];
    const ready: RunEvent[] = [];
    for (const node of names) {
      const n = record.nodes[node];
      if (!n) continue;
      const before = seen.get(node) ?? "pending";
      if (n.status === before || n.status === "pending") continue;
      seen.set(node, n.status);
      const start = n.startMs === undefined ? Date.now() : startedAt + n.startMs;
      const end = n.endMs === undefined ? Date.now() : startedAt + n.endMs;
      if (before === "pending" && n.status !== "skipped") {
        ready.push({ type: "node-start", runId, node, attempt: n.attempts ?? 1, at: start });
      }
      if (n.status === "completed") {
        ready.push({ type: "node-complete", runId, node, ms: n.ms ?? end - start, at: end });
      } else if (n.status === "failed") {
        ready.push({
          type: "node-fail",
          runId,
          node,
          error: new Error(n.error ?? "failed"),
          at: end,
        });
      } else if (n.status === "skipped") {
        ready.push({ type: "node-skip", runId, node, reason: n.skipReason ?? "skipped", at: end });
      }
    }
    ready.sort((a, b) => a.at - b.at);
    for (const e of ready) onEvent(e);
  };
  const cancel = (): void => {
    if (cancelled) return;
    cancelled = true;
    // A run that finished meanwhile cannot be cancelled; the next read says how it ended.
    engine.cancel(runId).catch(() => undefined);
  };
  options.signal.addEventListener("abort", cancel, { once: true });
  try {
    if (options.signal.aborted) cancel();
    for (;;) {
      if (how.detach.aborted) throw new Detached(runId);
      const record = await engine.inspect(wf, runId);
      if (!record) throw new Error(`run '${runId}' is not on the engine (expired or deleted)`);
      if (t0 === undefined) {
        t0 = Date.now() - record.metrics.totalMs;
        onEvent({ type: "run-start", runId, workflow: record.workflow, at: t0 });
      }
      emitChanges(record);
      if (!IN_FLIGHT.has(record.status)) {
        const final = record as RunRecord;
        onEvent({
          type: "run-complete",
          runId,
          status: final.status,
          ms: final.metrics.totalMs,
          at: t0 + final.metrics.totalMs,
        });
        return { toJSON: () => final };
      }
      await pause(how.pollMs, how.detach);
    }
  } finally {
    options.signal.removeEventListener("abort", cancel);
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
