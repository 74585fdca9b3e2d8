/**
 * What a run needs besides the scheduler: the event fan-out (callback, trace file, telemetry),
 * the checkpoint journal and, when resuming or reusing an earlier run, the results to preset.
 * Kept apart from the scheduler so a plain run pays for none of it.
 */
import { trace as otelTrace } from "@opentelemetry/api";
import { graphHash } from "../graph/hash.js";
import type { Prepared } from "./prepare.js";
import type { RunOptions } from "./options.js";
import type { Journal, Preset } from "./scheduler.js";
import { InputError, type RunEvent, type WaitingNode } from "./types.js";
import { loadWaits, saveWaits, type WaitRecord } from "./waits.js";
import type { DagRunResult } from "../dag/run-result.js";
import { selectNodes } from "./partial.js";
import type { CheckpointStore, StoredRun } from "./store/types.js";
import { writeTrace } from "./trace.js";
import { otelListener } from "./otel.js";

export interface RunServices {
  input: unknown;
  events?: (e: RunEvent) => void;
  journal?: Journal;
  presets?: Map<number, Preset>;
  /** Wait nodes parked earlier in a resumed run. */
  waits?: Map<number, WaitingNode>;
  /** Runs after the scheduler finishes (close the journal, write the trace). */
  finish?: (result: DagRunResult<unknown, unknown>) => void | Promise<void>;
}

export interface ServiceRequest {
  workflow: { name: string; graph: Prepared["graph"] };
  prepared: Prepared;
  runId: string;
  input: unknown;
  options: RunOptions;
  resuming: boolean;
}

type Awaitable<T> = T | Promise<T>;

function then<T, U>(v: Awaitable<T>, f: (t: T) => Awaitable<U>): Awaitable<U> {
  return v instanceof Promise ? v.then(f) : f(v as T);
}

/** Whether an OpenTelemetry SDK is registered (the API's proxy has a real delegate). */
function telemetryRegistered(): boolean {
  const provider = otelTrace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = provider.getDelegate?.();
  return delegate !== undefined && delegate.constructor.name !== "NoopTracerProvider";
}

export function attachRunServices(req: ServiceRequest): Awaitable<RunServices> {
  const { options, prepared: p } = req;
  const svc: RunServices = { input: req.input };
  const listeners: ((e: RunEvent) => void)[] = [];
  if (options.onEvent) listeners.push(options.onEvent);
  const finishers: ((r: DagRunResult<unknown, unknown>) => Awaitable<void>)[] = [];
  if (options.trace) {
    const path = options.trace;
    const events: RunEvent[] = [];
    listeners.push((e) => events.push(e));
    finishers.push(() => writeTrace(path, events));
  }
  const telemetry = options.telemetry ?? "auto";
  if (telemetry === true || (telemetry === "auto" && telemetryRegistered())) {
    listeners.push(otelListener());
  }
  if (listeners.length === 1) svc.events = listeners[0];
  else if (listeners.length > 1) {
    svc.events = (e) => {
      for (const l of listeners) l(e);
    };
  }
  const store = options.checkpoint as CheckpointStore | undefined;
  const reused = reuseStep(req, store, svc);
  const withFinish = (): RunServices => {
    if (finishers.length > 0) {
      svc.finish = (r) => {
        let chain: Awaitable<void> = undefined;
        for (const f of finishers) chain = then(chain, () => f(r));
        return chain;
      };
    }
    return svc;
  };
  if (!store) {
    if (req.resuming)
      throw new InputError(`resume of run '${req.runId}' needs a 'checkpoint' store`);
    return then(reused, withFinish);
  }
  if (typeof store.record !== "function" || typeof store.beginRun !== "function") {
    throw new InputError(
      `run option 'checkpoint' must be a checkpoint store (memoryStore(), sqliteStore(path))`,
    );
  }
  const hash = graphHash(req.workflow.graph);
  const runId = req.runId;
  const start = (stored: StoredRun | undefined): Awaitable<RunServices> => {
    if (req.resuming) {
      if (!stored) {
        throw new InputError(
          `workflow '${req.workflow.name}' has no checkpointed run '${runId}' to resume`,
        );
      }
      if (stored.graphHash !== hash) {
        throw new InputError(
          `run '${runId}' was checkpointed for another version of workflow '${req.workflow.name}' (graph ${stored.graphHash}, now ${hash})`,
        );
      }
      svc.input = stored.input;
      const presets = svc.presets ?? new Map<number, Preset>();
      for (const e of stored.entries) {
        const i = p.index.get(e.node);
        if (i !== undefined && e.status === "completed")
          presets.set(i, { status: "completed", value: e.value });
      }
      svc.presets = presets;
    }
    svc.journal = {
      record(i, status, value, ms) {
        // Preset (already journaled) results are not written again.
        if (svc.presets?.has(i)) return;
        return store.record(runId, {
          node: p.names[i],
          status,
          ...(status === "completed" ? { value } : {}),
          ms,
          at: Date.now(),
        });
      },
    };
    finishers.unshift((r) => store.finishRun(runId, r.status));
    const begun = (): Awaitable<RunServices> =>
      then(
        store.beginRun({
          runId,
          workflow: req.workflow.name,
          graphHash: hash,
          input: svc.input,
          startedAt: Date.now(),
          status: "running",
        }),
        withFinish,
      );
    if (!p.kinds.includes("wait")) return begun();
    // Waits are saved before the status says "waiting", so a reader of the status finds them.
    let rec: WaitRecord = { workflow: req.workflow.name, waiting: [], applied: {} };
    finishers.unshift((r) => saveWaits(store, runId, { ...rec, waiting: r.waiting }));
    if (!req.resuming) return begun();
    return then(loadWaits(store, runId, req.workflow.name), (loaded) => {
      rec = loaded;
      svc.waits = new Map();
      for (const w of loaded.waiting) {
        const i = p.index.get(w.node);
        if (i !== undefined) svc.waits.set(i, w);
      }
      return begun();
    });
  };
  return then(reused, () => (req.resuming ? then(store.loadRun(runId), start) : start(undefined)));
}

/**
 * `from`/`between` with `reuse`: results of nodes outside the selection come from an earlier run
 * (a run result, or the id of a run in the checkpoint store) instead of being computed again.
 */
function reuseStep(
  req: ServiceRequest,
  store: CheckpointStore | undefined,
  svc: RunServices,
): Awaitable<void> {
  const { options, prepared: p } = req;
  const reuse = options.reuse;
  if (reuse === undefined) return;
  if (!options.from && !options.between) {
    throw new InputError(`run option 'reuse' needs 'from' or 'between' (which nodes to run again)`);
  }
  const apply = (get: (node: string) => unknown): void => {
    const presets = svc.presets ?? new Map<number, Preset>();
    const sel = selectNodes(p, options);
    for (let i = 0; i < p.n; i++) {
      if (sel?.[i]) continue;
      const v = get(p.names[i]);
      if (v !== undefined) presets.set(i, { status: "completed", value: v });
    }
    svc.presets = presets;
  };
  if (typeof reuse !== "string") return apply((node) => reuse.get(node));
  if (!store) {
    throw new InputError(
      `run option 'reuse: "${reuse}"' names a checkpointed run: pass its 'checkpoint' store too`,
    );
  }
  if (reuse === req.runId) {
    throw new InputError(
      `run option 'reuse' names this run's own id '${reuse}'; give the new run another runId`,
    );
  }
  return then(store.loadRun(reuse), (stored) => {
    if (!stored) {
      throw new InputError(
        `workflow '${req.workflow.name}' has no checkpointed run '${reuse}' to reuse`,
      );
    }
    const values = new Map<string, unknown>();
    for (const e of stored.entries) if (e.status === "completed") values.set(e.node, e.value);
    apply((node) => values.get(node));
  });
}
