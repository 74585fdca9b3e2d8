/**
 * The graph IR: the one model of a workflow that every part of weft shares.
 *
 * The DAG and FSM builders produce it at run time, the compiler produces it from source without
 * running anything, and plans, the scheduler, serializers and diagram emitters consume it. It is
 * plain data (JSON-serializable): functions never live here, only references to them.
 *
 * @example
 * ```ts
 * const g: Graph = {
 *   version: 1, kind: "dag", name: "etl",
 *   nodes: [{ name: "load", kind: "task" }, { name: "clean", kind: "task" }],
 *   edges: [{ from: "input", port: "path", to: "load", param: "path" },
 *           { from: "load", to: "clean", param: "rows" }],
 * };
 * ```
 */

/** Name of the pseudo-node that holds the run input of a DAG. */
export const INPUT = "input";

/** What a node does. */
export type NodeKind =
  /** An ordinary function node. */
  | "task"
  /** Returns `branch(cond, value)`; ports `true` / `false`. */
  | "condition"
  /** Returns `select(case, value)`; ports are the case names. */
  | "select"
  /** Joins on the first non-skipped input of a list (`.any`). */
  | "any"
  /** Runs its function once per item of an array (`.map`). */
  | "map"
  /** Runs a nested workflow (`.sub`). */
  | "sub"
  /** A state of a state machine. */
  | "state"
  /** Parks the run until a signal arrives or a deadline passes (`.wait`, `.sleep`). */
  | "wait"
  /**
   * An async generator whose items flow to its dependents while it runs (`.stream`): they start
   * when it starts and read an `AsyncIterable` through a bounded buffer. Its output is not
   * journaled.
   */
  | "stream";

/** When a node runs, relative to the fate of its upstream nodes. */
export type RunIf = "success" | "always" | "any-failed";

/** Where something was declared in source. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** Where a node's function lives, when it is a named (imported or exported) function. */
export interface FunctionRef {
  /** The function's own name, if it has one. */
  name?: string;
  /** Module path (relative to the compiled project's root, or a package specifier). */
  module?: string;
  /** Export name in `module`. */
  export?: string;
  /**
   * The semver version or range of the function the node needs, resolved by `fromGraph` against
   * a versioned registry (`registry()`): `"^1.2"`, `"2"`, `"1.2.0"`. In a YAML or JSON graph,
   * `fn: "resize@^1.2"` is short for `{ name: "resize", version: "^1.2" }`. The compiler
   * records it from a `@version` doc tag on the function, or a `reg.use("name@range")` call.
   */
  version?: string;
}

/** Retry policy as data. `attempts` counts every try, the first included. */
export interface RetryData {
  attempts: number;
  delayMs?: number;
  backoff?: number;
  maxDelayMs?: number;
  jitter?: boolean | number;
}

/**
 * The data part of a node's options. Functions in options (hooks, predicates, cache keys,
 * compensations) are runtime-only and never appear here; their presence is recorded as `true`
 * under `has` so diagrams and the compiler can show them.
 */
export interface NodeOptionsData {
  retry?: RetryData;
  timeoutMs?: number;
  runIf?: RunIf;
  /** Map fan-out concurrency limit. */
  concurrency?: number;
  /** Stream nodes: how many items may wait for the slowest consumer (default 16). */
  buffer?: number;
  cache?: { ttlMs?: number };
  /** Fallback value used when the node fails (JSON-able). */
  fallback?: unknown;
  circuitBreaker?: { threshold?: number; resetMs?: number; name?: string };
  /** Estimated cost (any unit, e.g. ms) used for scheduling priorities. */
  cost?: number;
  /** `mode: "threads"`: whether the node runs in a worker thread. */
  thread?: boolean;
  /** Runtime-only option functions that are present: `{ hooks: true, compensate: true }`. */
  has?: Record<string, true>;
}

/**
 * What a `wait` node waits for: a signal (`.wait`; its `timeoutMs` option bounds the wait) or a
 * durable sleep of `ms` (`.sleep`).
 */
export type WaitData = { for: "signal" } | { for: "sleep"; ms: number };

/** A node (or an FSM state) of the graph. */
export interface GraphNode {
  name: string;
  kind: NodeKind;
  /**
   * Named output ports besides the fields of the output object: `["true", "false"]` for a
   * condition, the case names of a select (when known).
   */
  ports?: string[];
  options?: NodeOptionsData;
  fn?: FunctionRef;
  /** For `wait` nodes: what ends the wait (see {@link WaitData}). */
  wait?: WaitData;
  /** For `sub` nodes: the nested workflow's graph. */
  subgraph?: Graph;
  /** For FSM states: the states this state's handler can transition to, where known. */
  targets?: string[];
  /** For FSM states: whether the handler can `stop`, where known. */
  canStop?: boolean;
  /** TypeScript type text of the node's output (from the compiler). */
  type?: string;
  source?: SourceLocation;
  /** The node's doc comment. */
  doc?: string;
}

/**
 * An edge. In a DAG it carries data from `from` (optionally its `port`: a field of the output, a
 * branch or a select case; `a.b` for a nested field) into argument `param` of `to`; an edge with
 * no `param` passes the value as the whole argument (`.then`, a whole-input `.sub`). For `.any`
 * joins, every candidate of the list is an edge to the same `param`, ordered by `index`.
 * In an FSM it is a transition from state `from` to state `to` (on `event`, if event-driven).
 */
export interface GraphEdge {
  from: string;
  port?: string;
  to: string;
  param?: string;
  /** Position in an `.any` list. */
  index?: number;
  /** TypeScript type text of what flows (from the compiler). */
  type?: string;
  /** FSM: the event that triggers this transition (event-driven machines). */
  event?: string;
  /** FSM: the transition has a guard. */
  guard?: boolean;
  /** FSM: the transition has an action. */
  action?: boolean;
  /** FSM: the transition's source was the wildcard `*`. */
  wildcard?: boolean;
}

/** FSM-only settings. */
export interface FsmData {
  initial: string;
  terminal: string[];
  maxCycles?: number;
  /** Event-driven machines: the declared events. */
  events?: string[];
  /** `"function"`: handlers return `next`/`stop`; `"event"`: transitions on events. */
  style: "function" | "event";
}

/** A whole workflow. */
export interface Graph {
  version: 1;
  kind: "dag" | "fsm";
  name: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** DAG: the node whose result is `run.output` (`.returns`, else the last node added). */
  output?: string;
  /** TypeScript type text of the run input, and its JSON Schema (from the compiler). */
  input?: { type?: string; schema?: unknown };
  fsm?: FsmData;
  source?: SourceLocation;
  doc?: string;
  /** Module reference of the workflow itself (for worker threads and distributed runs). */
  module?: FunctionRef;
  /** Workflow-wide default node options (each node's own options win). */
  defaults?: NodeOptionsData;
}
