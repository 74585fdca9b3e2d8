/**
 * The benchmark workloads as Mastra workflows: one step per node, `.then` for the chain,
 * `.parallel` for the fan's middle steps and a join step reading all their outputs.
 */
import { createStep, createWorkflow } from "@mastra/core/workflows";
import { z } from "zod";
import { inc, incAsync, sum, type Flavor } from "../workloads/trivial.js";
import type { PeerCase, PeerModule, PeerSizes } from "./types.js";

const X = z.object({ x: z.number() });
type XValue = z.infer<typeof X>;

/** A step calling the node function on `{ x }`. */
function incStep(id: string, flavor: Flavor) {
  return createStep({
    id,
    inputSchema: X,
    outputSchema: X,
    execute:
      flavor === "sync"
        ? ({ inputData }) => Promise.resolve({ x: inc(inputData) })
        : async ({ inputData }) => ({ x: await incAsync(inputData) }),
  });
}

type IncStep = ReturnType<typeof incStep>;

/**
 * The workflow builder with step types erased: the workflow is assembled in a loop, where its
 * growing type cannot be tracked.
 */
interface LooseWorkflow {
  then(step: IncStep | ReturnType<typeof joinStep>): LooseWorkflow;
  parallel(steps: IncStep[]): LooseWorkflow;
  commit(): LooseWorkflow;
  createRunAsync(): Promise<{
    start(a: { inputData: XValue }): Promise<{ status: string; result?: unknown; error?: unknown }>;
  }>;
}

function workflow(id: string): LooseWorkflow {
  return createWorkflow({ id, inputSchema: X, outputSchema: X }) as unknown as LooseWorkflow;
}

function joinStep(keys: string[]) {
  return createStep({
    id: "join",
    inputSchema: z.object(Object.fromEntries(keys.map((k) => [k, X]))),
    outputSchema: X,
    execute: async ({ inputData }) => {
      const args: Record<string, unknown> = {};
      for (const k of keys) args[k] = (inputData[k] as XValue).x;
      return { x: sum(args) };
    },
  });
}

function runner(wf: LooseWorkflow): () => Promise<number> {
  return async () => {
    const run = await wf.createRunAsync();
    const res = await run.start({ inputData: { x: 0 } });
    if (res.status !== "success") throw new Error(`mastra run ${res.status}: ${String(res.error)}`);
    return (res.result as XValue).x;
  };
}

function chainWorkflow(n: number, flavor: Flavor): () => Promise<number> {
  let wf = workflow(`chain${n}`);
  for (let i = 0; i < n; i++) wf = wf.then(incStep(`n${i}`, flavor));
  return runner(wf.commit());
}

function fanWorkflow(width: number, flavor: Flavor): () => Promise<number> {
  const keys = Array.from({ length: width }, (_, i) => `w${i}`);
  const wf = workflow(`fan${width}`)
    .then(incStep("src", flavor))
    .parallel(keys.map((k) => incStep(k, flavor)))
    .then(joinStep(keys))
    .commit();
  return runner(wf);
}

export const mastraPeer: PeerModule = {
  name: "Mastra",
  packages: ["@mastra/core"],
  orientation: "≈ 90 µs per step",
  cases(sizes: PeerSizes): PeerCase[] {
    const out: PeerCase[] = [];
    for (const flavor of sizes.flavors) {
      out.push({
        shape: "chain",
        flavor,
        size: sizes.chain,
        run: chainWorkflow(sizes.chain, flavor),
      });
      out.push({ shape: "fan", flavor, size: sizes.fan, run: fanWorkflow(sizes.fan, flavor) });
    }
    return out;
  },
};
