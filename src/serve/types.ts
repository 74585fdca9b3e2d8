/** What `weft/serve` takes and gives: served workflows, server options, audit entries. */
import type { Graph } from "../graph/types.js";
import type { CheckpointStore, SnapshotStore } from "../run/store/types.js";
import type { InFlightRunRecord, RunEvent, RunRecord } from "../run/types.js";

/** The options the server passes to a workflow's `run` and `resume`. */
export interface ServeRunOptions {
  runId: string;
  checkpoint: CheckpointStore;
  signal: AbortSignal;
  onEvent(event: RunEvent): void;
  /** Who started the run (the token's name), for the store's audit trail. */
  actor?: string;
}

/**
 * What the server needs of a workflow: a DAG (`dag(...).build()`) or a function-return state
 * machine (`fsm(...).build()`) fits as is. Event-driven machines are driven by `send` and have
 * no `run`, so they cannot be served.
 */
export interface ServableWorkflow {
  readonly kind: "dag" | "fsm";
  readonly name: string;
  readonly graph: Graph;
  // Method syntax on purpose: a typed workflow's `run(input: I, ...)` then fits `never`.
  run(input: never, options: ServeRunOptions): Promise<{ toJSON(): RunRecord }>;
  resume?(runId: string, options: ServeRunOptions): Promise<{ toJSON(): RunRecord }>;
  /** Continues a run parked on a wait (`wf.signal`); `POST /runs/:id/signals/:name` uses it. */
  signal?(
    runId: string,
    name: never,
    payload: never,
    options: ServeRunOptions,
  ): Promise<{ toJSON(): RunRecord }>;
}

/** A served workflow with what the server cannot read from the workflow itself. */
export interface WorkflowEntry {
  workflow: ServableWorkflow;
  /**
   * The graph to show (workflow list, diagrams, live page): e.g. the compiler's, with types,
   * docs and source locations. Default: the workflow's own. Runs use the workflow.
   */
  graph?: Graph;
  /**
   * JSON Schema of the run input. Default: the graph's own (`graph.input.schema`, present on
   * graphs the compiler produced). Without one, any JSON input is accepted.
   */
  inputSchema?: object;
  /** Turns validated JSON into the run input (e.g. ISO strings into `Date`s). */
  prepareInput?(input: unknown): unknown;
  /**
   * JSON Schema of each signal wait's payload, by wait name (`weft serve` derives them from the
   * `signal<T>()` types). A signal whose payload does not match is refused with 400. Waits
   * without one accept any JSON payload.
   */
  signalSchemas?: Readonly<Record<string, object>>;
  /** Turns a validated signal payload into what the wait receives (e.g. ISO strings into `Date`s). */
  prepareSignal?(name: string, payload: unknown): unknown;
}

/**
 * What the server needs of a distributed engine to run workflows on it: `redisEngine()` from
 * `weftjs/distributed` fits as is. The server starts runs on it, follows them by reading their
 * state (`inspect`) and cancels them; workers (`engine.worker`, `weft worker`) run the nodes.
 *
 * @example
 * ```ts
 * import { redisEngine, redisStore } from "weftjs/distributed";
 * const engine = redisEngine({ connection: "redis://127.0.0.1:6379" });
 * await serve({ workflows: [etl], engine, store: redisStore({ prefix: "weft:serve" }) });
 * ```
 */
export interface ServeEngine {
  start(wf: never, input: never, options: { runId: string }): Promise<{ runId: string }>;
  inspect(
    wf: { readonly kind: "dag" | "fsm"; readonly name: string },
    runId: string,
  ): Promise<RunRecord | InFlightRunRecord | undefined>;
  cancel(runId: string): Promise<boolean>;
}

/** One line of the audit log. */
export interface AuditEntry {
  /** ISO 8601 time. */
  at: string;
  action: "run.start" | "run.cancel" | "run.signal";
  runId: string;
  workflow: string;
  /** `run.signal`: the wait the signal was sent to. */
  signal?: string;
  /** The name of the token that authorized the request; `"anonymous"` without auth. */
  actor: string;
  /** The client's address. */
  ip?: string;
  userAgent?: string;
  idempotencyKey?: string;
}

/** A store the server can keep run records and event logs in (the built-in ones are both). */
export type ServeStore = CheckpointStore & Partial<SnapshotStore>;

/**
 * Options of {@link createServeApp} and {@link serve}.
 *
 * @example
 * ```ts
 * const server = await serve({ workflows: [etl], store: sqliteStore("runs.db"), token: "s3cret", port: 8080 });
 * ```
 */
export interface ServeOptions {
  /** The workflows to serve, by their graph name. */
  workflows: readonly (ServableWorkflow | WorkflowEntry)[];
  /**
   * Where runs are journaled, and where finished runs' records and event logs are kept so they
   * can be read after a restart. Default: a memory store (nothing survives the process).
   */
  store?: ServeStore;
  /**
   * Bearer token(s) every endpoint but `/health` requires: one token, or tokens by the name the
   * audit log records for them (`{ ci: "…", alice: "…" }`). Default: no authentication.
   */
  token?: string | Readonly<Record<string, string>>;
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Audit log: a file to append JSON lines to, or a function given each entry. */
  audit?: string | ((entry: AuditEntry) => void);
  /**
   * Runs the store shows as started but not finished (the process that ran them stopped) are
   * resumed when the server starts, if their workflow is served; completed nodes are not run
   * again. `false` leaves them, reported as `"interrupted"`. Default `true`.
   */
  resumeInterrupted?: boolean;
  /** How many finished runs keep their record and event log in memory. Default 1000. */
  retainRuns?: number;
  /** Attempts to deliver a run's record to its `callbackUrl`. Default 3. */
  callbackAttempts?: number;
  /** Time limit of one callback request in ms. Default 10000. */
  callbackTimeoutMs?: number;
  /**
   * Run workflows on a distributed engine (`redisEngine()` from `weftjs/distributed`) instead of
   * in this process. Runs then outlive the server: closing it stops following them (they are not
   * cancelled), and a server started later on the same `store` follows the unfinished ones
   * again. Give a store the engine's processes share too (`redisStore()`), so run records,
   * event logs and idempotency keys are kept next to the runs.
   */
  engine?: ServeEngine;
  /** How often the server reads the state of an engine run it follows, in ms. Default 100. */
  pollMs?: number;
  /** Receives errors the server answered with a 500 (default: written to stderr). */
  onError?(error: unknown): void;
}
