/**
 * The runs of one server: starting (with idempotency keys), following, cancelling, resuming after
 * a restart, and reading back runs that finished before it.
 *
 * Every run is journaled to the store. When the store also keeps snapshots (the memory and SQLite
 * stores do), the server writes, per run, its metadata when it starts and its final record and
 * event log when it ends, so both can be read after a restart. Live event logs are kept in memory.
 */
import { createHash, randomUUID } from "node:crypto";
import type { InFlightRunRecord, RunEvent, RunRecord, WaitingNode } from "../run/types.js";
import type { StoredRun } from "../run/store/types.js";
import { graphHash } from "../graph/hash.js";
import { loadWaits } from "../run/waits.js";
import { parseRunRecord, runRecordToJson } from "../serialize/run-record.js";
import { deliverCallback, type CallbackResult } from "./callbacks.js";
import { Detached, followEngineRun } from "./engine-runs.js";
import { EventLog, type LoggedEvent } from "./event-log.js";
import type { InputProblem } from "./input.js";
import type { ServeMetrics } from "./metrics.js";
import type { Served } from "./workflows.js";
import type { AuditEntry, ServeEngine, ServeStore } from "./types.js";
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
  /** Run on the distributed engine: this server follows it, the workers run it. */
  onEngine?: true;
}

/** Who asks: the token's name and, when known, the client's address and user agent. */
export interface Client {
  actor: string;
  ip?: string;
  userAgent?: string;
}

/** Why a start was refused. */
export class IdempotencyConflict extends Error {}

/** A signal wait a run is parked on, as `GET /runs/:id` lists it (`waitingFor`). */
export interface WaitingSignal {
  /** The wait node (a state machine: the wait's name). */
  node: string;
  /** The name to signal: `POST /runs/:id/signals/:signal`. */
  signal: string;
  /** When the wait began (ISO 8601). */
  since: string;
  /** When it times out (ISO 8601), if it has a deadline. */
  deadline?: string;
}

/** What became of a signal request. */
export type SignalOutcome =
  | { kind: "signalled"; runId: string; status: "running" }
  | { kind: "unknown" }
  /** Refused and nothing changed: the run is not waiting for this signal. */
  | { kind: "conflict"; message: string; status: string; waitingFor: WaitingSignal[] }
  /** The payload does not match the wait's schema; nothing changed. */
  | { kind: "invalid"; message: string; problems: InputProblem[] }
  /** The deadline passed before the signal: the timeout fires instead (the run goes on). */
  | { kind: "timed-out"; message: string; status: "running"; waitingFor: WaitingSignal[] };

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
  /** Runs go to this engine instead of running in this process. */
  engine?: ServeEngine;
  pollMs: number;
  /** Receives errors no request waits for (an asynchronous store's audit write). */
  onError?(error: unknown): void;
}

export class RunManager {
  private readonly runs = new Map<string, Entry>();
  private readonly finishedOrder: string[] = [];
  private readonly idempotency = new Map<string, { runId: string; hash: string }>();
  private readonly closing = new AbortController();
  /** Aborted when the server closes: it stops following engine runs (they go on). */
  private readonly detaching = new AbortController();
  private readonly callbacks = new Set<Promise<void>>();
  /** Runs a signal request is being applied to (one at a time per run). */
  private readonly signalling = new Set<string>();
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
    const engine = this.o.engine;
    if (engine) {
      // The store indexes the server's engine runs (listing, following them after a restart);
      // their state is the engine's.
      await this.o.store.beginRun({
        runId,
        workflow: served.name,
        graphHash: graphHash(served.workflow.graph),
        input,
        startedAt: meta.startedAt,
        status: "running",
      });
      this.follow(served, meta, { input });
    } else {
      this.launch(served, meta, (opts) => served.workflow.run(input as never, opts));
    }
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

  /** Starts (with `start`) or follows an engine run. */
  private follow(served: Served, meta: RunMeta, start?: { input: unknown }): void {
    const engine = this.o.engine!;
    this.launch(served, meta, (opts) =>
      followEngineRun(engine, served.workflow, opts, {
        ...(start ? { start } : {}),
        detach: this.detaching.signal,
        pollMs: this.o.pollMs,
      }),
    );
    this.runs.get(meta.runId)!.onEngine = true;
  }

  /**
   * Runs `go` as run `meta.runId`: its events go to the run's log (SSE, the live page), metrics
   * and the live record; its end to the store and the callback. `from` continues a parked run:
   * its log goes on (event ids keep counting) and its live record starts from the parked one.
   */
  private launch(
    served: Served,
    meta: RunMeta,
    go: (opts: Parameters<Served["workflow"]["run"]>[1]) => Promise<{ toJSON(): RunRecord }>,
    from?: { log: EventLog; record: RunRecord | InFlightRunRecord; signalled?: string },
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
    if (from) {
      const { waiting: _parked, ...rest } = from.record;
      Object.assign(live, structuredClone({ ...rest, status: "running" }));
      const n = from.signalled === undefined ? undefined : live.nodes[from.signalled];
      if (n) live.nodes[from.signalled!] = { ...n, status: "completed" };
    } else if (served.workflow.kind === "dag") {
      for (const n of served.graph.nodes) live.nodes[n.name] = { status: "pending" };
    }
    const entry: Entry = {
      meta,
      log: from?.log ?? new EventLog(),
      controller,
      live,
      settled: Promise.resolve(),
    };
    if (from) {
      // In flight again: out of the finished runs until it ends (then it is queued anew).
      const k = this.finishedOrder.indexOf(meta.runId);
      if (k >= 0) this.finishedOrder.splice(k, 1);
    }
    this.runs.set(meta.runId, entry);
    this.o.metrics.runStarted(meta.workflow, from ? "continued" : "started");
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
      (err: unknown) => {
        if (!(err instanceof Detached)) return this.finish(entry, failedRecord(entry, err));
        // The server closes; the run goes on, and the next server follows it.
        entry.controller = undefined;
        entry.log.end();
        this.o.metrics.runDetached(meta.workflow);
      },
    );
  }

  private async finish(entry: Entry, record: RunRecord): Promise<void> {
    entry.final = record;
    const plain = recordJson(record);
    entry.finalJson = this.withWaits(plain, record);
    entry.live = undefined;
    entry.controller = undefined;
    entry.meta.finishedAt = Date.now();
    // A parked run is not over: its event streams stay open for what a signal brings.
    if (record.status !== "waiting") entry.log.end();
    this.finishedTotal++;
    this.o.metrics.runFinished(entry.meta.workflow, record.status);
    const snapshot: FinishedSnapshot = {
      meta: entry.meta,
      record: plain,
      events: entry.log.events,
    };
    try {
      if (entry.onEngine) await this.o.store.finishRun(entry.meta.runId, record.status);
      await this.o.store.saveSnapshot?.(RUN_KEY(entry.meta.runId), snapshot);
      await this.o.store.deleteSnapshot?.(META_KEY(entry.meta.runId));
    } catch {
      // A closed store (the server is shutting down): the journal still has the run.
    }
    this.finishedOrder.push(entry.meta.runId);
    this.evict();
    const url = entry.meta.callbackUrl;
    if (url !== undefined && record.status !== "waiting") {
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
      // A run continued by a signal is in flight again (its end queues it anew).
      if (e && !e.final) continue;
      if (e && e.log.listenerCount === 0) this.runs.delete(id);
      // A parked run leaves memory but not the store: a signal may still come.
      if (this.o.pruneStore && e?.final?.status !== "waiting") {
        void Promise.resolve()
          .then(async () => {
            await this.o.store.deleteRun?.(id);
            await this.o.store.deleteSnapshot?.(RUN_KEY(id));
          })
          .catch(() => undefined);
      }
    }
  }

  /**
   * Sends signal `name` with `payload` to a waiting run: checks first, against the store's own
   * record of the run's waits, that the run waits for it (a refused signal changes nothing),
   * then continues the run like any other (events, live page, metrics, callback).
   */
  async signal(
    runId: string,
    name: string,
    payload: unknown,
    client: Client,
  ): Promise<SignalOutcome> {
    if (this.signalling.has(runId)) {
      const record = await this.record(runId);
      if (!record) return { kind: "unknown" };
      return {
        kind: "conflict",
        message: `run '${runId}' is being signalled by another request; try again`,
        status: record.status,
        waitingFor: [],
      };
    }
    this.signalling.add(runId);
    try {
      return await this.trySignal(runId, name, payload, client);
    } finally {
      this.signalling.delete(runId);
    }
  }

  private async trySignal(
    runId: string,
    name: string,
    payload: unknown,
    client: Client,
  ): Promise<SignalOutcome> {
    const record = await this.record(runId);
    if (!record) return { kind: "unknown" };
    const served = this.o.workflows.get(record.workflow);
    const conflict = (why: string, waits: WaitingNode[] = []): SignalOutcome => {
      const waitingFor = served ? signalWaits(served, waits) : [];
      const on = waitingFor.length
        ? `it waits for ${waitingFor.map((w) => `'${w.signal}'`).join(", ")}`
        : "it waits for no signal";
      return {
        kind: "conflict",
        message: `cannot signal '${name}' to run '${runId}' (workflow '${record.workflow}', status ${record.status}): ${why}; ${on}`,
        status: record.status,
        waitingFor,
      };
    };
    if (record.status !== "waiting") return conflict("the run is not waiting");
    if (!served) return conflict(`its workflow '${record.workflow}' is not served here`);
    const wf = served.workflow;
    if (typeof wf.signal !== "function") return conflict("its workflow takes no signals");
    // The store is the authority on what the run waits for (the record may be older).
    let waits: WaitingNode[];
    try {
      const stored = await this.o.store.loadRun(runId);
      if (stored?.status !== "waiting") {
        return conflict(`the store has it as '${stored?.status ?? "unknown"}'`);
      }
      waits = (await loadWaits(this.o.store, runId, record.workflow)).waiting;
    } catch (err) {
      return conflict(err instanceof Error ? err.message : String(err));
    }
    const wait = signalWaits(served, waits).find((w) => w.signal === name);
    if (!wait) return conflict(`it is not waiting for '${name}'`, waits);
    const problems = served.checkSignal(name, payload);
    if (problems.length > 0) {
      return {
        kind: "invalid",
        message: `invalid payload for signal '${name}' of workflow '${served.name}'; nothing was applied: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
        problems,
      };
    }
    const prev = (await this.hydrate(runId)) ?? this.runs.get(runId);
    if (!prev?.final || prev.controller) return conflict("the run is in flight");
    const meta: RunMeta = { ...prev.meta };
    delete meta.finishedAt;
    await this.o.store.saveSnapshot?.(META_KEY(runId), meta);
    const from = { log: prev.log, record: prev.final };
    if (wait.deadline !== undefined && Date.now() >= Date.parse(wait.deadline)) {
      // Too late: the timeout fires now (the run goes on along its timeout path).
      const resume = wf.resume;
      if (typeof resume === "function") {
        this.launch(served, meta, (opts) => resume.call(wf, runId, opts), from);
      }
      return {
        kind: "timed-out",
        message: `cannot signal '${name}' to run '${runId}' (workflow '${record.workflow}'): its wait timed out at ${wait.deadline}, so the timeout fires instead`,
        status: "running",
        waitingFor: [wait],
      };
    }
    const value = served.prepareSignal(name, payload);
    const signal = wf.signal.bind(wf);
    this.launch(served, meta, (opts) => signal(runId, name as never, value as never, opts), {
      ...from,
      signalled: name,
    });
    this.o.audit({
      at: new Date().toISOString(),
      action: "run.signal",
      runId,
      workflow: served.name,
      signal: name,
      ...client,
    });
    return { kind: "signalled", runId, status: "running" };
  }

  /**
   * The entry of a run that is not held in memory but parked (its snapshot says `"waiting"`):
   * loaded with an open event log, so followers see what a signal brings.
   */
  private async hydrate(runId: string): Promise<Entry | undefined> {
    if (this.runs.has(runId)) return this.runs.get(runId);
    const snap = await this.loadSnapshot<FinishedSnapshot>(RUN_KEY(runId));
    if (!snap || this.runs.has(runId)) return this.runs.get(runId);
    const final = parseRunRecord(snap.record);
    const parked = final.status === "waiting";
    const entry: Entry = {
      meta: snap.meta,
      log: new EventLog(snap.events, !parked),
      final,
      finalJson: this.withWaits(snap.record, final),
      settled: Promise.resolve(),
    };
    if (parked) {
      this.runs.set(runId, entry);
      this.finishedOrder.push(runId);
      this.evict();
    }
    return entry;
  }

  /** The record text with `waitingFor` (the signals a parked run waits for) added. */
  private withWaits(text: string, record: RunRecord): string {
    if (record.status !== "waiting") return text;
    const served = this.o.workflows.get(record.workflow);
    const data = JSON.parse(text) as Record<string, unknown>;
    data.waitingFor = served ? signalWaits(served, record.waiting ?? []) : [];
    return `${JSON.stringify(data, null, 2)}\n`;
  }

  /** Resumes runs the store has as started and unfinished (a previous process stopped). */
  async resumeInterrupted(): Promise<string[]> {
    const rows = (await this.o.store.listRuns?.({ status: "running" })) ?? [];
    const resumed: string[] = [];
    for (const row of rows) {
      if (this.runs.has(row.runId)) continue;
      const served = this.o.workflows.get(row.workflow);
      const wf = served?.workflow;
      if (!served || !wf || (!this.o.engine && typeof wf.resume !== "function")) continue;
      const meta = (await this.loadSnapshot<RunMeta>(META_KEY(row.runId))) ?? {
        runId: row.runId,
        workflow: row.workflow,
        startedAt: row.startedAt,
        actor: "unknown",
      };
      // An engine run went on without a server: follow it again. A local one is resumed.
      if (this.o.engine) this.follow(served, meta);
      else this.launch(served, meta, (opts) => wf.resume!(row.runId, opts));
      resumed.push(row.runId);
    }
    return resumed;
  }

  /** Cancels a run in flight: `"cancelling"`, or why not. */
  async cancel(runId: string, client: Client): Promise<"cancelling" | "unknown" | "ended"> {
    const e = this.runs.get(runId);
    if (!e && this.o.engine) {
      // An engine run another server follows: the engine cancels it for everyone.
      const row = await this.o.store.loadRun(runId);
      if (!row) return "unknown";
      if (row.status !== "running" || !(await this.o.engine.cancel(runId).catch(() => false))) {
        return "ended";
      }
      this.o.audit({
        at: new Date().toISOString(),
        action: "run.cancel",
        runId,
        workflow: row.workflow,
        ...client,
      });
      return "cancelling";
    }
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
    const held = await this.hydrate(runId);
    if (held?.finalJson !== undefined) return held.finalJson;
    const stored = await this.o.store.loadRun(runId);
    return stored ? recordJson(await this.fromStore(stored)) : undefined;
  }

  /** The run record as data, or `undefined`. */
  async record(runId: string): Promise<RunRecord | InFlightRunRecord | undefined> {
    const e = this.runs.get(runId);
    if (e?.final) return e.final;
    if (e?.live) return snapshotLive(e);
    const held = await this.hydrate(runId);
    if (held?.final) return held.final;
    const stored = await this.o.store.loadRun(runId);
    return stored ? this.fromStore(stored) : undefined;
  }

  /** The run's event log (ended for runs that are over), or `undefined` for an unknown run. */
  async events(runId: string): Promise<EventLog | undefined> {
    const e = this.runs.get(runId);
    if (e) return e.log;
    const held = await this.hydrate(runId);
    if (held) return held.log;
    const stored = await this.o.store.loadRun(runId);
    return stored ? new EventLog([], true) : undefined;
  }

  /** A run this server holds nothing of in memory: the engine's state, else the journal's. */
  private async fromStore(stored: StoredRun): Promise<RunRecord | InFlightRunRecord> {
    const served = this.o.workflows.get(stored.workflow);
    if (this.o.engine && served) {
      const now = await this.o.engine.inspect(served.workflow, stored.runId).catch(() => undefined);
      if (now) return now;
    }
    return fromJournal(stored);
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
        // Engine runs go on without a server; a local run without one was cut short.
        status:
          r.status === "running" && !this.o.engine ? "interrupted" : (r.status as ServedStatus),
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
    this.detaching.abort();
    for (const e of this.runs.values()) {
      if (e.controller && !e.final) {
        // Engine runs are left to the workers; local ones are cancelled.
        if (!e.onEngine) e.controller.abort(new Error("the server is closing"));
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

/** The signal waits among a run's parked waits (a DAG's sleeps take no signal). */
function signalWaits(served: Served, waits: readonly WaitingNode[]): WaitingSignal[] {
  const graph = served.graph;
  return waits
    .filter(
      (w) =>
        graph.kind !== "dag" || graph.nodes.find((n) => n.name === w.node)?.wait?.for === "signal",
    )
    .map((w) => ({
      node: w.node,
      signal: w.node,
      since: new Date(w.since).toISOString(),
      ...(w.deadline !== undefined ? { deadline: new Date(w.deadline).toISOString() } : {}),
    }));
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
    case "run-signalled":
      live.nodes[e.node] = { ...live.nodes[e.node], status: "completed" };
      break;
    case "run-waiting":
      for (const w of e.waiting) live.nodes[w.node] = { ...live.nodes[w.node], status: "waiting" };
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
