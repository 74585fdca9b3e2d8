/**
 * What a run needs besides the scheduler: the event fan-out (callback, trace file, telemetry),
 * the checkpoint journal and, when resuming or reusing an earlier run, the results to preset.
 * Kept apart from the scheduler so a plain run pays for none of it.
 */
import { graphHash } from "../graph/hash.js";
import type { Prepared } from "./prepare.js";
import type { RunOptions } from "./options.js";
import type { Journal, Preset } from "./scheduler.js";
import { InputError, ListenerError, type RunEvent, type WaitingNode } from "./types.js";
import { loadWaits, saveWaits, type WaitRecord } from "./waits.js";
import type { DagRunResult } from "../dag/run-result.js";
import { selectNodes } from "./partial.js";
import type { CheckpointStore, StoredRun } from "./store/types.js";
import { writeTrace } from "./trace.js";
import { otelListener } from "./otel.js";
import { DEFAULT_LEASE_MS, takeLease, type HeldLease } from "./lease.js";
import { telemetryRegistered } from "./otel-api.js";
import { auditAppender } from "../audit/record.js";
import { inputHash } from "../audit/chain.js";
import { checkVersions, nodeVersions, saveVersions } from "../registry/check.js";

export interface RunServices {
  input: unknown;
  events?: (e: RunEvent) => void;
  /** Names `events` in errors when it is a single listener. */
  listener?: string;
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

export function attachRunServices(req: ServiceRequest): Awaitable<RunServices> {
  const { options, prepared: p } = req;
  const svc: RunServices = { input: req.input };
  const listeners: ((e: RunEvent) => void)[] = [];
  // Names of the listeners, for the error a throwing one gives.
  const labels: string[] = [];
  if (options.onEvent) {
    listeners.push(options.onEvent);
    labels.push("onEvent");
  }
  const finishers: ((r: DagRunResult<unknown, unknown>) => Awaitable<void>)[] = [];
  if (options.trace) {
    const path = options.trace;
    const events: RunEvent[] = [];
    listeners.push((e) => events.push(e));
    labels.push("trace");
    finishers.push(() => writeTrace(path, events));
  }
  const telemetry = options.telemetry ?? "auto";
  if (telemetry === true || (telemetry === "auto" && telemetryRegistered())) {
    listeners.push(otelListener());
    labels.push("telemetry");
  }
  if (listeners.length === 1) {
    svc.events = listeners[0];
    svc.listener = labels[0];
  } else if (listeners.length > 1) {
    svc.events = (e) => {
      // Every listener sees the event; the first that threw is reported.
      let failed: ListenerError | undefined;
      for (let k = 0; k < listeners.length; k++) {
        try {
          listeners[k](e);
        } catch (err) {
          failed ??= new ListenerError(labels[k], e, err);
        }
      }
      if (failed) throw failed;
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
  let lease: HeldLease | undefined;
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
        const lost = lease?.lost();
        if (lost) throw lost;
        return store.record(runId, {
          node: p.names[i],
          status,
          ...(status === "completed" ? { value } : {}),
          ms,
          at: Date.now(),
        });
      },
    };
    const audit = auditAppender(store, options.actor);
    // A run cancelled through its AbortSignal ends "cancelled"; who aborted it is not known
    // here, so the explicit cancels (serve, task runs, the distributed engine) write run.cancel.
    const ended = (r: DagRunResult<unknown, unknown>): Awaitable<void> =>
      audit?.({
        action: "run.end",
        runId,
        workflow: req.workflow.name,
        graphHash: hash,
        status: r.status,
      });
    finishers.unshift((r) => {
      const held = lease;
      const finish = () => then(store.finishRun(runId, r.status), () => ended(r));
      if (!held) return finish();
      return settleThen(finish, () => held.release());
    });
    const versions = nodeVersions(p);
    const begun = (): Awaitable<RunServices> =>
      then(
        req.resuming
          ? checkVersions(
              store,
              req.workflow.name,
              runId,
              versions,
              options.allowVersionChange === true,
            )
          : undefined,
        () => begin(),
      );
    const begin = (): Awaitable<RunServices> =>
      then(
        store.beginRun({
          runId,
          workflow: req.workflow.name,
          graphHash: hash,
          input: svc.input,
          startedAt: Date.now(),
          status: "running",
        }),
        () =>
          then(
            req.resuming
              ? undefined
              : saveVersions(store, runId, versions, options.replace === true),
            () =>
              then(
                audit?.({
                  action: req.resuming ? "run.resume" : "run.start",
                  runId,
                  workflow: req.workflow.name,
                  graphHash: hash,
                  inputHash: inputHash(svc.input),
                }),
                withFinish,
              ),
          ),
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
  const fresh = (stored: StoredRun | undefined): Awaitable<RunServices> => {
    if (!stored) return start(undefined);
    if (options.replace !== true) {
      throw new InputError(
        `checkpoint store already holds run '${runId}' (workflow '${stored.workflow}', ${stored.status}); ` +
          `resume it with resume('${runId}'), give this run another runId, or pass replace: true to start it afresh`,
      );
    }
    if (typeof store.deleteRun !== "function") {
      throw new InputError(
        `run option 'replace': this checkpoint store cannot delete run '${runId}' (it has no deleteRun)`,
      );
    }
    return then(store.deleteRun(runId), () => start(undefined));
  };
  const open = (): Awaitable<RunServices> =>
    then(store.loadRun(runId), req.resuming ? start : fresh);
  const leased = (held: HeldLease | undefined): Awaitable<RunServices> => {
    lease = held;
    if (!held) return open();
    // Refused or failed before the run starts: the lease goes at once.
    try {
      const r = open();
      return r instanceof Promise ? r.catch((e: unknown) => releaseAndThrow(held, e)) : r;
    } catch (e) {
      return releaseAndThrow(held, e);
    }
  };
  return then(reused, () =>
    then(takeLease(store, runId, options.leaseMs ?? DEFAULT_LEASE_MS), leased),
  );
}

/** Releases `held`, then throws `error` (after the release, when that is asynchronous). */
function releaseAndThrow(held: HeldLease, error: unknown): never | Promise<never> {
  let r: void | Promise<void>;
  try {
    r = held.release();
  } catch {
    throw error;
  }
  if (r instanceof Promise) {
    return r.then(
      () => Promise.reject(error),
      () => Promise.reject(error),
    );
  }
  throw error;
}

/** Runs `first`, then `after` whatever `first` did; `first`'s error wins. */
function settleThen(first: () => Awaitable<void>, after: () => Awaitable<void>): Awaitable<void> {
  let r: Awaitable<void>;
  try {
    r = first();
  } catch (e) {
    return releaseAndThrow({ lost: () => undefined, release: after }, e);
  }
  if (r instanceof Promise) {
    return r.then(after, (e: unknown) =>
      releaseAndThrow({ lost: () => undefined, release: after }, e),
    );
  }
  return after();
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
