/**
 * Where a distributed run lives in Redis. Every key of one run shares the `{runId}` hash tag, so
 * the run's scripts touch a single slot (Redis Cluster) and a run is deleted by its key list.
 */

/** The keys of one run. */
export interface RunKeys {
  /** Hash: status, workflow, graph hash, input, start/finish times, flags, nodes left. */
  run: string;
  /** Hash: node index -> status code ("1" running, "2" completed, "3" skipped, "4" failed). */
  status: string;
  /** Hash: node index -> encoded result (completed nodes). */
  values: string;
  /** Hash: node index -> JSON timings, attempts and skip reason. */
  info: string;
  /** Hash: node index -> producers not yet resolved. */
  pending: string;
  /** Hash: node index -> "1" when some upstream node failed (for `runIf: "any-failed"`). */
  failedUpstream: string;
  /** List: node indices in the order they completed (saga compensation order). */
  completed: string;
  /** List: JSON errors in the order nodes failed. */
  errors: string;
  /** List: node indices in the order they started. */
  order: string;
  /** Hash: node index -> times the node's function was started (crash recovery re-runs). */
  executions: string;
}

/** The keys of run `runId` under `prefix`. */
export function runKeys(prefix: string, runId: string): RunKeys {
  const base = `${prefix}:run:{${runId}}`;
  return {
    run: base,
    status: `${base}:st`,
    values: `${base}:val`,
    info: `${base}:info`,
    pending: `${base}:pend`,
    failedUpstream: `${base}:fu`,
    completed: `${base}:done`,
    errors: `${base}:err`,
    order: `${base}:order`,
    executions: `${base}:exec`,
  };
}

/** Every key of a run, for expiry and deletion. */
export function allKeys(k: RunKeys): string[] {
  return [
    k.run,
    k.status,
    k.values,
    k.info,
    k.pending,
    k.failedUpstream,
    k.completed,
    k.errors,
    k.order,
    k.executions,
  ];
}

/** Pub/sub channel announcing finished runs (message: the run id). */
export function doneChannel(prefix: string): string {
  return `${prefix}:done`;
}

/** Pub/sub channel asking workers to abort a run's in-flight nodes (message: the run id). */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/** The BullMQ queue every node job of an engine goes through. */
export const QUEUE_NAME = "weft";

/** Deterministic job ids: a node (chain head) is enqueued at most once per run. */
export function nodeJobId(runId: string, node: number): string {
  return `${runId}@${node}`;
}

export function finishJobId(runId: string): string {
  return `${runId}@finish`;
}
