/**
 * Seeded random DAGs with random node costs, for comparing schedules. The same DAG can be turned
 * into graph IR (for plans and the simulation) and into a runnable workflow whose nodes sleep for
 * their cost.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { looseDag, type Graph, type GraphEdge, type GraphNode } from "../../src/index.js";
import type { LooseDag } from "./trivial.js";

/** A small fast seeded generator (mulberry32): the same seed gives the same DAGs everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A DAG as index lists: `preds[i]` are earlier nodes (so declaration order is topological). */
export interface RandomDag {
  names: string[];
  preds: number[][];
  cost: number[];
}

export interface RandomDagShape {
  nodes: number;
  /** Each node draws 0..maxPreds predecessors among the earlier nodes. */
  maxPreds: number;
  /** Integer costs drawn from 1..maxCost, skewed so a few nodes are much heavier than most. */
  maxCost: number;
}

export function randomDag(next: () => number, shape: RandomDagShape): RandomDag {
  const names: string[] = [];
  const preds: number[][] = [];
  const cost: number[] = [];
  for (let i = 0; i < shape.nodes; i++) {
    names.push(`t${i}`);
    const ps = new Set<number>();
    const k = i === 0 ? 0 : Math.floor(next() * (shape.maxPreds + 1));
    for (let j = 0; j < k; j++) ps.add(Math.floor(next() * i));
    preds.push([...ps].sort((a, b) => a - b));
    // Cubing skews toward cheap nodes with a long tail of expensive ones, as real pipelines have.
    cost.push(1 + Math.floor(next() ** 3 * shape.maxCost));
  }
  return { names, preds, cost };
}

/** The DAG as graph IR, each node's cost in `options.cost` so plans prioritise by it. */
export function graphOf(d: RandomDag, name = "random"): Graph {
  const nodes: GraphNode[] = d.names.map((n, i) => ({
    name: n,
    kind: "task",
    options: { cost: d.cost[i] },
  }));
  const edges: GraphEdge[] = [];
  d.preds.forEach((ps, i) => {
    for (const p of ps) edges.push({ from: d.names[p], to: d.names[i], param: d.names[p] });
  });
  return { version: 1, kind: "dag", name, nodes, edges };
}

/**
 * The DAG as a runnable workflow: node `i` sleeps `cost[i] * msPerUnit` and returns its index
 * plus its inputs, so the output (a sink's sum) checks every dependency was passed.
 */
export function sleepingDag(d: RandomDag, msPerUnit: number): LooseDag {
  let b = looseDag("random_sleeps");
  d.names.forEach((name, i) => {
    const deps: Record<string, string> = {};
    for (const p of d.preds[i]) deps[d.names[p]] = d.names[p];
    b = b.node(
      name,
      deps,
      async (args) => {
        await sleep(d.cost[i] * msPerUnit);
        return valueOf(i, args);
      },
      { cost: d.cost[i] },
    );
  });
  return b.build();
}

/** What node `i` of a random DAG computes from its inputs' values. */
export function valueOf(i: number, args: Record<string, unknown>): number {
  let s = i;
  for (const k in args) s += args[k] as number;
  return s % 1_000_003;
}

/** Every node's value computed in declaration order, without weft: the expected results. */
export function expectedValues(d: RandomDag): number[] {
  const out: number[] = [];
  d.names.forEach((_, i) => {
    const args: Record<string, unknown> = {};
    for (const p of d.preds[i]) args[d.names[p]] = out[p];
    out.push(valueOf(i, args));
  });
  return out;
}
