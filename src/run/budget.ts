/**
 * A run-level budget: at most so many nodes started, so many retries in all, so much wall time
 * since the run first started. The counters and the start time are kept next to the run's
 * journal (a snapshot of its checkpoint store), so a resumed run goes on counting where the
 * crashed one stopped, and its wall time runs from the original start.
 */
import type { CheckpointStore, SnapshotStore } from "./store/types.js";
import { InputError } from "./types.js";

/**
 * Limits of one run (of `wf.run`/`resume`). Exceeding one fails the run with a
 * {@link BudgetExceededError}: nothing new starts, in-flight nodes see `ctx.signal` abort.
 *
 * @example
 * ```ts
 * await wf.run(input, { budget: { maxNodes: 500, maxRetries: 20, maxWallMs: 60_000 } });
 * ```
 */
export interface RunBudget {
  /** Most node starts (each node counts once however often it is retried; map items do not count). */
  maxNodes?: number;
  /** Most retries across all nodes (an attempt after the first). */
  maxRetries?: number;
  /** Most milliseconds from the run's first start (wall clock, across resumes). */
  maxWallMs?: number;
}

/** The `budget` run option. */
export interface BudgetRunOptions {
  /**
   * Limits of the whole run. With a `checkpoint` store the counters are saved as the run goes,
   * so `resume` continues them (and may leave `budget` out to keep the stored limits).
   */
  budget?: RunBudget;
}

/** Which limit of a {@link RunBudget} a run went over. */
export type BudgetName = keyof RunBudget;

/**
 * A run went over its {@link RunBudget}. The run fails with this error among `run.errors`
 * (node `"(run)"`); `budget` names the limit, `limit` its value and `used` what the run needed.
 *
 * @example
 * ```ts
 * const r = await wf.run(input, { budget: { maxNodes: 3 } });
 * r.errors[0].cause; // BudgetExceededError: run budget maxNodes (3) exceeded: node 'd' would be node 4 started
 * ```
 */
export class BudgetExceededError extends Error {
  readonly budget: BudgetName;
  readonly limit: number;
  readonly used: number;
  constructor(budget: BudgetName, limit: number, used: number, detail: string) {
    super(`run budget ${budget} (${limit}) exceeded: ${detail}`);
    this.name = "BudgetExceededError";
    this.budget = budget;
    this.limit = limit;
    this.used = used;
  }
}

/** What is kept in the store for a budgeted run. */
interface BudgetRecord {
  limits: RunBudget;
  nodes: number;
  retries: number;
  /** When the run first started, ms since the epoch. */
  startedAt: number;
}

/** The snapshot key of a run's budget counters. */
export function budgetKey(runId: string): string {
  return `weft:budget:${runId}`;
}

/** The counters of one budgeted run, shared by the scheduler and the retry loop. */
export class BudgetMeter {
  /** Called once, with the first limit passed (the scheduler fails the run). */
  onExceeded: ((err: BudgetExceededError) => void) | undefined;
  private exceeded: BudgetExceededError | undefined;

  constructor(
    private readonly rec: BudgetRecord,
    private readonly save: ((rec: BudgetRecord) => void | Promise<void>) | undefined,
  ) {}

  /** When the wall-time budget runs out, ms since the epoch (`undefined`: no such limit). */
  get deadline(): number | undefined {
    const ms = this.rec.limits.maxWallMs;
    return ms === undefined ? undefined : this.rec.startedAt + ms;
  }

  /** Counts node `name` as started; the error when that is one too many (or time is up). */
  startNode(name: string): BudgetExceededError | undefined {
    if (this.exceeded) return this.exceeded;
    const over = this.overTime();
    if (over) return this.fail(over);
    const max = this.rec.limits.maxNodes;
    if (max !== undefined && this.rec.nodes >= max) {
      return this.fail(
        new BudgetExceededError(
          "maxNodes",
          max,
          this.rec.nodes + 1,
          `node '${name}' would be node ${this.rec.nodes + 1} started`,
        ),
      );
    }
    this.rec.nodes++;
    this.persist();
    return undefined;
  }

  /** Counts a retry of node `name`; the error when that is one too many. */
  retry(name: string): BudgetExceededError | undefined {
    if (this.exceeded) return this.exceeded;
    const max = this.rec.limits.maxRetries;
    if (max !== undefined && this.rec.retries >= max) {
      return this.fail(
        new BudgetExceededError(
          "maxRetries",
          max,
          this.rec.retries + 1,
          `node '${name}' would make retry ${this.rec.retries + 1} of the run`,
        ),
      );
    }
    this.rec.retries++;
    this.persist();
    return undefined;
  }

  /** The wall-time error when the deadline has passed. */
  overTime(now = Date.now()): BudgetExceededError | undefined {
    const max = this.rec.limits.maxWallMs;
    if (max === undefined) return undefined;
    const used = now - this.rec.startedAt;
    if (used <= max) return undefined;
    return new BudgetExceededError(
      "maxWallMs",
      max,
      used,
      `the run has lasted ${used} ms since it first started (${new Date(this.rec.startedAt).toISOString()})`,
    );
  }

  /** Records `err` as the run's budget failure and reports it once. */
  fail(err: BudgetExceededError): BudgetExceededError {
    if (this.exceeded) return this.exceeded;
    this.exceeded = err;
    this.onExceeded?.(err);
    return err;
  }

  private persist(): void {
    const r = this.save?.(this.rec);
    // Asynchronous stores write in the background; a failed write loses only this increment.
    if (r instanceof Promise) r.catch(() => undefined);
  }
}

type Awaitable<T> = T | Promise<T>;

/**
 * The meter of a run: fresh counters for a new run, the stored ones (and stored limits, unless
 * `budget` gives others) for a resumed one. Saved in the checkpoint store when it keeps snapshots.
 */
export function openBudget(
  budget: RunBudget | undefined,
  store: CheckpointStore | undefined,
  runId: string,
  resuming: boolean,
  replace = false,
): Awaitable<BudgetMeter | undefined> {
  if (budget !== undefined) checkBudget(budget);
  const snaps =
    store && typeof (store as Partial<SnapshotStore>).saveSnapshot === "function"
      ? (store as CheckpointStore & SnapshotStore)
      : undefined;
  const save = snaps ? (rec: BudgetRecord) => snaps.saveSnapshot(budgetKey(runId), rec) : undefined;
  const fresh = (): Awaitable<BudgetMeter | undefined> => {
    if (budget === undefined) {
      // A run replacing one of the same id must not inherit that run's budget on resume.
      if (replace && snaps && !resuming) {
        const r = snaps.deleteSnapshot(budgetKey(runId));
        if (r instanceof Promise) return r.then(() => undefined);
      }
      return undefined;
    }
    const rec: BudgetRecord = {
      limits: { ...budget },
      nodes: 0,
      retries: 0,
      startedAt: Date.now(),
    };
    const meter = new BudgetMeter(rec, save);
    const r = save?.(rec);
    return r instanceof Promise ? r.then(() => meter) : meter;
  };
  if (!resuming || !snaps) return fresh();
  const got = snaps.loadSnapshot(budgetKey(runId));
  const use = (s: { value: unknown } | undefined): Awaitable<BudgetMeter | undefined> => {
    const stored = s?.value as BudgetRecord | undefined;
    if (!stored) return fresh();
    const rec: BudgetRecord = { ...stored, limits: { ...(budget ?? stored.limits) } };
    return new BudgetMeter(rec, save);
  };
  return got instanceof Promise ? got.then(use) : use(got);
}

/** Refuses a malformed `budget` run option, naming the field. */
export function checkBudget(b: RunBudget): void {
  if (typeof b !== "object" || b === null) {
    throw new InputError(
      `run option 'budget' must be an object; got ${b === null ? "null" : typeof b}`,
    );
  }
  for (const key of Object.keys(b)) {
    if (key !== "maxNodes" && key !== "maxRetries" && key !== "maxWallMs") {
      throw new InputError(
        `run option 'budget' has no field '${key}' (it takes maxNodes, maxRetries, maxWallMs)`,
      );
    }
    const v = (b as Record<string, unknown>)[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0 && !Number.isNaN(v))) {
      throw new InputError(
        `run option 'budget.${key}' must be a number, 0 or more; got ${String(v)}`,
      );
    }
  }
}
