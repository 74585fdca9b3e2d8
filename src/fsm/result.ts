/** The result of a function-return machine run, read from the stepper that produced it. */
import {
  NodeError,
  RunFailedError,
  type FsmStatus,
  type RunMetrics,
  type RunRecord,
  type WaitingNode,
} from "../run/types.js";
import type { FsmRun, StateRef, Stepper } from "./run.js";

/** {@link FsmRun} over a finished (or, for `orThrow`, any) stepper. */
export class FsmRunResult<S extends string, R> implements FsmRun<S, R> {
  readonly runId: string;
  readonly workflow: string;
  readonly status: FsmStatus;
  readonly history: readonly S[];
  readonly cycles: number;
  readonly state: S | undefined;

  constructor(
    private readonly stepper: Stepper<S, R>,
    readonly error: Error | undefined,
    private readonly value: unknown,
    readonly metrics: RunMetrics,
  ) {
    this.runId = stepper.runId;
    this.workflow = stepper.workflow;
    this.status = stepper.status as FsmStatus;
    this.history = [...stepper.history];
    this.cycles = stepper.cycles;
    this.state = this.history.length > 0 ? stepper.current : undefined;
  }

  get waiting(): WaitingNode[] {
    return this.stepper.waiting;
  }

  get output(): R[keyof R] | undefined {
    return this.value as R[keyof R] | undefined;
  }

  get errors(): NodeError[] {
    return this.error instanceof NodeError ? [this.error] : [];
  }

  get<K extends S & keyof R>(ref: StateRef<K>, visit?: number): R[K] | undefined {
    return this.stepper.get(ref, visit);
  }

  visits(state: S): number {
    return this.stepper.visits(state);
  }

  orThrow(): this {
    if (this.status === "stopped" || this.status === "terminal") return this;
    throw new RunFailedError(this.workflow, this.status, this.errors);
  }

  toJSON(): RunRecord {
    const record: RunRecord = {
      runId: this.runId,
      workflow: this.workflow,
      status: this.status,
      nodes: this.stepper.nodeRecords(),
      metrics: this.metrics,
      errors: this.error ? [{ node: this.stepper.current, message: this.error.message }] : [],
      history: [...this.history],
    };
    if (this.value !== undefined) record.output = this.value;
    if (this.status === "waiting") record.waiting = this.stepper.waiting;
    return record;
  }
}
