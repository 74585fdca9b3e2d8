import { parseRef } from "../graph/refs.js";
import { setOwn } from "../graph/reserved.js";
import type { Prepared } from "../run/prepare.js";
import { nodeVersions } from "../registry/check.js";
import type { RunState } from "../run/scheduler.js";
import { CACHE_HIT, CACHE_MISS, COMPLETED, statusName } from "../run/status.js";
import { readPort } from "../run/arguments.js";
import {
  RunFailedError,
  type NodeError,
  type RunMetrics,
  type RunRecord,
  type WaitingNode,
} from "../run/types.js";
import type { DagRun } from "./dag-types.js";
import type { Lookup, ResultRefCheck } from "./type-utils.js";

/** The result of one DAG run; built from the scheduler's flat state, metrics computed lazily. */
export class DagRunResult<R, O> implements DagRun<R, O> {
  private cachedMetrics: RunMetrics | undefined;
  constructor(
    private readonly p: Prepared,
    private readonly s: RunState,
    readonly workflow: string,
    private readonly input: unknown,
  ) {}

  get runId(): string {
    return this.s.runId;
  }
  get status(): DagRun<R, O>["status"] {
    return this.s.status;
  }
  get errors(): NodeError[] {
    return this.s.errors;
  }
  /** Saga compensations that ran (reverse completion order) and whether each succeeded. */
  get compensations(): { node: string; ok: boolean; error?: unknown }[] {
    return this.s.compensations;
  }
  get waiting(): WaitingNode[] {
    return this.s.waiting ?? [];
  }
  get output(): O | undefined {
    const o = this.p.output;
    return o >= 0 && this.s.statuses[o] === COMPLETED ? (this.s.values[o] as O) : undefined;
  }

  get metrics(): RunMetrics {
    if (this.cachedMetrics) return this.cachedMetrics;
    const { s, p } = this;
    const nodeMs: Record<string, number> = {};
    let executed = 0;
    let skipped = 0;
    let failed = 0;
    // Preset (resumed or reused) results were never started in this run.
    const started = new Uint8Array(p.n);
    for (const i of s.order) started[i] = 1;
    for (let i = 0; i < p.n; i++) {
      const st = s.statuses[i];
      if (st === COMPLETED || st === 4) {
        if (s.endMs[i] > 0) nodeMs[p.names[i]] = round(s.endMs[i] - s.startMs[i]);
      }
      if (st === COMPLETED && started[i] === 1) executed++;
      else if (st === 3) skipped++;
      else if (st === 4) failed++;
    }
    this.cachedMetrics = {
      totalMs: round(s.totalMs),
      nodeMs,
      executed,
      skipped,
      failed,
      order: Array.from(s.order, (i) => p.names[i]),
    };
    if (s.cached) {
      let hits = 0;
      let misses = 0;
      for (const c of s.cached) {
        if (c === CACHE_HIT) hits++;
        else if (c === CACHE_MISS) misses++;
      }
      this.cachedMetrics.cacheHits = hits;
      this.cachedMetrics.cacheMisses = misses;
    }
    return this.cachedMetrics;
  }

  get<const Ref extends string>(ref: Ref & ResultRefCheck<R, Ref>): Lookup<R, Ref> | undefined {
    const { node, port } = parseRef(ref);
    let v: unknown;
    if (node === "input") v = this.input;
    else {
      const i = this.p.index.get(node);
      if (i === undefined) {
        throw new RangeError(`workflow '${this.workflow}' has no node '${node}'`);
      }
      if (this.s.statuses[i] !== COMPLETED) return undefined;
      v = this.s.values[i];
      const kind = this.p.kinds[i];
      if (port !== undefined && (kind === "condition" || kind === "select")) {
        const [first, ...rest] = port.split(".");
        const b = v as { branch?: string; case?: string; value: unknown };
        if ((kind === "condition" ? b.branch : b.case) !== first) return undefined;
        return walk(b.value, rest) as Lookup<R, Ref>;
      }
    }
    return walk(v, port === undefined ? [] : port.split(".")) as Lookup<R, Ref>;
  }

  statusOf(node: string): ReturnType<DagRun<R, O>["statusOf"]> {
    const i = this.p.index.get(node);
    if (i === undefined) throw new RangeError(`workflow '${this.workflow}' has no node '${node}'`);
    return statusName(this.s.statuses[i]);
  }

  orThrow(): O {
    if (this.status !== "completed")
      throw new RunFailedError(this.workflow, this.status, this.errors);
    return this.output as O;
  }

  toJSON(): RunRecord {
    const { s, p } = this;
    const nodes: RunRecord["nodes"] = {};
    const versions = nodeVersions(p);
    for (let i = 0; i < p.n; i++) {
      const st = s.statuses[i];
      const rec: RunRecord["nodes"][string] = { status: statusName(st) };
      if (s.endMs[i] > 0) {
        rec.startMs = round(s.startMs[i]);
        rec.endMs = round(s.endMs[i]);
        rec.ms = round(s.endMs[i] - s.startMs[i]);
      }
      if (s.attempts[i] > 1) rec.attempts = s.attempts[i];
      if (st === COMPLETED && s.values[i] !== undefined) rec.result = s.values[i];
      if (s.skipReasons[i]) rec.skipReason = s.skipReasons[i];
      if (s.cached?.[i] === CACHE_HIT) rec.cached = true;
      const items = s.items?.get(i);
      if (items !== undefined) rec.stream = { items, journaled: false };
      const err = s.errors.find((e) => e.node === p.names[i]);
      if (err) rec.error = err.message;
      const version = versions?.[p.names[i]];
      if (version !== undefined) rec.version = version;
      setOwn(nodes, p.names[i], rec);
    }
    const out: RunRecord = {
      runId: s.runId,
      workflow: this.workflow,
      status: s.status,
      nodes,
      metrics: this.metrics,
      errors: s.errors.map((e) => ({ node: e.node, message: e.message })),
    };
    if (this.output !== undefined) out.output = this.output;
    if (s.waiting && s.status === "waiting") out.waiting = s.waiting;
    return out;
  }
}

function walk(v: unknown, path: string[]): unknown {
  for (const k of path) {
    if (v === undefined || v === null) return undefined;
    v = readPort(v, k);
  }
  return v;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
