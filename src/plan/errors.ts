/** Errors raised while computing, loading or checking execution plans. */

/** A graph that cannot be planned (a state machine, or a bad cost). */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

/** A serialized plan that is not valid JSON or does not have the shape of a plan. */
export class PlanFormatError extends PlanError {
  constructor(message: string) {
    super(message);
    this.name = "PlanFormatError";
  }
}

/**
 * A plan computed for a different graph than the one it is used with (the graph hashes differ),
 * for example a plan file left stale after the workflow changed.
 */
export class PlanMismatchError extends PlanError {
  /** The workflow the graph belongs to. */
  readonly workflow: string;
  /** The hash recorded in the plan. */
  readonly planHash: string;
  /** The hash of the graph at hand. */
  readonly graphHash: string;
  constructor(workflow: string, planWorkflow: string, planHash: string, graphHash: string) {
    const whose = planWorkflow === workflow ? "" : ` (a plan of workflow '${planWorkflow}')`;
    super(
      `plan does not match workflow '${workflow}': the plan${whose} was computed for graph ` +
        `${planHash}, but the graph now hashes to ${graphHash}; recompute the plan`,
    );
    this.name = "PlanMismatchError";
    this.workflow = workflow;
    this.planHash = planHash;
    this.graphHash = graphHash;
  }
}
