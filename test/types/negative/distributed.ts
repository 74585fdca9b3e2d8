// Distributed runs keep the local run's types: the input is checked, results are typed.
import { dag } from "../../../src/index.js";
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
