/**
 * The runs of one server: starting (with idempotency keys), following, cancelling, resuming after
 * a restart, and reading back runs that finished before it.
 *
 * Every run is journaled to the store. When the store also keeps snapshots (the memory and SQLite
 * stores do), the server writes, per run, its metadata when it starts and its final record and
 * event log when it ends, so both can be read after a restart. Live event logs are kept in memory.
 */
import { createHash, randomUUID } from "node:crypto";
import type { InFlightRunRecord, RunEvent, RunRecord } from "../run/types.js";
import type { StoredRun } from "../run/store/types.js";
import { parseRunRecord, runRecordToJson } from "../serialize/run-record.js";
import { deliverCallback, type CallbackResult } from "./callbacks.js";
import { EventLog, type LoggedEvent } from "./event-log.js";
import type { ServeMetrics } from "./metrics.js";
import type { Served } from "./workflows.js";
import type { AuditEntry, ServeStore } from "./types.js";
import { auditAppender } from "../audit/record.js";

/** What the server remembers about a run besides its record. */
export interface RunMeta {
  runId: string;
  workflow: string;
  /** ms since the epoch. */
  startedAt: number;
  finishedAt?: number;
  callbackUrl?: string;
  idempotencyKey?: string;
  /** Who started it (the token's name, or `"anonymous"`). */
  actor: string;
}

/** Status as the server reports it. */
export type ServedStatus = RunRecord["status"] | InFlightRunRecord["status"];

/** One row of `GET /runs`. */
export interface RunListItem {
  runId: string;
  workflow: string;
  status: ServedStatus;
  startedAt: string;
  finishedAt?: string;
}

interface Entry {
  meta: RunMeta;
  log: EventLog;
  controller?: AbortController;
  live?: InFlightRunRecord;
  /** `at` of the run's first event (events share one clock per run, not always the epoch's). */
  t0?: number;
  /** `Date.now()` when that event arrived, for the total time so far. */
  wall0?: number;
  final?: RunRecord;
  finalJson?: string;
  settled: Promise<void>;
  callback?: CallbackResult;
}

/** Who asks: the token's name and, when known, the client's address and user agent. */
export interface Client {
  actor: string;
  ip?: string;
  userAgent?: string;
}

/** Why a start was refused. */
export class IdempotencyConflict extends Error {}

const RUN_KEY = (id: string): string => `weft-serve:run:${id}`;
const META_KEY = (id: string): string => `weft-serve:meta:${id}`;
const IDEM_KEY = (wf: string, key: string): string => `weft-serve:idem:${wf}:${key}`;

interface FinishedSnapshot {
  meta: RunMeta;
  record: string;
  events: LoggedEvent[];
}

/** Options of {@link RunManager}. */
export interface RunManagerOptions {
  workflows: Map<string, Served>;
  store: ServeStore;
  metrics: ServeMetrics;
  audit(entry: AuditEntry): void;
  retainRuns: number;
  /** Whether finished runs beyond `retainRuns` are also deleted from the store (memory store). */
  pruneStore: boolean;
  callbackAttempts: number;
  callbackTimeoutMs: number;
  /** Receives errors no request waits for (an asynchronous store's audit write). */
  onError?(error: unknown): void;
}

export class RunManager {
  private readonly runs = new Map<string, Entry>();
  private readonly finishedOrder: string[] = [];
  private readonly idempotency = new Map<string, { runId: string; hash: string }>();
  private readonly closing = new AbortController();
  private readonly callbacks = new Set<Promise<void>>();
  private finishedTotal = 0;

  constructor(private readonly o: RunManagerOptions) {}

  /** Runs in flight in this process. */
  get inFlight(): number {
    let n = 0;
    for (const e of this.runs.values()) if (!e.final && e.controller) n++;
    return n;
  }

  /** Runs that ended in this process since it started. */
  get finished(): number {
    return this.finishedTotal;
  }

  /** Runs whose record and log are held in memory. */
  get retained(): number {
    return this.runs.size;
  }

  /** Open SSE followers over all runs. */
  get followers(): number {
    let n = 0;
    for (const e of this.runs.values()) n += e.log.listenerCount;
    return n;
  }

  /**
   * Starts a run, or returns the run an earlier request with the same idempotency key started.
   * Throws {@link IdempotencyConflict} when the key was used with a different body.
   */
  async start(
    served: Served,
    input: unknown,
    req: { callbackUrl?: string; idempotencyKey?: string; client: Client; body: string },
  ): Promise<{ runId: string; repeated: boolean }> {
    const hash = createHash("sha256").update(req.body).digest("hex");
    if (req.idempotencyKey !== undefined) {
      const key = IDEM_KEY(served.name, req.idempotencyKey);
      const known =
        this.idempotency.get(key) ??
        (await this.loadSnapshot<{ runId: string; hash: string }>(key));
      if (known) {
        if (known.hash !== hash) {
          throw new IdempotencyConflict(
            `Idempotency-Key '${req.idempotencyKey}' was used for run ${known.runId} with a different body`,
          );
        }
        return { runId: known.runId, repeated: true };
      }
    }
    const runId = randomUUID();
    const meta: RunMeta = {
      runId,
      workflow: served.name,
      startedAt: Date.now(),
      actor: req.client.actor,
      ...(req.callbackUrl !== undefined ? { callbackUrl: req.callbackUrl } : {}),
      ...(req.idempotencyKey !== undefined ? { idempotencyKey: req.idempotencyKey } : {}),
    };
    if (req.idempotencyKey !== undefined) {
      const key = IDEM_KEY(served.name, req.idempotencyKey);
      this.idempotency.set(key, { runId, hash });
      await this.o.store.saveSnapshot?.(key, { runId, hash });
    }
    await this.o.store.saveSnapshot?.(META_KEY(runId), meta);
    this.launch(served, meta, (opts) => served.workflow.run(input as never, opts));
    this.o.audit({
      at: new Date(meta.startedAt).toISOString(),
      action: "run.start",
      runId,
      workflow: served.name,
      ...req.client,
      ...(req.idempotencyKey !== undefined ? { idempotencyKey: req.idempotencyKey } : {}),
    });
    return { runId, repeated: false };
  }

  private launch(
    served: Served,
    meta: RunMeta,
    go: (opts: Parameters<Served["workflow"]["run"]>[1]) => Promise<{ toJSON(): RunRecord }>,
  ): void {
    const controller = new AbortController();
    const live: InFlightRunRecord = {
      runId: meta.runId,
      workflow: meta.workflow,
      status: "running",
      nodes: {},
      metrics: { totalMs: 0, nodeMs: {}, executed: 0, skipped: 0, failed: 0, order: [] },
      errors: [],
    };
    if (served.workflow.kind === "dag") {
      for (const n of served.workflow.graph.nodes) live.nodes[n.name] = { status: "pending" };
    }
    const entry: Entry = {
      meta,
      log: new EventLog(),
      controller,
      live,
      settled: Promise.resolve(),
    };
    this.runs.set(meta.runId, entry);
    this.o.metrics.runStarted(meta.workflow);
    const onEvent = (e: RunEvent): void => {
      entry.log.append(e);
      this.o.metrics.event(meta.workflow, e);
      track(entry, e);
    };
    let promise: Promise<{ toJSON(): RunRecord }>;
    try {
      promise = go({
        runId: meta.runId,
        checkpoint: this.o.store,
        signal: controller.signal,
        onEvent,
        actor: meta.actor,
      });
    } catch (err) {
      promise = Promise.reject(err);
    }
    entry.settled = promise.then(
      (result) => this.finish(entry, result.toJSON()),
      (err: unknown) => this.finish(entry, failedRecord(entry, err)),
    );
  }

  private async finish(entry: Entry, record: RunRecord): Promise<void> {
    entry.final = record;
    entry.finalJson = recordJson(record);
    entry.live = undefined;
    entry.controller = undefined;
    entry.meta.finishedAt = Date.now();
    entry.log.end();
    this.finishedTotal++;
    this.o.metrics.runFinished(entry.meta.workflow, record.status);
    const snapshot: FinishedSnapshot = {
      meta: entry.meta,
      record: entry.finalJson,
      events: entry.log.events,
    };
    try {
      await this.o.store.saveSnapshot?.(RUN_KEY(entry.meta.runId), snapshot);
      await this.o.store.deleteSnapshot?.(META_KEY(entry.meta.runId));
    } catch {
      // A closed store (the server is shutting down): the journal still has the run.
    }
    this.finishedOrder.push(entry.meta.runId);
    this.evict();
    const url = entry.meta.callbackUrl;
    if (url !== undefined) {
      const body = entry.finalJson;
      const p = deliverCallback(url, body, entry.meta.runId, {
        attempts: this.o.callbackAttempts,
        timeoutMs: this.o.callbackTimeoutMs,
        signal: this.closing.signal,
      }).then((r) => {
        entry.callback = r;
      });
      this.callbacks.add(p);
      void p.finally(() => this.callbacks.delete(p));
    }
  }

  private evict(): void {
    while (this.finishedOrder.length > this.o.retainRuns) {
      const id = this.finishedOrder.shift();
      if (id === undefined) break;
      const e = this.runs.get(id);
      if (e && e.log.listenerCount === 0) this.runs.delete(id);
      if (this.o.pruneStore) {
        void Promise.resolve()
          .then(async () => {
            await this.o.store.deleteRun?.(id);
            await this.o.store.deleteSnapshot?.(RUN_KEY(id));
          })
          .catch(() => undefined);
      }
    }
  }

  /** Resumes runs the store has as started and unfinished (a previous process stopped). */
  async resumeInterrupted(): Promise<string[]> {
    const rows = (await this.o.store.listRuns?.({ status: "running" })) ?? [];
    const resumed: string[] = [];
    for (const row of rows) {
      if (this.runs.has(row.runId)) continue;
      const served = this.o.workflows.get(row.workflow);
      const wf = served?.workflow;
      if (!served || !wf || typeof wf.resume !== "function") continue;
      const meta = (await this.loadSnapshot<RunMeta>(META_KEY(row.runId))) ?? {
        runId: row.runId,
        workflow: row.workflow,
        startedAt: row.startedAt,
        actor: "unknown",
      };
      this.launch(served, meta, (opts) => wf.resume!(row.runId, opts));
      resumed.push(row.runId);
    }
    return resumed;
  }

  /** Cancels a run in flight: `"cancelling"`, or why not. */
  cancel(runId: string, client: Client): "cancelling" | "unknown" | "ended" {
    const e = this.runs.get(runId);
    if (!e) return "unknown";
    if (e.final || !e.controller) return "ended";
    e.controller.abort(new Error(`cancelled by ${client.actor}`));
    // The store's hash-chained trail, next to the server's JSON-lines log.
    void Promise.resolve(
      auditAppender(
        this.o.store,
        client.actor,
      )?.({
        action: "run.cancel",
        runId,
        workflow: e.meta.workflow,
      }),
    ).catch((err: unknown) => this.o.onError?.(err));
    this.o.audit({
      at: new Date().toISOString(),
      action: "run.cancel",
      runId,
      workflow: e.meta.workflow,
      ...client,
    });
    return "cancelling";
  }

  /** Resolves when the run (in flight in this process) has ended; at once otherwise. */
  settled(runId: string): Promise<void> {
    return this.runs.get(runId)?.settled ?? Promise.resolve();
  }

  /** The run record as JSON text (the run-record serializer's format), or `undefined`. */
  async recordJson(runId: string): Promise<string | undefined> {
    const e = this.runs.get(runId);
    if (e?.finalJson !== undefined) return e.finalJson;
    if (e?.live) return recordJson(snapshotLive(e));
    const snap = await this.loadSnapshot<FinishedSnapshot>(RUN_KEY(runId));
    if (snap) return snap.record;
    const stored = await this.o.store.loadRun(runId);
    return stored ? recordJson(fromJournal(stored)) : undefined;
  }

  /** The run record as data, or `undefined`. */
  async record(runId: string): Promise<RunRecord | InFlightRunRecord | undefined> {
    const e = this.runs.get(runId);
    if (e?.final) return e.final;
    if (e?.live) return snapshotLive(e);
    const snap = await this.loadSnapshot<FinishedSnapshot>(RUN_KEY(runId));
    if (snap) return parseRunRecord(snap.record);
    const stored = await this.o.store.loadRun(runId);
    return stored ? fromJournal(stored) : undefined;
  }

  /** The run's event log (ended for runs that are over), or `undefined` for an unknown run. */
  async events(runId: string): Promise<EventLog | undefined> {
    const e = this.runs.get(runId);
    if (e) return e.log;
    const snap = await this.loadSnapshot<FinishedSnapshot>(RUN_KEY(runId));
    if (snap) return new EventLog(snap.events, true);
    const stored = await this.o.store.loadRun(runId);
    return stored ? new EventLog([], true) : undefined;
  }

  /** Runs in the store and in memory, newest first. */
  async list(filter: {
    workflow?: string;
    status?: string;
    limit: number;
  }): Promise<RunListItem[]> {
    const byId = new Map<string, RunListItem>();
    const rows =
      (await this.o.store.listRuns?.(filter.workflow ? { workflow: filter.workflow } : {})) ?? [];
    for (const r of rows) {
      byId.set(r.runId, {
        runId: r.runId,
        workflow: r.workflow,
        status: r.status === "running" ? "interrupted" : (r.status as ServedStatus),
        startedAt: new Date(r.startedAt).toISOString(),
        ...(r.finishedAt !== undefined ? { finishedAt: new Date(r.finishedAt).toISOString() } : {}),
      });
    }
    for (const e of this.runs.values()) {
      if (filter.workflow && e.meta.workflow !== filter.workflow) continue;
      byId.set(e.meta.runId, {
        runId: e.meta.runId,
        workflow: e.meta.workflow,
        status: e.final ? e.final.status : "running",
        startedAt: new Date(e.meta.startedAt).toISOString(),
        ...(e.meta.finishedAt !== undefined
          ? { finishedAt: new Date(e.meta.finishedAt).toISOString() }
          : {}),
      });
    }
    return [...byId.values()]
      .filter((r) => !filter.status || r.status === filter.status)
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .slice(0, filter.limit);
  }

  /** What became of a run's callback, once tried. */
  callback(runId: string): CallbackResult | undefined {
    return this.runs.get(runId)?.callback;
  }

  /**
   * Cancels every run in flight and waits for them to end (their final records are written),
   * then for callbacks under way, which are cut short.
   */
  async close(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const e of this.runs.values()) {
      if (e.controller && !e.final) {
        e.controller.abort(new Error("the server is closing"));
        pending.push(e.settled);
      }
    }
    await Promise.all(pending);
    this.closing.abort();
    await Promise.all([...this.callbacks]);
    for (const e of this.runs.values()) e.log.end();
  }

  private async loadSnapshot<T>(key: string): Promise<T | undefined> {
    const s = await this.o.store.loadSnapshot?.(key);
    return s ? (s.value as T) : undefined;
  }
}

/** Updates a live record from one event. */
function track(entry: Entry, e: RunEvent): void {
  const live = entry.live;
  if (!live) return;
  if (e.type === "run-start" || entry.t0 === undefined) {
    entry.t0 = e.at;
    entry.wall0 = Date.now();
  }
  const ms = e.at - entry.t0;
  switch (e.type) {
    case "node-start": {
      const prev = live.nodes[e.node];
      live.nodes[e.node] = {
        status: "running",
        startMs: prev?.status === "running" && prev.startMs !== undefined ? prev.startMs : ms,
        attempts: e.attempt,
      };
      if (!live.metrics.order.includes(e.node)) live.metrics.order.push(e.node);
      break;
    }
    case "node-complete":
      live.nodes[e.node] = {
        ...live.nodes[e.node],
        status: "completed",
        endMs: ms,
        ms: e.ms,
        ...(live.nodes[e.node]?.startMs === undefined ? { startMs: Math.max(0, ms - e.ms) } : {}),
      };
      live.metrics.nodeMs[e.node] = e.ms;
      live.metrics.executed++;
      break;
    case "node-fail":
      live.nodes[e.node] = {
        ...live.nodes[e.node],
        status: "failed",
        endMs: ms,
        error: e.error.message,
      };
      live.errors.push({ node: e.node, message: e.error.message });
      live.metrics.failed++;
      break;
    case "node-skip":
      live.nodes[e.node] = { status: "skipped", skipReason: e.reason };
      live.metrics.skipped++;
      break;
    default:
      break;
  }
}

/** A copy of a live record with its total time brought up to now. */
function snapshotLive(e: Entry): InFlightRunRecord {
  const live = e.live!;
  return {
    ...live,
    nodes: { ...live.nodes },
    errors: [...live.errors],
    metrics: {
      ...live.metrics,
      nodeMs: { ...live.metrics.nodeMs },
      order: [...live.metrics.order],
      totalMs: e.wall0 === undefined ? 0 : Date.now() - e.wall0,
    },
  };
}

/** The record of a run whose `run()` rejected (bad options, a store that refused the run). */
function failedRecord(entry: Entry, err: unknown): RunRecord {
  const live = entry.live ?? snapshotLive(entry);
  return {
    ...live,
    status: "failed",
    errors: [
      ...live.errors,
      { node: entry.meta.workflow, message: err instanceof Error ? err.message : String(err) },
    ],
  };
}

/**
 * A record as JSON through the run-record serializer, which encodes values JSON cannot hold. The
 * serializer knows final statuses only, so an in-flight record goes through it with a final
 * status and gets its own back. A result that cannot be encoded leaves the record without
 * results rather than losing the whole record.
 */
export function recordJson(record: RunRecord | InFlightRunRecord): string {
  const inFlight = record.status === "running" || record.status === "interrupted";
  const asFinal = (inFlight ? { ...record, status: "partial" } : record) as RunRecord;
  let text: string;
  try {
    text = runRecordToJson(asFinal);
  } catch (err) {
    const nodes: RunRecord["nodes"] = {};
    for (const [k, v] of Object.entries(asFinal.nodes)) {
      const { result: _drop, ...rest } = v;
      nodes[k] = rest;
    }
    const { output: _output, ...rest } = asFinal;
    text = runRecordToJson({
      ...rest,
      nodes,
      errors: [
        ...rest.errors,
        {
          node: rest.workflow,
          message: `results left out: ${err instanceof Error ? err.message : String(err)}`,
        },
      ],
    });
  }
  if (!inFlight) return text;
  const data = JSON.parse(text) as Record<string, unknown>;
  data.status = record.status;
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** A record rebuilt from a store's journal, for runs the server holds nothing else about. */
function fromJournal(run: StoredRun): RunRecord | InFlightRunRecord {
  const nodes: RunRecord["nodes"] = {};
  const nodeMs: Record<string, number> = {};
  const errors: RunRecord["errors"] = [];
  let executed = 0;
  let skipped = 0;
  let failed = 0;
  let last = run.startedAt;
  for (const entry of run.entries) {
    const n: RunRecord["nodes"][string] = { status: entry.status };
    if (entry.ms !== undefined) {
      n.ms = entry.ms;
      nodeMs[entry.node] = entry.ms;
    }
    if ("value" in entry && entry.value !== undefined) n.result = entry.value;
    if (entry.error !== undefined) {
      n.error = entry.error;
      errors.push({ node: entry.node, message: entry.error });
    }
    if (entry.status === "completed") executed++;
    else if (entry.status === "skipped") skipped++;
    else failed++;
    nodes[entry.node] = n;
    last = Math.max(last, entry.at);
  }
  const metrics = {
    totalMs: (run.finishedAt ?? last) - run.startedAt,
    nodeMs,
    executed,
    skipped,
    failed,
    order: run.entries.map((e) => e.node),
  };
  const base = { runId: run.runId, workflow: run.workflow, nodes, metrics, errors };
  if (run.status === "running") return { ...base, status: "interrupted" };
  return { ...base, status: run.status as RunRecord["status"] };
}
