/**
 * A traffic light as a function-return state machine: each state's handler says which state
 * comes next; yellow stops the run after `limit` rounds. Also shows the stepper, which runs one
 * handler per call (for debugging, or a human in the loop).
 * Run: npx tsx examples/traffic-light.ts
 */
import { fsm, next, stop } from "weftjs";
import { isMain } from "./main.js";

export const light = fsm<{ limit: number }>("traffic_light")
  .states("red", "green", "yellow")
  .initial("red")
  .state("red", () => next("green", "stop"))
  .state("green", () => next("yellow", "go"))
  .state("yellow", (input, ctx) =>
    ctx.visits("yellow") >= input.limit
      ? stop("off")
      : next("red", `round ${ctx.visits("yellow")}`),
  )
  .build({ maxCycles: 50 });

export async function main(): Promise<string[]> {
  const out: string[] = [];
  const run = await light.run({ limit: 3 });
  out.push(`status: ${run.status} after ${run.cycles} cycles`);
  out.push(`history: ${run.history.join(" -> ")}`);
  out.push(
    `yellow, latest: ${run.get("yellow")}; first: ${run.get("yellow", 0)}; "yellow.1": ${run.get("yellow.1")}`,
  );

  const stepper = light.start({ limit: 1 });
  while (!stepper.done) {
    const step = await stepper.step();
    out.push(`step: ${step.state} -> ${step.next ?? `(${step.status})`}`);
  }

  const capped = await light.run({ limit: 100 }, { maxCycles: 4 });
  out.push(`with maxCycles 4: ${capped.status}, last state ${capped.state}`);
  return out;
}

if (isMain(import.meta.url)) for (const line of await main()) console.log(line);
