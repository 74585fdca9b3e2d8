/**
 * The benchmark workloads as LangGraph.js state graphs: one graph node per workflow node, the
 * value passed through the graph state. The fan's middle nodes add into a summing channel and the
 * join waits for all of them.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { inc, incAsync, type Flavor } from "../workloads/trivial.js";
import type { PeerCase, PeerModule, PeerSizes } from "./types.js";

const State = Annotation.Root({
  v: Annotation<number>(),
  acc: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
});
type S = typeof State.State;
type Update = typeof State.Update;
type NodeFn = (s: S) => Update | Promise<Update>;

/**
 * The builder with node names as plain strings: the graph is assembled in a loop, so its names
 * are not known to the type checker.
 */
interface LooseGraph {
  addNode(name: string, fn: NodeFn): LooseGraph;
  addEdge(from: string | string[], to: string): LooseGraph;
  compile(): { invoke(input: Update, config: { recursionLimit: number }): Promise<S> };
}

function graph(): LooseGraph {
  return new StateGraph(State) as unknown as LooseGraph;
}

const incNode = (flavor: Flavor, into: "v" | "acc"): NodeFn =>
  flavor === "sync"
    ? (s) => ({ [into]: inc({ x: s.v }) })
    : async (s) => ({ [into]: await incAsync({ x: s.v }) });

function chainGraph(n: number, flavor: Flavor): () => Promise<number> {
  const g = graph();
  for (let i = 0; i < n; i++) g.addNode(`n${i}`, incNode(flavor, "v"));
  g.addEdge(START, "n0");
  for (let i = 1; i < n; i++) g.addEdge(`n${i - 1}`, `n${i}`);
  g.addEdge(`n${n - 1}`, END);
  const app = g.compile();
  // Every node is one superstep; the default limit (25) would stop a long chain.
  return async () => (await app.invoke({ v: 0 }, { recursionLimit: n + 10 })).v;
}

function fanGraph(width: number, flavor: Flavor): () => Promise<number> {
  const g = graph();
  g.addNode("src", incNode(flavor, "v"));
  const ws: string[] = [];
  for (let i = 0; i < width; i++) {
    g.addNode(`w${i}`, incNode(flavor, "acc"));
    ws.push(`w${i}`);
  }
  g.addNode("join", (s) => ({ v: s.acc }));
  g.addEdge(START, "src");
  for (const w of ws) g.addEdge("src", w);
  g.addEdge(ws, "join");
  g.addEdge("join", END);
  const app = g.compile();
  return async () => (await app.invoke({ v: 0 }, { recursionLimit: 10 })).v;
}

export const langgraphPeer: PeerModule = {
  name: "LangGraph.js",
  packages: ["@langchain/langgraph", "@langchain/core"],
  orientation: "≈ 360 µs per node",
  cases(sizes: PeerSizes): PeerCase[] {
    const out: PeerCase[] = [];
    for (const flavor of sizes.flavors) {
      out.push({ shape: "chain", flavor, size: sizes.chain, run: chainGraph(sizes.chain, flavor) });
      out.push({ shape: "fan", flavor, size: sizes.fan, run: fanGraph(sizes.fan, flavor) });
    }
    return out;
  },
};
