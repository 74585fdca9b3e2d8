// Distributed runs keep the local run's types: the input is checked, results are typed.
import { dag, fsm, next, stop } from "../../../src/index.js";
import { redisEngine } from "../../../src/distributed/index.js";

const wf = dag<{ n: number }>("neg_dist")
  .node("double", { n: "input.n" }, ({ n }) => n * 2)
  .build();
const engine = redisEngine();

export async function wrongInput(): Promise<void> {
  // @ts-expect-error: Type 'string' is not assignable to type 'number'
  await engine.start(wf, { n: "two" });
}

export async function unknownNode(): Promise<void> {
  const run = await engine.handle(wf, "r1").result();
  // @ts-expect-error: "doubel"
  run.get("doubel");
  // @ts-expect-error: Type 'number | undefined' is not assignable to type 'string'
  const out: string = run.output;
  void out;
}

export async function handlerStrategy(): Promise<void> {
  // @ts-expect-error: is not assignable to type '"continue" | "fail-fast" | undefined'
  await engine.start(wf, { n: 1 }, { onError: () => "continue" });
}

const light = fsm<{ limit: number }>("neg_light")
  .states("red", "green")
  .initial("red")
  .state("red", () => next("green", 1))
  .state("green", () => stop("off"))
  .build();

export async function wrongMachineInput(): Promise<void> {
  // @ts-expect-error: Type 'string' is not assignable to type 'number'
  await engine.start(light, { limit: "3" });
}

export async function unknownState(): Promise<void> {
  const run = await engine.handle(light, "m1").result();
  // @ts-expect-error: "blue"
  run.get("blue");
  // @ts-expect-error: Type 'number | undefined' is not assignable to type 'string'
  const red: string = run.get("red");
  void red;
}

export async function dagOptionOnMachine(): Promise<void> {
  // @ts-expect-error: 'until' does not exist
  await engine.start(light, { limit: 1 }, { until: "red" });
}
