import { describe, expect, it } from "vitest";
import { fsm, memoryStore, next, stop, TransitionVetoedError } from "../../src/index.js";

const light = fsm<{ limit: number }>("hooked_light")
  .states("red", "green", "yellow")
  .initial("red")
  .state("red", () => next("green", "go"))
  .state("green", () => next("yellow", "slow"))
  .state("yellow", (input, ctx) =>
    ctx.visits("yellow") >= input.limit ? stop("done") : next("red", "stop"),
  )
  .build({ maxCycles: 50 });

describe("transition hooks", () => {
  it("see every transition (from, to, value) in order, stops included", async () => {
    const seen: string[] = [];
    const run = await light.run(
      { limit: 1 },
      {
        onTransition: ({ from, to, value }) =>
          void seen.push(`${from}->${to ?? "(stop)"}:${String(value)}`),
      },
    );
    expect(run.status).toBe("stopped");
    expect(seen).toEqual(["red->green:go", "green->yellow:slow", "yellow->(stop):done"]);
  });

  it("veto a transition: the run fails naming both states, and resume asks again", async () => {
    const store = memoryStore();
    let allow = false;
    const guard = ({ from, to }: { from: string; to: string | undefined }) =>
      allow || !(from === "green" && to === "yellow");
    const vetoed = await light.run(
      { limit: 1 },
      { onTransition: guard, checkpoint: store, runId: "v1" },
    );
    expect(vetoed.status).toBe("failed");
    expect(vetoed.history).toEqual(["red", "green"]);
    expect(vetoed.errors[0].cause).toBeInstanceOf(TransitionVetoedError);
    expect(vetoed.errors[0].message).toBe(
      "node 'green' failed: transition 'green' -> 'yellow' was vetoed",
    );
    allow = true;
    const resumed = await light.resume("v1", { checkpoint: store, onTransition: guard });
    expect(resumed.status).toBe("stopped");
    expect(resumed.history).toEqual(["red", "green", "yellow"]);
  });

  it("may be async and may veto a stop", async () => {
    const run = await light.run(
      { limit: 1 },
      { onTransition: async ({ to }) => await Promise.resolve(to !== undefined) },
    );
    expect(run.status).toBe("failed");
    expect(run.errors[0].message).toBe(
      "node 'yellow' failed: the stop in state 'yellow' was vetoed",
    );
  });
});
