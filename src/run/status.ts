/** Node status codes of a DAG run's flat state (`RunState.statuses`), and their names. */
import type { NodeStatus } from "./types.js";

export const PENDING = 0;
export const RUNNING = 1;
export const COMPLETED = 2;
export const SKIPPED = 3;
export const FAILED = 4;
/** A wait node parked until a signal or its deadline. */
export const WAITING = 5;

const STATUS_NAMES: NodeStatus[] = [
  "pending",
  "running",
  "completed",
  "skipped",
  "failed",
  "waiting",
];

export function statusName(code: number): NodeStatus {
  return STATUS_NAMES[code];
}

/** `RunState.cached` codes: the node's cache lookup found an entry, or did not. */
export const CACHE_HIT = 1;
export const CACHE_MISS = 2;
