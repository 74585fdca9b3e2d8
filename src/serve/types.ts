/** What `weft/serve` takes and gives: served workflows, server options, audit entries. */
import type { Graph } from "../graph/types.js";
import type { CheckpointStore, SnapshotStore } from "../run/store/types.js";
import type { RunEvent, RunRecord } from "../run/types.js";

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
}

/** A served workflow with what the server cannot read from the workflow itself. */
export interface WorkflowEntry {
  workflow: ServableWorkflow;
  /**
   * JSON Schema of the run input. Default: the graph's own (`graph.input.schema`, present on
   * graphs the compiler produced). Without one, any JSON input is accepted.
   */
  inputSchema?: object;
  /** Turns validated JSON into the run input (e.g. ISO strings into `Date`s). */
  prepareInput?(input: unknown): unknown;
}

/** One line of the audit log. */
export interface AuditEntry {
  /** ISO 8601 time. */
  at: string;
  action: "run.start" | "run.cancel";
  runId: string;
  workflow: string;
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
  /** Receives errors the server answered with a 500 (default: written to stderr). */
  onError?(error: unknown): void;
}
