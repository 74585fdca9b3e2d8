/**
 * The DAG scheduler. Event-driven: a node is decided (run or skip) the moment its last upstream
 * node resolves, and the ready node with the highest priority (longest remaining path) starts
 * first, up to the concurrency limit. Synchronous node results are handled inline, so a workflow
 * of synchronous functions runs without creating a promise (`runSync`).
 */
import type { BudgetExceededError, BudgetMeter } from "./budget.js";
import type { Prepared } from "./prepare.js";
import { argumentsOf, blockedBy } from "./arguments.js";
import { CACHE_HIT, COMPLETED, FAILED, PENDING, RUNNING, SKIPPED, WAITING } from "./status.js";
import type { CacheStoreLike, ErrorStrategy, RunOptions } from "./options.js";
import { executeNode, type ExecEnv } from "./execute.js";
import {
  ListenerError,
  NodeError,
  RUN_ERROR_NODE,
  StoreError,
  type NodeContext,
  type RunEvent,
  type RunStatus,
  type WaitingNode,
} from "./types.js";
import { Parked } from "./waits.js";
import { ReadyQueue } from "./ready-queue.js";
import { clearLongTimeout, setLongTimeout, type LongTimer } from "./timer.js";
import { StreamHub, streamIterator } from "../stream/hub.js";

/** Default `buffer` of a stream node. */
const STREAM_BUFFER = 16;

/** Start and end times of a run without per-node timings: none (reads give `undefined`). */
const UNTIMED = new Float64Array(0);

/** What `begin` returns when the node's call threw, or parked (both already handled). */
const THREW: unique symbol = Symbol("threw");

/** Results of earlier nodes injected before the run starts (resume, partial runs). */
export interface Preset {
  status: "completed" | "skipped";
  value?: unknown;
}

/** Hooks a journal (checkpoint store) attaches to a run. */
export interface Journal {
  /** Called when a node resolves, before its dependents are decided. May return a promise. */
  record(
    node: number,
    status: "completed" | "skipped" | "failed",
    value: unknown,
    ms: number,
  ): void | Promise<void>;
}

/** The raw outcome of a run, wrapped by `DagRun`. */
export interface RunState {
  runId: string;
  status: RunStatus;
  statuses: Uint8Array;
  values: unknown[];
  errors: NodeError[];
  skipReasons: (string | undefined)[];
  /** Per-node times since the run started; empty when the run takes no per-node timings. */
  startMs: Float64Array;
  endMs: Float64Array;
  attempts: Uint16Array;
  /** Nodes in the order they started. */
  order: Int32Array;
  /** Per node with a cache policy: CACHE_HIT or CACHE_MISS (0: not looked up); absent without one. */
  cached: Uint8Array | undefined;
  totalMs: number;
  compensations: { node: string; ok: boolean; error?: unknown }[];
  /** Wait nodes parked in this run (status `"waiting"` when nothing else could run). */
  waiting?: WaitingNode[];
  /** Stream nodes that started: how many items each produced. */
  items?: Map<number, number>;
}

export interface SchedulerInput {
  prepared: Prepared;
  input: unknown;
  options: RunOptions;
  runId: string;
  workflow: string;
  /** Nodes outside the run's selection (partial runs); they stay pending unless preset. */
  selected?: Uint8Array;
  presets?: Map<number, Preset>;
  journal?: Journal;
  /** Throw instead of awaiting when a node returns a promise (`runSync`). */
  sync?: boolean;
  events?: (e: RunEvent) => void;
  /** The workflow's default cache store, made on first use. */
  cache?: () => CacheStoreLike;
  /** Names `events` in the error a throw from it gives (default `onEvent`). */
  listener?: string;
  /** Wait nodes parked earlier in this run (resume): their `since` and deadline carry over. */
  waits?: Map<number, WaitingNode>;
  /** The run's budget: counts node starts and retries, and holds its wall-time deadline. */
  budget?: BudgetMeter;
  /**
   * Awaited before each node (other than a wait) starts, with its arguments; resolves to the
   * arguments to call it with (the debugger). Absent: nodes start at once, at no cost.
   */
  gate?: Gate;
}

/** See {@link SchedulerInput.gate}. */
export type Gate = (
  node: number,
  args: unknown,
  ctx: NodeContext,
  state: RunState,
) => PromiseLike<unknown>;

/**
 * Runs a prepared workflow. Returns the final state synchronously when every node was
 * synchronous and no journal write was asynchronous; a promise otherwise.
 */
export function schedule(inp: SchedulerInput): RunState | Promise<RunState> {
  return new Scheduler(inp).start();
}

class Scheduler implements ExecEnv {
  readonly p: Prepared;
  readonly input: unknown;
  readonly options: RunOptions;
  readonly runId: string;
  readonly workflow: string;
  readonly metadata: Record<string, unknown>;
  readonly emit: ((e: RunEvent) => void) | undefined = undefined;
  readonly controller = new AbortController();
  readonly budget: BudgetMeter | undefined;
  /** `controller.signal`, read once: the getter is a call. */
  private readonly signal = this.controller.signal;
  readonly state: RunState;
  private readonly remaining: Int32Array;
  private readonly failedUpstream: Uint8Array;
  /** 1 once some producer of the node resolved other than completed (skipped or failed). */
  private readonly upstreamNotOk: Uint8Array;
  private readonly decided: Uint8Array;
  private fused = -1;
  private lastRead = 0;
  private clockFresh = false;
  /** Plain task functions may be called directly (no events, not in threads mode). */
  private readonly direct: boolean;
  private fusedTrusted = false;
  /** Nothing observes single nodes (events, journal, presets, selection, release): see `follow`. */
  private readonly plain: boolean;
  /** Per-node start and end times are taken (`timings`, or anything that reports them). */
  private readonly timed: boolean;
  private readonly consumersLeft: Int32Array | undefined;
  private readonly ready: ReadyQueue;
  private readonly toDecide: number[] = [];
  private readonly limit: number;
  private running = 0;
  /** Nodes started so far (the filled part of `state.order`). */
  private started = 0;
  private stopping = false;
  private cancelled = false;
  private anyFailed = false;
  private stopReason = "";
  private readonly strategy: ErrorStrategy;
  private readonly t0 = performance.now();
  private resolveDone: ((s: RunState) => void) | undefined;
  private finished = false;
  /** Set while `drive` runs. */
  private driving = false;
  /** Set once the run has started to end (compensations may still be running). */
  private closing = false;
  private timer: LongTimer | undefined;
  private budgetTimer: LongTimer | undefined;
  private pendingJournal = 0;
  private completionOrder: number[] = [];
  private onAbort: (() => void) | undefined;
  /** Set once a listener or the checkpoint store failed: the run fails, reported once. */
  private faulted = false;
  /** Stream nodes running now, by node index. */
  private readonly hubs = new Map<number, StreamHub>();
  private readonly gate: Gate | undefined;

  constructor(private readonly inp: SchedulerInput) {
    const p = inp.prepared;
    this.p = p;
    this.input = inp.input;
    this.options = inp.options;
    this.runId = inp.runId;
    this.workflow = inp.workflow;
    this.metadata = inp.options.metadata ?? {};
    const events = inp.events;
    if (events) {
      // A listener that throws fails the run (see `listenerFailed`); it never unwinds the
      // scheduler midway through resolving a node.
      this.emit = (e) => {
        try {
          events(e);
        } catch (err) {
          this.listenerFailed(e, err);
        }
      };
    }
    this.strategy = inp.options.onError ?? "fail-fast";
    const mode = inp.options.mode ?? "parallel";
    const timed =
      inp.options.timings !== false || inp.events !== undefined || inp.journal !== undefined;
    this.limit =
      mode === "sequential" ? 1 : Math.max(1, inp.options.concurrency ?? Number.POSITIVE_INFINITY);
    this.state = {
      runId: inp.runId,
      status: "completed",
      statuses: new Uint8Array(p.n),
      values: new Array<unknown>(p.n),
      errors: [],
      // Filled only where a node is skipped.
      skipReasons: [],
      startMs: timed ? new Float64Array(p.n) : UNTIMED,
      endMs: timed ? new Float64Array(p.n) : UNTIMED,
      attempts: new Uint16Array(p.n),
      // Sized once and outside the JS heap: growing an array node by node costs as much as a
      // trivial node's scheduling, and the collector would copy it while the run lasts.
      order: new Int32Array(p.n),
      cached: p.anyCache ? new Uint8Array(p.n) : undefined,
      totalMs: 0,
      compensations: [],
    };
    this.remaining = p.predCount.slice();
    this.failedUpstream = new Uint8Array(p.n);
    this.upstreamNotOk = new Uint8Array(p.n);
    this.decided = new Uint8Array(p.n);
    if (inp.options.retain === "outputs") {
      this.consumersLeft = new Int32Array(p.n);
      for (let i = 0; i < p.n; i++) this.consumersLeft[i] = p.succOff[i + 1] - p.succOff[i];
    }
    this.ready = new ReadyQueue(p.priority);
    this.direct = !inp.events && inp.options.mode !== "threads";
    this.budget = inp.budget;
    this.plain =
      this.direct &&
      !inp.budget &&
      !inp.journal &&
      !inp.presets &&
      !inp.selected &&
      !inp.gate &&
      inp.options.retain !== "outputs" &&
      // A reader of a stream must settle through `afterResolve`, which lets go of the stream.
      !p.anyStream;
    this.timed = timed;
    this.gate = inp.gate;
  }

  start(): RunState | Promise<RunState> {
    const { p } = this;
    this.emit?.({ type: "run-start", runId: this.runId, workflow: this.workflow, at: now() });
    const ext = this.options.signal;
    if (ext) {
      if (ext.aborted) this.cancel(ext.reason);
      else {
        this.onAbort = () => this.cancel(ext.reason);
        ext.addEventListener("abort", this.onAbort, { once: true });
      }
    }
    if (this.options.timeoutMs !== undefined && !this.inp.sync) {
      this.timer = setLongTimeout(() => {
        this.stopRun(`run timed out after ${this.options.timeoutMs} ms`);
        this.controller.abort(
          new Error(`workflow '${this.workflow}' timed out after ${this.options.timeoutMs} ms`),
        );
        this.anyFailed = true;
        this.state.errors.push(
          new NodeError(RUN_ERROR_NODE, new Error(`timed out after ${this.options.timeoutMs} ms`)),
        );
        this.drive();
      }, this.options.timeoutMs);
    }
    if (this.budget) this.watchBudget(this.budget);
    // Roots first; presets (resumed or reused results) resolve as they are decided.
    for (const i of p.roots) this.toDecide.push(i);
    return this.drive() ?? this.donePromise();
  }

  private donePromise(): Promise<RunState> {
    return new Promise<RunState>((resolve) => {
      if (this.finished) resolve(this.state);
      else this.resolveDone = resolve;
    });
  }

  private resolvePreset(i: number, pre: Preset): void {
    const st = this.state;
    st.statuses[i] = pre.status === "completed" ? COMPLETED : SKIPPED;
    st.values[i] = pre.value;
    if (pre.status === "skipped") st.skipReasons[i] = "skipped in the earlier run";
    if (this.hubs.size > 0) this.leaveStreams(i);
    this.release(i);
  }

  /** Processes decisions and starts ready nodes until blocked; returns the state when finished. */
  private drive(): RunState | undefined {
    if (this.finished) return this.state;
    // A node that cancels its own run calls back in here: the drive in progress goes on instead.
    if (this.closing || this.driving) return undefined;
    this.driving = true;
    try {
      this.pump();
    } finally {
      this.driving = false;
    }
    if (
      this.running === 0 &&
      this.pendingJournal === 0 &&
      this.ready.size === 0 &&
      this.fused < 0 &&
      this.toDecide.length === 0
    ) {
      return this.finish();
    }
    return undefined;
  }

  private pump(): void {
    const toDecide = this.toDecide;
    for (;;) {
      const fused = this.fused;
      if (fused >= 0) {
        // The next link of a chain starts at once, in the slot its producer just freed.
        this.fused = -1;
        if (this.decide(fused, this.fusedTrusted) && this.running < this.limit) {
          this.launch(fused);
          continue;
        }
        if (this.state.statuses[fused] === PENDING && this.decided[fused]) this.ready.push(fused);
        continue;
      }
      if (toDecide.length > 0) {
        let k = 0;
        if (this.limit === Number.POSITIVE_INFINITY && this.ready.size === 0) {
          // Without a concurrency limit every ready node starts now. The nodes of one release
          // come highest priority first (successor lists are sorted), the order the queue would
          // give them, so they start unqueued, until a start or a skip releases more nodes: the
          // queue orders the rest.
          while (k < toDecide.length) {
            const released = toDecide.length;
            const j = toDecide[k++];
            if (this.decide(j)) this.launch(j);
            if (this.fused >= 0 || toDecide.length !== released) break;
          }
        }
        for (; k < toDecide.length; k++) {
          const j = toDecide[k];
          // A stream's readers start with it, whatever the concurrency limit: a reader left
          // queued would hold the stream, and every other reader, at a full buffer.
          if (this.decide(j)) {
            if (this.p.streamIn[j] === 1) this.launch(j);
            else this.ready.push(j);
          }
        }
        toDecide.length = 0;
      }
      if (this.fused >= 0) continue;
      if (this.running < this.limit && this.ready.size > 0) {
        this.launch(this.ready.pop());
        continue;
      }
      break;
    }
  }

  /** Resolves a node whose inputs are all settled; true when it should run. */
  private decide(i: number, producerCompleted = false): boolean {
    const st = this.state;
    if (st.statuses[i] !== PENDING || this.decided[i]) return false;
    this.decided[i] = 1;
    const pre = this.inp.presets?.get(i);
    if (pre) {
      this.resolvePreset(i, pre);
      return false;
    }
    if (this.inp.selected && !this.inp.selected[i]) {
      this.skip(i, "not selected for this partial run");
      return false;
    }
    const runIf = this.p.runIf[i];
    if (runIf === "any-failed") {
      if (!this.failedUpstream[i]) {
        this.skip(i, "no upstream node failed");
        return false;
      }
    } else if (runIf === "success") {
      if (this.stopping) {
        this.skip(i, this.stopReason);
        return false;
      }
      // A chain link whose only producer completed has nothing that could block it, nor has a
      // node of plain references whose producers all completed.
      const why =
        producerCompleted || (this.p.plainArgs[i] === 1 && this.upstreamNotOk[i] === 0)
          ? undefined
          : blockedBy(this.p, this.state, i);
      if (why !== undefined) {
        this.skip(i, why);
        return false;
      }
    }
    return true;
  }

  private skip(i: number, reason: string): void {
    const st = this.state;
    st.statuses[i] = SKIPPED;
    st.skipReasons[i] = reason;
    this.emit?.({ type: "node-skip", runId: this.runId, node: this.p.names[i], reason, at: now() });
    this.afterResolve(i, "skipped", undefined, 0);
  }

  /**
   * A budget that runs out fails the run as a fault does: nothing new starts and in-flight nodes
   * see their signal abort. The wall-time deadline fires on a timer (and is checked at each node
   * start, for runs that never yield to timers).
   */
  private watchBudget(budget: BudgetMeter): void {
    budget.onExceeded = (err) => {
      this.fault(err);
    };
    const deadline = budget.deadline;
    if (deadline === undefined || this.inp.sync) return;
    const left = deadline - Date.now();
    const fire = (): void => {
      // A timer may fire a little early by the wall clock: the deadline has passed regardless.
      budget.fail(budget.overTime(Math.max(Date.now(), deadline + 1)) as BudgetExceededError);
      this.drive();
    };
    if (left < 0) budget.fail(budget.overTime() as BudgetExceededError);
    else this.budgetTimer = setLongTimeout(fire, left + 1);
  }

  /** Marks `i` running and calls it: its result, or THREW when the call threw (already recorded). */
  private begin(i: number): unknown {
    const st = this.state;
    if (this.budget !== undefined) {
      const over = this.budget.startNode(this.p.names[i]);
      if (over) {
        // Not started: skipped, like every node the failed run never reaches.
        this.skip(i, `not started: ${over.message}`);
        return THREW;
      }
    }
    st.statuses[i] = RUNNING;
    st.order[this.started++] = i;
    if (this.timed) {
      // The clock read that ended the previous node (nothing but scheduling ran since) also starts
      // this one: reading the clock costs as much as a trivial node.
      st.startMs[i] = this.clockFresh ? this.lastRead : performance.now() - this.t0;
      this.clockFresh = false;
    }
    this.running++;
    const direct = this.direct ? this.p.direct[i] : undefined;
    try {
      // Reading arguments runs user code too (getters on outputs and on the input): a throw
      // there fails this node like a throw in its function.
      const args =
        this.p.streamIn[i] === 1
          ? this.cursorsFor(i, argumentsOf(this.p, this.state, this.input, i))
          : argumentsOf(this.p, this.state, this.input, i);
      if (this.consumersLeft) this.consumed(i);
      // The debugger pauses before ordinary nodes; waits park and streams open as usual.
      if (this.gate !== undefined && this.p.kinds[i] !== "wait" && this.p.kinds[i] !== "stream") {
        return this.gated(i, args, direct);
      }
      if (direct) {
        // A plain function and nobody listening: one call, nothing around it (no attempt count:
        // a node that ran with none made one attempt).
        return direct(args, this.contextFor(i, 1, this.signal));
      }
      if (this.p.kinds[i] === "stream") {
        this.openStream(i, args);
        return THREW;
      }
      const r = executeNode(this, i, args);
      if (r instanceof Parked) {
        this.park(i, r.wait);
        return THREW;
      }
      return r;
    } catch (e) {
      this.onFailure(i, e);
      return THREW;
    }
  }

  /**
   * Starts stream node `i`: its generator feeds a hub that its readers pull from. The readers are
   * released now; the node settles when the generator ended and every reader let go.
   */
  private openStream(i: number, args: unknown): void {
    const name = this.p.names[i];
    this.state.attempts[i] = 1;
    this.emit?.({ type: "node-start", runId: this.runId, node: name, attempt: 1, at: now() });
    if (this.inp.sync) {
      throw new Error(`stream '${name}' cannot run in runSync, which waits for nothing; use run()`);
    }
    const fn = this.p.impls[i].fn as ((a: unknown, c: NodeContext) => unknown) | undefined;
    if (!fn) throw new Error(`stream '${name}' has no function`);
    const it = streamIterator(name, fn(args, this.contextFor(i, 1, this.signal)));
    const emit = this.emit;
    const runId = this.runId;
    const hub = new StreamHub(it, {
      node: name,
      buffer: this.p.options[i]?.buffer ?? STREAM_BUFFER,
      consumers: this.p.succs[i],
      signal: this.signal,
      report: emit
        ? (items, done) => emit({ type: "node-items", runId, node: name, items, done, at: now() })
        : undefined,
    });
    this.hubs.set(i, hub);
    this.state.values[i] = hub;
    void hub.done.then((error) => this.closeStream(i, hub, error));
    this.release(i);
  }

  /** A stream ended: it completes, or fails with its generator's error (not journaled). */
  private closeStream(i: number, hub: StreamHub, error: unknown): void {
    const st = this.state;
    this.hubs.delete(i);
    // The items are gone: nothing to keep, nothing to journal.
    st.values[i] = undefined;
    (st.items ??= new Map()).set(i, hub.items);
    this.running--;
    const name = this.p.names[i];
    if (error === undefined) {
      const ms = this.completed(i, undefined);
      this.emit?.({ type: "node-complete", runId: this.runId, node: name, ms, at: now() });
    } else {
      const err = new NodeError(name, error, 1);
      this.recordFailure(i, err);
      const strategy = this.strategy;
      if (typeof strategy === "function" && !this.stopping) {
        // A handler's `{ value }` cannot stand in for items already gone: it counts as continue.
        let decision;
        try {
          decision = strategy(name, err, { runId: this.runId });
        } catch {
          decision = "stop" as const;
        }
        if (decision === "stop") this.stopRun(`run stopped after '${name}' failed`);
      } else if (strategy === "fail-fast" && !this.cancelled && !this.stopping) {
        this.stopRun(`run stopped after '${name}' failed`);
        this.controller.abort(err);
      }
    }
    this.drive();
  }

  /** Node `i`'s arguments with each stream replaced by `i`'s own reader of it. */
  private cursorsFor(i: number, args: unknown): unknown {
    if (args instanceof StreamHub) return args.cursor(i);
    if (typeof args !== "object" || args === null) return args;
    const rec = args as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      const v = rec[key];
      if (v instanceof StreamHub) rec[key] = v.cursor(i);
      else if (typeof v === "object" && v !== null && "from" in v && "value" in v) {
        const picked = v as { from: unknown; value: unknown };
        if (picked.value instanceof StreamHub) {
          rec[key] = { from: picked.from, value: picked.value.cursor(i) };
        }
      }
    }
    return rec;
  }

  /** Node `i` settled: it reads no more from the streams it was given. */
  private leaveStreams(i: number): void {
    for (const s of this.p.preds[i]) this.hubs.get(s)?.leave(i);
  }

  /** `begin` past the gate: the node starts once the gate lets it, with the arguments it gives. */
  private async gated(
    i: number,
    args: unknown,
    direct: Prepared["direct"][number] | undefined,
  ): Promise<unknown> {
    const use = await (this.gate as Gate)(i, args, this.contextFor(i, 1, this.signal), this.state);
    // Time spent at the gate is not the node's.
    if (this.timed) this.state.startMs[i] = performance.now() - this.t0;
    this.clockFresh = false;
    if (direct) return direct(use, this.contextFor(i, 1, this.signal));
    return executeNode(this, i, use);
  }

  /** A wait node that parked: it stays unsettled, and nothing downstream of it is released. */
  private park(i: number, wait: WaitingNode): void {
    this.running--;
    this.state.statuses[i] = WAITING;
    (this.state.waiting ??= []).push(wait);
  }

  private launch(i: number): void {
    const result = this.begin(i);
    if (result === THREW) return;
    if (!isPromiseLike(result)) return this.onSuccess(i, result);
    if (this.inp.sync) {
      // Nobody will wait for it: its eventual rejection is this failure, not an unhandled one.
      try {
        result.then(undefined, noop);
      } catch {
        // A thenable whose `then` throws has nothing left to handle.
      }
      return this.onFailure(
        i,
        new Error(
          `node '${this.p.names[i]}' returned a promise, which runSync cannot wait for; use run()`,
        ),
      );
    }
    if (this.p.chainNext[i] >= 0) {
      void this.follow(i, result);
      return;
    }
    try {
      result.then(
        (v) => {
          this.onSuccess(i, v);
          this.drive();
        },
        (e: unknown) => {
          this.onFailure(i, e);
          this.drive();
        },
      );
    } catch (e) {
      // A thenable whose `then` throws.
      this.onFailure(i, e);
    }
  }

  /**
   * Awaits a node's promise, then starts the rest of its fused chain in the same loop, so a chain
   * of async nodes costs one `await` per node, as a hand-written loop does.
   */
  private async follow(i: number, pending: PromiseLike<unknown>): Promise<void> {
    const { laneNext, direct } = this.p;
    const st = this.state;
    for (;;) {
      let value: unknown;
      try {
        value = await pending;
      } catch (e) {
        this.onFailure(i, e);
        break;
      }
      let next = laneNext[i];
      if (next >= 0 && this.plain && !this.stopping) {
        // A link of a fused chain in a run nobody observes: `next` has no other input and nothing
        // (preset, selection, failure) can hold it back, so `i` ends and `next` starts right here,
        // without the release and decision a queued node goes through.
        this.completed(i, value);
        if (this.failedUpstream[i] === 1) this.failedUpstream[next] = 1;
        if (this.timed) {
          st.startMs[next] = this.lastRead;
          this.clockFresh = false;
        }
        // `next` is never decided nor counted down: its only producer is `i`, which releases
        // nothing. The call is `begin`'s direct path written out without what only queued nodes
        // need; going through `begin` makes a 10,000-node async chain about a tenth slower.
        st.statuses[next] = RUNNING;
        st.order[this.started++] = next;
        let result: unknown;
        try {
          // laneNext only links to nodes with a direct function.
          result = (direct[next] as NonNullable<(typeof direct)[number]>)(
            argumentsOf(this.p, st, this.input, next),
            this.contextFor(next, 1, this.signal),
          );
        } catch (e) {
          this.onFailure(next, e);
          break;
        }
        if (!isPromiseLike(result)) {
          this.onSuccess(next, result);
          break;
        }
        i = next;
        pending = result;
        continue;
      }
      next = this.p.chainNext[i];
      this.onSuccess(i, value);
      if (this.fused !== next || next < 0 || this.closing) break;
      this.fused = -1;
      if (!this.decide(next, this.fusedTrusted)) break;
      if (this.running >= this.limit) {
        this.ready.push(next);
        break;
      }
      const result = this.begin(next);
      if (result === THREW) break;
      if (!isPromiseLike(result)) {
        this.onSuccess(next, result);
        break;
      }
      i = next;
      pending = result;
    }
    this.drive();
  }

  /** Releases upstream values whose last consumer has now taken its arguments. */
  private consumed(i: number): void {
    const left = this.consumersLeft;
    if (!left) return;
    for (const j of this.p.preds[i]) {
      // The output, and results a compensation may still need, are kept.
      if (--left[j] === 0 && j !== this.p.output && !this.p.options[j]?.compensate) {
        this.state.values[j] = undefined;
      }
    }
  }

  private onSuccess(i: number, value: unknown): void {
    const kind = this.p.kinds[i];
    if (kind !== "task") {
      const why = this.badResult(i, kind, value);
      if (why !== undefined) return this.onFailure(i, why);
    }
    this.running--;
    const ms = this.completed(i, value);
    if (this.emit) {
      const node = this.p.names[i];
      if (this.state.cached?.[i] === CACHE_HIT) {
        this.emit({ type: "node-complete", runId: this.runId, node, ms, at: now(), cached: true });
      } else this.emit({ type: "node-complete", runId: this.runId, node, ms, at: now() });
    }
    this.afterResolve(i, "completed", value, ms);
  }

  /** Why a condition's or select's result is not what it must return (reading it may throw). */
  private badResult(i: number, kind: string, value: unknown): unknown {
    try {
      if (kind === "condition" && !isBranch(value)) {
        return new TypeError(`condition '${this.p.names[i]}' must return branch(cond, value)`);
      }
      if (kind === "select" && !isSelected(value)) {
        return new TypeError(`select '${this.p.names[i]}' must return select(caseName, value)`);
      }
    } catch (e) {
      return e ?? new Error(`${kind} '${this.p.names[i]}' result threw ${String(e)} when read`);
    }
    return undefined;
  }

  /** Records a node's value and end time; its duration in ms (0 without timings). */
  private completed(i: number, value: unknown): number {
    const st = this.state;
    st.statuses[i] = COMPLETED;
    st.values[i] = value;
    if (this.p.anyCompensate) this.completionOrder.push(i);
    if (!this.timed) return 0;
    st.endMs[i] = this.lastRead = performance.now() - this.t0;
    this.clockFresh = true;
    return st.endMs[i] - st.startMs[i];
  }

  private onFailure(i: number, e: unknown): void {
    const st = this.state;
    this.running--;
    const name = this.p.names[i];
    const err =
      e instanceof NodeError && e.node === name ? e : new NodeError(name, e, st.attempts[i] || 1);
    const strategy = this.strategy;
    if (typeof strategy === "function" && !this.stopping) {
      let decision;
      try {
        decision = strategy(name, err, { runId: this.runId });
      } catch (handlerError) {
        decision = "stop" as const;
        err.message += ` (and the error handler threw: ${String(handlerError)})`;
      }
      if (typeof decision === "object" && decision !== null) {
        this.running++;
        return this.onSuccess(i, decision.value);
      }
      this.recordFailure(i, err);
      if (decision === "stop") this.stopRun(`run stopped after '${name}' failed`);
    } else {
      this.recordFailure(i, err);
      if (strategy === "fail-fast" && !this.cancelled) {
        this.stopRun(`run stopped after '${name}' failed`);
        this.controller.abort(err);
      }
    }
    this.afterResolve(i, "failed", undefined, this.timed ? st.endMs[i] - st.startMs[i] : 0);
  }

  private recordFailure(i: number, err: NodeError, endMs = performance.now() - this.t0): void {
    const st = this.state;
    st.statuses[i] = FAILED;
    if (this.timed) st.endMs[i] = endMs;
    st.errors.push(err);
    this.anyFailed = true;
    this.emit?.({
      type: "node-fail",
      runId: this.runId,
      node: this.p.names[i],
      error: err,
      at: now(),
    });
  }

  private stopRun(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopReason = reason;
    // Ready nodes that only run on success will never start now.
    const keep: number[] = [];
    while (this.ready.size > 0) {
      const j = this.ready.pop();
      if (this.p.runIf[j] === "success") this.skip(j, reason);
      else keep.push(j);
    }
    for (const j of keep) this.ready.push(j);
  }

  private cancel(reason: unknown): void {
    if (this.finished || this.closing) return;
    this.cancelled = true;
    this.stopRun("run cancelled");
    this.controller.abort(reason ?? new Error("run cancelled"));
    this.drive();
  }

  private afterResolve(
    i: number,
    status: "completed" | "skipped" | "failed",
    value: unknown,
    ms: number,
  ): void {
    if (this.hubs.size > 0) this.leaveStreams(i);
    const journal = this.inp.journal;
    if (journal) {
      let r: void | Promise<void>;
      try {
        r = journal.record(i, status, value, ms);
      } catch (e) {
        return this.journalFailed(i, status, e);
      }
      if (isPromiseLike(r)) {
        this.pendingJournal++;
        r.then(
          () => {
            this.pendingJournal--;
            // The write took time: what starts next reads the clock afresh.
            this.clockFresh = false;
            this.release(i);
            this.drive();
          },
          (e: unknown) => {
            this.pendingJournal--;
            this.journalFailed(i, status, e);
            this.drive();
          },
        );
        return;
      }
    }
    this.release(i);
  }

  /**
   * A journal write that failed. A value the store cannot encode fails the node (by the run's
   * error strategy); any other store error fails the run, since its journal can no longer be
   * trusted for a resume. A completed node whose write failed counts as failed either way.
   */
  private journalFailed(i: number, status: string, e: unknown): void {
    const st = this.state;
    const name = this.p.names[i];
    const unstorable = e instanceof Error && e.name === "UnstorableValueError";
    if (status === "completed") {
      st.values[i] = undefined;
      const cause = unstorable ? e : new StoreError(name, status, e);
      const err = new NodeError(name, cause);
      this.recordFailure(i, err, st.endMs[i]);
      if (unstorable && this.strategy === "fail-fast") {
        this.stopRun(`run stopped after '${name}' failed`);
        this.controller.abort(err);
      }
      if (!unstorable) this.fault(cause as Error);
    } else this.fault(new StoreError(name, status, e));
    this.release(i);
  }

  /**
   * Something outside every node failed (an event listener, the checkpoint store): the run stops
   * as fail-fast does and ends `failed` with `err` among its errors. Reported once.
   */
  private fault(err: Error): void {
    if (this.faulted) return;
    this.faulted = true;
    this.anyFailed = true;
    this.state.errors.push(new NodeError(RUN_ERROR_NODE, err));
    if (this.closing) {
      // The run had already ended (a listener of `run-complete`).
      this.state.status = "failed";
      return;
    }
    this.stopRun(`run stopped: ${err.message}`);
    this.controller.abort(err);
  }

  private listenerFailed(e: RunEvent, err: unknown): void {
    this.fault(
      err instanceof ListenerError
        ? err
        : new ListenerError(this.inp.listener ?? "onEvent", e, err),
    );
  }

  /** Decrements dependents' counters and queues those whose inputs are all resolved. */
  private release(i: number): void {
    const st = this.state;
    const failed = st.statuses[i] === FAILED || this.failedUpstream[i] === 1;
    const notOk = st.statuses[i] !== COMPLETED;
    const { chainNext, succOff, succAt } = this.p;
    const next = chainNext[i];
    for (let k = succOff[i], end = succOff[i + 1]; k < end; k++) {
      const j = succAt[k];
      if (failed) this.failedUpstream[j] = 1;
      if (notOk) this.upstreamNotOk[j] = 1;
      if (--this.remaining[j] === 0) {
        if (j === next && this.fused < 0) {
          this.fused = j;
          this.fusedTrusted = st.statuses[i] === COMPLETED;
        } else this.toDecide.push(j);
      }
    }
  }

  /** Ends the run; `undefined` while compensations are still running (the promise settles then). */
  private finish(): RunState | undefined {
    const st = this.state;
    this.closing = true;
    if (this.timer) clearLongTimeout(this.timer);
    if (this.budgetTimer) clearLongTimeout(this.budgetTimer);
    if (this.onAbort) this.options.signal?.removeEventListener("abort", this.onAbort);
    st.status = this.cancelled
      ? "cancelled"
      : st.waiting && !this.stopping
        ? "waiting"
        : !this.anyFailed
          ? "completed"
          : this.stopping
            ? "failed"
            : "partial";
    st.totalMs = performance.now() - this.t0;
    // A view costs as much as a small run: only when some nodes never started.
    if (this.started < st.order.length) st.order = st.order.subarray(0, this.started);
    // A waiting run has not ended: nothing is compensated yet.
    const compensate = this.anyFailed && st.status !== "waiting" ? this.compensations() : undefined;
    const done = (): RunState => {
      this.finished = true;
      if (st.status === "waiting") {
        this.emit?.({
          type: "run-waiting",
          runId: this.runId,
          waiting: st.waiting ?? [],
          at: now(),
        });
      }
      // A failing listener of `run-complete` still fails the run (see `fault`).
      this.emit?.({
        type: "run-complete",
        runId: this.runId,
        status: st.status,
        ms: st.totalMs,
        at: now(),
      });
      this.resolveDone?.(st);
      return st;
    };
    if (compensate) {
      void compensate.then(done);
      return undefined;
    }
    return done();
  }

  /** Saga compensation: completed nodes' `compensate` in reverse completion order. */
  private compensations(): Promise<void> | undefined {
    const todo = this.completionOrder.filter((i) => this.p.options[i]?.compensate);
    if (todo.length === 0) return undefined;
    const run = async (): Promise<void> => {
      for (const i of todo.reverse()) {
        const fn = this.p.options[i]?.compensate as (r: unknown, c: NodeContext) => unknown;
        const name = this.p.names[i];
        try {
          await fn(this.state.values[i], this.contextFor(i, 1, new AbortController().signal));
          this.state.compensations.push({ node: name, ok: true });
        } catch (error) {
          this.state.compensations.push({ node: name, ok: false, error });
        }
      }
    };
    return run();
  }

  contextFor(i: number, attempt: number, signal: AbortSignal): NodeContext {
    const node = this.p.names[i];
    return {
      signal,
      runId: this.runId,
      node,
      attempt,
      metadata: this.metadata,
      emit: this.emit ? progressEmitter(this.emit, this.runId, node) : noop,
    };
  }

  cache(): CacheStoreLike {
    if (!this.inp.cache) throw new Error(`workflow '${this.workflow}' has no default cache store`);
    return this.inp.cache();
  }

  get runSignal(): AbortSignal {
    return this.signal;
  }

  get sync(): boolean {
    return this.inp.sync === true;
  }

  get waits(): Map<number, WaitingNode> | undefined {
    return this.inp.waits;
  }
}

function noop(): void {}

/**
 * `ctx.emit` for a run with listeners. A closure of its own: one made inside `contextFor` would
 * make every call of it allocate the captured variables, listeners or not.
 */
function progressEmitter(
  emit: (e: RunEvent) => void,
  runId: string,
  node: string,
): NodeContext["emit"] {
  return (progress) => emit({ type: "progress", runId, node, progress, at: now() });
}

function now(): number {
  return performance.now();
}

/**
 * Whether `v` is a promise to await. Never throws: a `then` getter that throws counts as a
 * thenable, so awaiting it (which reads `then` again) turns the throw into the node's failure.
 */
export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  if (typeof v !== "object" || v === null) return false;
  try {
    return typeof (v as { then?: unknown }).then === "function";
  } catch {
    return true;
  }
}

export function isBranch(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    ((v as { branch?: unknown }).branch === "true" ||
      (v as { branch?: unknown }).branch === "false")
  );
}

export function isSelected(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof (v as { case?: unknown }).case === "string";
}
