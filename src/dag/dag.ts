import { randomUUID } from "../peers/builtins.js";
import { INPUT, type Graph } from "../graph/types.js";
import { InputError } from "../run/types.js";
import { assertValidGraph } from "../graph/validate.js";
import type { NodeOptions, RunOptions } from "../run/options.js";
import type { CheckpointStore } from "../run/store/types.js";
import { checkPlan } from "../plan/plan.js";
import type { ExecutionPlan } from "../plan/types.js";
import { prepare, type Prepared } from "../run/prepare.js";
import { schedule, type Gate, type Journal, type Preset, type RunState } from "../run/scheduler.js";
import { debugDag, type DagDebugOptions } from "../debug/dag.js";
import { selectNodes } from "../run/partial.js";
import { checkRunOptions } from "../run/check-options.js";
import { workflowCache } from "../run/default-cache.js";
import type { LruCache } from "../run/store/cache.js";
import { EventChannel } from "../run/event-channel.js";
import type { RunEvent } from "../run/types.js";
import type { AnyDag, Dag, DagRun, NodeImpl, RunStream } from "./dag-types.js";
import { DagRunResult } from "./run-result.js";
import { attachRunServices, type RunServices } from "../run/services.js";
import { signalRun } from "./signal.js";
import { admitInput, type InputSchemas } from "../run/validate-input.js";
import { checkBudget, openBudget, type BudgetMeter } from "../run/budget.js";
import type { SignalOptions } from "./wait.js";

/**
 * Makes a runnable DAG from a graph and its node implementations (what the builder and
 * `fromGraph` both end with). The graph must already be valid.
 */
export function createDag(
  graph: Graph,
  impls: Map<string, NodeImpl>,
  defaults?: NodeOptions<never, unknown>,
  schemas?: InputSchemas,
): AnyDag {
  return new DagImpl(graph, impls, defaults, undefined, undefined, schemas) as unknown as AnyDag;
}

/**
 * Rebuilds a runnable DAG from its graph IR and per-node implementations.
 *
 * @example
 * ```ts
 * const wf = dagFromGraph(graph, { load: { fn: load }, clean: { fn: clean } });
 * ```
 */
export function dagFromGraph(graph: Graph, impls: Record<string, NodeImpl>): AnyDag {
  assertValidGraph(graph);
  return createDag(graph, new Map(Object.entries(impls)));
}

/**
 * The scheduler's flat arrays of a built DAG (computed once and cached), for executors that run
 * its nodes elsewhere (the distributed engine).
 */
export function preparedOf(wf: AnyDag): Prepared {
  return (wf as unknown as DagImpl).prep();
}

class DagImpl {
  readonly kind = "dag";
  private prepared: Prepared | undefined;
  /** The default store of cached nodes: this built workflow's own (see `workflowCache`). */
  private readonly cacheStore: () => LruCache;
  constructor(
    readonly graph: Graph,
    private readonly impls: Map<string, NodeImpl>,
    private readonly defaults?: NodeOptions<never, unknown>,
    private readonly plan?: ExecutionPlan,
    cacheStore?: () => LruCache,
    /** The input's validators: a Standard Schema from `dag(name, { input })`, a JSON Schema. */
    private readonly schemas?: InputSchemas,
  ) {
    let store: LruCache | undefined;
    this.cacheStore = cacheStore ?? (() => (store ??= workflowCache()));
  }

  get name(): string {
    return this.graph.name;
  }

  /** Flat arrays for the scheduler, computed on first run. */
  prep(): Prepared {
    this.prepared ??= prepare(
      this.graph,
      this.impls,
      this.defaults ?? (this.graph.defaults as NodeOptions<never, unknown> | undefined),
      this.plan,
    );
    return this.prepared;
  }

  withPlan(plan: ExecutionPlan): DagImpl {
    checkPlan(plan, this.graph);
    // The same functions and closures: the same default cache.
    return new DagImpl(this.graph, this.impls, this.defaults, plan, this.cacheStore, this.schemas);
  }

  withInputSchema(schema: object): DagImpl {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new TypeError(
        `workflow '${this.name}': withInputSchema needs a JSON Schema object (NAME.input.schema.json)`,
      );
    }
    return new DagImpl(this.graph, this.impls, this.defaults, this.plan, this.cacheStore, {
      ...this.schemas,
      json: schema,
    });
  }

  impl(node: string): NodeImpl | undefined {
    return this.impls.get(node);
  }

  run(input?: unknown, options: RunOptions = {}): Promise<DagRun<unknown, unknown>> {
    try {
      const r = this.start(input, options, false);
      return Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  runSync(input?: unknown, options: RunOptions = {}): DagRun<unknown, unknown> {
    const r = this.start(input, options, true);
    if (r instanceof Promise) {
      throw new Error(`workflow '${this.name}': runSync needs synchronous nodes and stores`);
    }
    return r;
  }

  stream(input?: unknown, options: RunOptions = {}): RunStream<unknown, unknown> {
    const channel = new EventChannel<RunEvent>();
    const user = options.onEvent;
    const result = this.run(input, {
      ...options,
      onEvent: (e) => {
        try {
          user?.(e);
        } finally {
          // The consumer sees every event even when the caller's listener throws (which fails
          // the run: the result tells).
          channel.push(e);
          if (e.type === "run-complete") channel.close();
        }
      },
    });
    result.then(
      () => channel.close(),
      (e: unknown) => channel.fail(e),
    );
    return Object.assign(channel, { result }) as RunStream<unknown, unknown>;
  }

  debug(input: unknown, options?: DagDebugOptions<string>): ReturnType<typeof debugDag> {
    return debugDag(this, input, options);
  }

  /** A run that awaits `gate` before each node (the debugger). */
  runGated(input: unknown, options: RunOptions, gate: Gate): Promise<DagRun<unknown, unknown>> {
    try {
      return Promise.resolve(this.start(input, options, false, false, gate));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async resume(
    runId: string,
    options: RunOptions & { checkpoint: CheckpointStore },
  ): Promise<DagRun<unknown, unknown>> {
    return this.start(undefined, { ...options, runId }, false, true);
  }

  signal(
    runId: string,
    name: string,
    payload: unknown,
    options: SignalOptions,
  ): Promise<DagRun<unknown, unknown>> {
    return signalRun(this, runId, name, payload, options);
  }

  /** Starts a run; returns the result synchronously when the whole run was synchronous. */
  private start(
    input: unknown,
    options: RunOptions,
    sync: boolean,
    resuming = false,
    gate?: Gate,
  ): DagRunResult<unknown, unknown> | Promise<DagRunResult<unknown, unknown>> {
    const p = this.prep();
    checkRunOptions(p, options);
    if (options.budget !== undefined) checkBudget(options.budget);
    if (resuming) return this.begin(p, input, options, sync, true, gate);
    // Resumed runs continue with the input their first start admitted: not checked again.
    // Without schemas or input options (the common case) nothing is called, no label is built.
    const admitted =
      this.schemas === undefined &&
      options.validate === undefined &&
      options.maxInputBytes === undefined
        ? input
        : admitInput(
            `workflow '${this.name}'`,
            this.schemas,
            this.graph.input?.schema,
            input,
            options,
            sync,
          );
    if (admitted instanceof Promise) {
      return admitted.then((value: unknown) => {
        checkInput(this.graph, value);
        return this.begin(p, value, options, sync, false, gate);
      });
    }
    checkInput(this.graph, admitted);
    return this.begin(p, admitted, options, sync, false, gate);
  }

  private begin(
    p: Prepared,
    input: unknown,
    options: RunOptions,
    sync: boolean,
    resuming: boolean,
    gate: Gate | undefined,
  ): DagRunResult<unknown, unknown> | Promise<DagRunResult<unknown, unknown>> {
    const runId = options.runId ?? randomUUID();
    const services: RunServices | Promise<RunServices> = attachRunServices({
      workflow: this,
      prepared: p,
      runId,
      input,
      options,
      resuming,
    });
    const go = (
      svc: RunServices,
    ): DagRunResult<unknown, unknown> | Promise<DagRunResult<unknown, unknown>> => {
      // A resumed run keeps the budget (limits and counters) its checkpoint holds.
      if (options.budget === undefined && !resuming && options.replace !== true) {
        return scheduled(svc, undefined);
      }
      const meter = openBudget(
        options.budget,
        options.checkpoint,
        runId,
        resuming,
        options.replace === true,
      );
      return meter instanceof Promise
        ? meter.then((m) => scheduled(svc, m))
        : scheduled(svc, meter);
    };
    const scheduled = (
      svc: RunServices,
      budget: BudgetMeter | undefined,
    ): DagRunResult<unknown, unknown> | Promise<DagRunResult<unknown, unknown>> => {
      const runInput = svc.input;
      const presets: Map<number, Preset> | undefined = svc.presets;
      const selected = selectNodes(p, options);
      const journal: Journal | undefined = svc.journal;
      const state = schedule({
        prepared: p,
        input: runInput,
        options,
        runId,
        workflow: this.name,
        selected,
        presets,
        journal,
        sync,
        events: svc.events,
        listener: svc.listener,
        cache: this.cacheStore,
        waits: svc.waits,
        budget,
        gate,
      });
      const wrap = (
        s: RunState,
      ): DagRunResult<unknown, unknown> | Promise<DagRunResult<unknown, unknown>> => {
        const result = new DagRunResult<unknown, unknown>(p, s, this.name, runInput);
        const end = svc.finish?.(result);
        return end instanceof Promise ? end.then(() => result) : result;
      };
      return state instanceof Promise ? state.then(wrap) : wrap(state);
    };
    return services instanceof Promise ? services.then(go) : go(services);
  }
}

/**
 * The run input must be an object when nodes read its fields; a clear error here beats every
 * such node receiving `undefined`. (Field types are checked by the compiler's schema, and by
 * `weft run` before anything runs.)
 */
const inputFieldsCache = new WeakMap<Graph, string[]>();

export function checkInput(graph: Graph, input: unknown): void {
  if (typeof input === "object" && input !== null) return;
  let fields = inputFieldsCache.get(graph);
  if (!fields) {
    const set = new Set<string>();
    for (const e of graph.edges) {
      if (e.from === INPUT && e.port !== undefined) set.add(e.port.split(".")[0]);
    }
    fields = [...set];
    inputFieldsCache.set(graph, fields);
  }
  if (fields.length === 0) return;
  throw new InputError(
    `workflow '${graph.name}' needs an input object with ${fields.map((f) => `'${f}'`).join(", ")}; got ${input === null ? "null" : typeof input}`,
  );
}
