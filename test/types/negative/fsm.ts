// Mistakes the function-return state machine builder must reject at compile time.
import { fsm, next, stop } from "../../../src/index.js";

const states = fsm<{ limit: number }>("neg_light").states("red", "green", "yellow");
const red = states.state("red", () => next("green", 1));

// a transition to an undeclared state
// @ts-expect-error: '"blue"' is not assignable to type '"red" | "green" | "yellow"'
states.state("red", () => next("blue", 1));
// @ts-expect-error: '"blue"' is not assignable
states.state("red", async (input) => (input.limit > 1 ? next("green") : next("blue")));

// a handler for an undeclared state, or a second handler for one
// @ts-expect-error: '"blue"' is not assignable to parameter of type '"red" | "green" | "yellow"'
states.state("blue", () => stop());
// @ts-expect-error: state 'red' already has a handler
red.state("red", () => stop());

// a handler must return next(...) or stop(...)
// @ts-expect-error: not assignable
states.state("red", () => 42);

// declared targets (`to`) restrict next, and must be states
// @ts-expect-error: '"yellow"' is not assignable to type '"green"'
states.state("red", () => next("yellow"), { to: ["green"] });
// @ts-expect-error: '"blue"' is not assignable
states.state("red", () => next("green"), { to: ["blue"] });

// initial, terminal and ctx.visits take declared states only
// @ts-expect-error: '"blue"' is not assignable
states.initial("blue");
// @ts-expect-error: '"blue"' is not assignable
states.state("red", (_i, ctx) => next(ctx.visits("blue") > 0 ? "green" : "red"));

// build needs a handler for every declared state, and names the missing ones
// @ts-expect-error: state 'yellow' has no handler
red.state("green", () => next("yellow")).build();
// @ts-expect-error: state 'green' has no handler
red.build({ maxCycles: 5 });

const light = red
  .state("green", () => next("yellow", "g"))
  .state("yellow", (input, ctx) =>
    ctx.visits("yellow") >= input.limit ? stop(true) : next("red", 0),
  )
  .build({ maxCycles: 50 });

const complete = red.state("green", () => next("yellow")).state("yellow", () => stop());
// @ts-expect-error: '"blue"' is not assignable
complete.build({ terminal: ["blue"] });

// the run input is typed, and required when the type does not allow undefined
// @ts-expect-error: Expected 1-2 arguments, but got 0
void light.run();
// @ts-expect-error: Type 'string' is not assignable to type 'number'
void light.run({ limit: "3" });
// @ts-expect-error: Expected 1-2 arguments, but got 0
light.start();

export async function results(): Promise<void> {
  const r = await light.run({ limit: 2 });
  // results are typed per state: red gives numbers, green strings, yellow booleans or numbers
  // @ts-expect-error: Type 'number | undefined' is not assignable to type 'string | undefined'
  const a: string | undefined = r.get("red");
  // @ts-expect-error: Type 'string | undefined' is not assignable to type 'number | undefined'
  const b: number | undefined = r.get("green.1");
  // @ts-expect-error: not assignable to type 'number | undefined'
  const c: number | undefined = r.get("yellow", 0);
  // @ts-expect-error: '"blue"' is not assignable
  r.get("blue");
  // @ts-expect-error: '"blue.1"' is not assignable
  r.get("blue.1");
  // @ts-expect-error: '"blue"' is not assignable
  r.visits("blue");
  // a later state's result, read in a handler, is typed from the earlier handler
  states
    .state("red", () => next("green", 1))
    .state("green", (_i, ctx) => {
      // @ts-expect-error: Type 'number | undefined' is not assignable to type 'string'
      const x: string = ctx.get("red");
      return stop(x);
    });
  void [a, b, c];
}
