/**
 * The function versions a run used, kept next to its journal, and the check a resume makes: a
 * run resumed under other versions of its functions would mix results of two codes, so it is
 * refused unless the caller says otherwise (`allowVersionChange`).
 */
import type { Prepared } from "../run/prepare.js";
import type { CheckpointStore, SnapshotStore } from "../run/store/types.js";
import { versionOf } from "./ref.js";

type Awaitable<T> = T | Promise<T>;

/** One node whose function version differs between the checkpoint and now. */
export interface NodeVersionChange {
  node: string;
  /** The version the checkpointed run used (`undefined`: none recorded). */
  checkpointed: string | undefined;
  /** The version the node resolves to now (`undefined`: an unversioned function). */
  now: string | undefined;
}

/**
 * A resume would run nodes under other function versions than the checkpointed run used.
 *
 * @example
 * ```ts
 * try { await wf.resume("r1", { checkpoint: store }); }
 * catch (e) { if (e instanceof VersionMismatchError) e.changes; } // [{ node: "resize", checkpointed: "1.2.0", now: "1.3.0" }]
 * ```
 */
export class VersionMismatchError extends Error {
  readonly runId: string;
  readonly changes: NodeVersionChange[];
  constructor(workflow: string, runId: string, changes: NodeVersionChange[]) {
    const what = (v: string | undefined): string => (v === undefined ? "no version" : v);
    super(
      `run '${runId}' of workflow '${workflow}' was checkpointed with other function versions: ` +
        changes
          .map(
            (c) => `node '${c.node}' ran ${what(c.checkpointed)}, now resolves to ${what(c.now)}`,
          )
          .join("; ") +
        `. Resume with the same registry versions, or pass allowVersionChange: true to resume anyway`,
    );
    this.name = "VersionMismatchError";
    this.runId = runId;
    this.changes = changes;
  }
}

const cache = new WeakMap<Prepared, Record<string, string> | undefined>();

/**
 * Each node's function version (from `fromGraph` with a versioned registry, or a function taken
 * with `registry().use(...)`), by node name; `undefined` when no node has one.
 */
export function nodeVersions(p: Prepared): Record<string, string> | undefined {
  if (cache.has(p)) return cache.get(p);
  let out: Record<string, string> | undefined;
  for (let i = 0; i < p.n; i++) {
    const impl = p.impls[i];
    const v = impl.version ?? versionOf(impl.fn)?.version;
    if (v !== undefined) (out ??= Object.create(null) as Record<string, string>)[p.names[i]] = v;
  }
  cache.set(p, out);
  return out;
}

/** The snapshot key of a run's function versions. */
export function versionsKey(runId: string): string {
  return `weft:versions:${runId}`;
}

function snapshots(store: CheckpointStore): SnapshotStore | undefined {
  const s = store as Partial<SnapshotStore>;
  return typeof s.saveSnapshot === "function" && typeof s.loadSnapshot === "function"
    ? (store as CheckpointStore & SnapshotStore)
    : undefined;
}

/**
 * Records a new run's versions (nothing when it has none or the store keeps no snapshots; a run
 * `replaced` drops the versions of the run it replaces).
 */
export function saveVersions(
  store: CheckpointStore,
  runId: string,
  versions: Record<string, string> | undefined,
  replaced: boolean,
): Awaitable<void> {
  const s = snapshots(store);
  if (!s) return;
  if (versions) return s.saveSnapshot(versionsKey(runId), { ...versions });
  if (replaced && typeof s.deleteSnapshot === "function") {
    const r = s.deleteSnapshot(versionsKey(runId));
    return r instanceof Promise ? r.then(() => undefined) : undefined;
  }
}

/**
 * On resume: compares the versions the run was checkpointed with to `now`; throws a
 * {@link VersionMismatchError} on any difference unless `allow`, in which case the new versions
 * are recorded. Nothing to check when the store keeps no snapshots.
 */
export function checkVersions(
  store: CheckpointStore,
  workflow: string,
  runId: string,
  now: Record<string, string> | undefined,
  allow: boolean,
): Awaitable<void> {
  const s = snapshots(store);
  if (!s) return;
  const compare = (saved: { value: unknown } | undefined): Awaitable<void> => {
    const before = (saved?.value ?? {}) as Record<string, string>;
    const after = now ?? {};
    const nodes = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    const changes: NodeVersionChange[] = [];
    for (const node of nodes) {
      const b = Object.prototype.hasOwnProperty.call(before, node) ? before[node] : undefined;
      const a = Object.prototype.hasOwnProperty.call(after, node) ? after[node] : undefined;
      if (a !== b) changes.push({ node, checkpointed: b, now: a });
    }
    if (changes.length === 0) return;
    if (!allow) throw new VersionMismatchError(workflow, runId, changes);
    return s.saveSnapshot(versionsKey(runId), { ...after });
  };
  const saved = s.loadSnapshot(versionsKey(runId));
  return saved instanceof Promise ? saved.then(compare) : compare(saved);
}
