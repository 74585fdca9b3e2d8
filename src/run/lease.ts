/**
 * The lease a runner takes on a checkpointed run, so two processes resuming the same run never
 * both execute its nodes: the second is refused while the first holds the lease. The holder
 * renews it while the run lasts; a killed holder's lease lapses after its TTL, or at once for a
 * runner on the same host (its process is seen to be gone).
 */
import { randomUUID } from "../peers/builtins.js";
import { hostname } from "node:os";
import type { CheckpointStore, RunLease } from "./store/types.js";
import { CheckpointError } from "./store/types.js";
import { InputError } from "./types.js";

/** How long a lease lasts without renewal, by default. */
export const DEFAULT_LEASE_MS = 30_000;

/** A lease this process holds on a run. */
export interface HeldLease {
  /** Set when a renewal found another owner holding the run (this runner must stop writing). */
  lost(): CheckpointError | undefined;
  /** Stops renewing and gives the lease up. */
  release(): void | Promise<void>;
}

/** This process's name for a lease owner: host, pid and a per-run tag. */
function newOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Takes the lease on `runId`, or throws an {@link InputError} naming the runner that holds it.
 * `undefined` when the store has no leases.
 */
export function takeLease(
  store: CheckpointStore,
  runId: string,
  ttlMs: number,
): HeldLease | undefined | Promise<HeldLease> {
  const acquire = store.acquireLease?.bind(store);
  const releaseLease = store.releaseLease?.bind(store);
  if (!acquire) return undefined;
  const owner = newOwner();
  const held = (other: RunLease | undefined): HeldLease => {
    if (other) {
      throw new InputError(
        `run '${runId}' is being executed by another runner (${other.owner}, lease until ` +
          `${new Date(other.expiresAt).toISOString()}); resume it after that runner finishes or ` +
          `its lease expires`,
      );
    }
    let lost: CheckpointError | undefined;
    const renew = (): void => {
      try {
        const r = acquire(runId, owner, ttlMs);
        const check = (o: RunLease | undefined): void => {
          if (o) {
            lost ??= new CheckpointError(
              `run '${runId}' lost its lease to another runner (${o.owner}): this runner stopped renewing it in time`,
            );
          }
        };
        // A renewal that fails outright is tried again at the next tick; the lease lasts till then.
        if (r instanceof Promise) r.then(check, () => {});
        else check(r);
      } catch {
        // As above.
      }
    };
    const timer = setInterval(renew, Math.max(1, Math.floor(ttlMs / 3)));
    // A lease never keeps the process alive on its own.
    timer.unref();
    return {
      lost: () => lost,
      release: () => {
        clearInterval(timer);
        return releaseLease?.(runId, owner);
      },
    };
  };
  const retake = (other: RunLease | undefined): HeldLease | Promise<HeldLease> => {
    if (!other || !releaseLease || !holderIsGone(other.owner)) return held(other);
    // The holder was killed on this host: its lease goes (only if it is still that holder's,
    // so of two runners taking over, one wins) and the run is taken over now, not at expiry.
    const again = (): HeldLease | Promise<HeldLease> => {
      const r = acquire(runId, owner, ttlMs);
      return r instanceof Promise ? r.then(held) : held(r);
    };
    const r = releaseLease(runId, other.owner);
    return r instanceof Promise ? r.then(again) : again();
  };
  const r = acquire(runId, owner, ttlMs);
  return r instanceof Promise ? r.then(retake) : retake(r);
}

/** Whether a lease owner is a process of this host that no longer exists. */
function holderIsGone(owner: string): boolean {
  const at = owner.lastIndexOf(":");
  const before = owner.lastIndexOf(":", at - 1);
  if (before < 0 || owner.slice(0, before) !== hostname()) return false;
  const pid = Number(owner.slice(before + 1, at));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as { code?: string }).code === "ESRCH";
  }
}
