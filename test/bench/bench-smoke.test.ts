/**
 * What the benchmarks measure must be right before how fast it runs matters: every benchmark
 * workflow, at tiny sizes, gives the same result as its hand-written baseline on every run path.
 * Only weft-side builders are imported; the peer workloads are checked when bench/'s own packages
 * are installed, and skipped otherwise.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graphToJson, parseGraph, planOf, validateGraph } from "../../src/index.js";
import {
  CPU_WIDTH,
  cpuBaseline,
  cpuWide,
  spin,
  type CpuOutput,
} from "../../bench/workloads/cpu.js";
import { pipelineGraph } from "../../bench/workloads/graphs.js";
import { ioWide } from "../../bench/workloads/io.js";
import { lowerBound, simulate, type Policy } from "../../bench/workloads/makespan-sim.js";
import { bufferBaseline, bufferChain } from "../../bench/workloads/memory.js";
import { runPath, withPlan, type RunPath } from "../../bench/workloads/paths.js";
import {
  expectedValues,
  graphOf,
  randomDag,
  rng,
  sleepingDag,
} from "../../bench/workloads/random-dags.js";
import { chain, fan, type Workload } from "../../bench/workloads/trivial.js";
import type { PeerModule } from "../../bench/peers/types.js";

const workloads: Workload[] = [
  chain(1, "sync"),
  chain(25, "sync"),
  chain(25, "async"),
  fan(1, "sync"),
  fan(12, "sync"),
  fan(12, "async"),
];

describe("trivial workloads", () => {
  for (const w of workloads) {
    const paths: RunPath[] =
      w.flavor === "sync" ? ["runSync", "parallel", "sequential"] : ["parallel", "sequential"];
    it(`${w.name} (${w.flavor}): baseline and every weft path give the expected output`, async () => {
      expect(await w.baseline(w.input)).toBe(w.expected);
      const wf = w.build();
      expect(wf.graph.nodes).toHaveLength(w.nodes);
      for (const path of paths) expect(await runPath(wf, path, w.input)).toBe(w.expected);
      const planned = withPlan(wf, planOf(wf.graph));
      if (planned) {
        for (const path of paths) expect(await runPath(planned, path, w.input)).toBe(w.expected);
      }
    });
  }

  it("chain and fan outputs follow their sizes", async () => {
    expect(chain(7, "sync").expected).toBe(7);
    expect(fan(5, "sync").expected).toBe(10);
    expect(await fan(5, "async").baseline(3)).toBe(5 * 5);
  });
});

describe("I/O-bound fan-out", () => {
  it("counts every waiting node", async () => {
    const run = await ioWide(20, 1).run(undefined);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(20);
  });
});

describe("CPU-bound fan-out", () => {
  it("sums the same hashes as the plain computation, on the main thread by default", async () => {
    const run = await cpuWide.run({ iterations: 1_000 });
    const out = run.output as CpuOutput;
    expect(out.total).toBe(cpuBaseline(1_000));
    expect(out.offMain).toBe(0);
    expect(cpuWide.graph.nodes).toHaveLength(CPU_WIDTH + 1);
    expect(cpuWide.graph.module?.module).toMatch(/bench\/workloads\/cpu\.ts$/);
  });

  it("spin is deterministic and depends on its seed", () => {
    expect(spin(100, 1)).toBe(spin(100, 1));
    expect(spin(100, 1)).not.toBe(spin(100, 2));
  });
});

describe("buffer chain", () => {
  for (const retain of ["all", "outputs"] as const) {
    it(`gives the last buffer with retain: "${retain}"`, () => {
      const seen: number[] = [];
      const run = bufferChain(300, 64, (i) => seen.push(i)).runSync(undefined, { retain });
      const out = run.output as Uint8Array;
      expect(out).toEqual(bufferBaseline(300, 64));
      expect(out[0]).toBe(299 & 255);
      expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    });
  }

  it('keeps intermediate results with retain: "all" and not with "outputs"', () => {
    const all = bufferChain(10, 8).runSync(undefined, { retain: "all" });
    expect((all.get("b3") as Uint8Array)[0]).toBe(3);
    const outputs = bufferChain(10, 8).runSync(undefined, { retain: "outputs" });
    expect(outputs.get("b3")).toBeUndefined();
    expect((outputs.output as Uint8Array)[0]).toBe(9);
  });
});

describe("random DAGs and the makespan simulation", () => {
  const shape = { nodes: 30, maxPreds: 3, maxCost: 20 };

  it("draws the same DAGs from the same seed", () => {
    expect(randomDag(rng(5), shape)).toEqual(randomDag(rng(5), shape));
    expect(randomDag(rng(5), shape)).not.toEqual(randomDag(rng(6), shape));
  });

  it("a sleeping workflow computes every node as the plain computation does", async () => {
    const d = randomDag(rng(9), { nodes: 12, maxPreds: 3, maxCost: 2 });
    const expected = expectedValues(d);
    const run = await sleepingDag(d, 0).run(undefined, { concurrency: 2 });
    expect(run.status).toBe("completed");
    d.names.forEach((name, i) => expect(run.get(name)).toBe(expected[i]));
  });

  it("simulated schedules respect dependencies, the slot limit and the lower bound", () => {
    const next = rng(11);
    for (let k = 0; k < 20; k++) {
      const d = randomDag(next, shape);
      const plan = planOf(graphOf(d));
      for (const slots of [1, 2, 4]) {
        for (const policy of ["priority", "fifo", "levels"] as Policy[]) {
          const s = simulate(plan, d, slots, policy);
          d.preds.forEach((ps, i) => {
            expect(s.slots[i].end - s.slots[i].start).toBe(d.cost[i]);
            for (const p of ps) expect(s.slots[i].start).toBeGreaterThanOrEqual(s.slots[p].end);
          });
          // At any node's start, at most `slots` nodes are running.
          for (const a of s.slots) {
            const busy = s.slots.filter((b) => b.start <= a.start && a.start < b.end).length;
            expect(busy).toBeLessThanOrEqual(slots);
          }
          expect(s.makespan).toBe(Math.max(...s.slots.map((x) => x.end)));
          expect(s.makespan).toBeGreaterThanOrEqual(lowerBound(plan, d.cost, slots) - 1e-9);
        }
        // One slot: every policy is the sum of the costs.
        if (slots === 1) {
          const total = d.cost.reduce((a, b) => a + b, 0);
          expect(simulate(plan, d, 1, "priority").makespan).toBe(total);
        }
      }
    }
  });
});

describe("pipeline graph", () => {
  it("is valid, has three edges a node after the first and round-trips through JSON", () => {
    const g = pipelineGraph(50);
    expect(g.nodes).toHaveLength(50);
    expect(g.edges).toHaveLength(1 + 49 * 3);
    expect(validateGraph(g).filter((i) => i.severity === "error")).toEqual([]);
    expect(graphToJson(parseGraph(graphToJson(g)))).toBe(graphToJson(g));
  });
});

const benchModules = join(import.meta.dirname, "../../bench/node_modules");
const peerFiles: [string, string, string][] = [
  ["xstate", "xstate.ts", "xstatePeer"],
  ["@langchain/langgraph", "langgraph.ts", "langgraphPeer"],
  ["@mastra/core", "mastra.ts", "mastraPeer"],
];

describe("peer workloads (when bench/ packages are installed)", () => {
  for (const [pkg, file, exportName] of peerFiles) {
    it.skipIf(!existsSync(join(benchModules, pkg)))(`${pkg}: same outputs as weft`, async () => {
      // A computed path keeps the root type check from resolving bench/'s own packages.
      const path = join(import.meta.dirname, "../../bench/peers", file);
      const mod = (await import(path)) as Record<string, PeerModule>;
      const peer = mod[exportName];
      for (const c of peer.cases({ chain: 5, fan: 4, flavors: ["sync", "async"] })) {
        const w = c.shape === "chain" ? chain(c.size, c.flavor) : fan(c.size, c.flavor);
        expect(await c.run()).toBe(w.expected);
      }
    });
  }
});
