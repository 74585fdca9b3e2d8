/**
 * Debug sessions of DAG workflows: the run is sequential (one node at a time, in the order a
 * sequential run takes: highest priority first, ties by declaration), so stepping is the same
 * every time, and the scheduler awaits the session's gate before each node.
 */
import type { Prepared } from "../run/prepare.js";
import type { Gate } from "../run/scheduler.js";
import type { RunOptions } from "../run/options.js";
import type { NodeContext } from "../run/types.js";
import { COMPLETED } from "../run/status.js";
import type { RunState } from "../run/scheduler.js";
import { DebugCore, type DebugPauseBase, type DebugSession } from "./core.js";
import { checkName, matchNamed } from "./breakpoints.js";

/** The node names of a DAG's result map `R` (everything but the input). */
export type DagNodeName<R> = Exclude<keyof R & string, "input">;

/**
 * A breakpoint of a DAG debug session: a node name, or a node and a condition on its arguments.
 * `when` is declared as a method, so its parameter may be annotated with the node's argument type.
 */
export type DagBreakpoint<N extends string> =
  | N
  | {
      node: N;
      /** Pauses only when this returns true (it sees the node's arguments and context). */
      when?(args: unknown, ctx: NodeContext): unknown;
    };

/** Options of `wf.debug`: run options (the run is always sequential) and breakpoints. */
export interface DagDebugOptions<N extends string> extends Omit<
  RunOptions,
  "mode" | "concurrency" | "signal" | "timeoutMs"
> {
  /** Where `continue()` pauses: before each of these nodes runs. */
  breakpoints?: readonly DagBreakpoint<N>[];
}

/** Where a DAG debug session paused: before `node` runs with `args`. */
export type DagPause<N extends string> = DebugPauseBase<N, unknown, NodeContext>;

/** Results of the nodes completed so far, by name. */
export type DagResults<R> = { [K in DagNodeName<R>]?: R[K] };

/**
 * A debug session of a DAG run (see `wf.debug`).
 *
 * @example
 * ```ts
 * const session = etl.debug({ path: "a.csv" }, { breakpoints: ["clean"] });
 * const stop = await session.continue(); // paused before 'clean'
 * session.setArgs({ rows: [] });
 * const run = await session.continue();  // the DagRun
 * ```
 */
export type DagDebugSession<R, Run> = DebugSession<
  DagPause<DagNodeName<R>>,
  Run,
  unknown,
  DagResults<R>
>;

/** What a debug session needs from a built DAG. */
export interface DebuggableDag<Run> {
  readonly name: string;
  prep(): Prepared;
  /** Runs with `gate` before each node (see `SchedulerInput.gate`). */
  runGated(input: unknown, options: RunOptions, gate: Gate): Promise<Run>;
}

type Breakpoint = DagBreakpoint<string>;

/** Makes the session; throws at once on a breakpoint naming no node. */
export function debugDag<Run>(
  wf: DebuggableDag<Run>,
  input: unknown,
  options: DagDebugOptions<string> = {},
): DebugSession<DagPause<string>, Run, unknown, Record<string, unknown>> {
  const p = wf.prep();
  const { breakpoints = [], ...runOptions } = options;
  if (!Array.isArray(breakpoints)) {
    throw new TypeError(`debug '${wf.name}': 'breakpoints' must be an array`);
  }
  const byNode = new Map<string, Breakpoint[]>();
  for (const b of breakpoints as readonly Breakpoint[]) {
    const node = typeof b === "object" && b !== null ? b.node : b;
    checkName(wf.name, "node", node, p.names);
    const list = byNode.get(node) ?? [];
    list.push(b);
    byNode.set(node, list);
  }
  const controller = new AbortController();
  let state: RunState | undefined;
  const core: DebugCore<DagPause<string>, Run> = new DebugCore(
    wf.name,
    () => {
      const user = runOptions.onEvent;
      return wf.runGated(
        input,
        {
          ...runOptions,
          mode: "sequential",
          signal: controller.signal,
          onEvent: (e) => {
            core.onEvent(e);
            user?.(e);
          },
        },
        (i, args, ctx, st) => {
          state = st;
          return core.gate((index) => ({ paused: true, node: p.names[i], args, ctx, index }));
        },
      );
    },
    (pause) => matchNamed(byNode.get(pause.node), pause.args, pause.ctx),
    (reason) => controller.abort(reason),
  );
  return core.session(() => {
    const out: Record<string, unknown> = {};
    if (!state) return out;
    for (let i = 0; i < p.n; i++) {
      if (state.statuses[i] === COMPLETED) out[p.names[i]] = state.values[i];
    }
    return out;
  });
}
