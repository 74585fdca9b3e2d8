/**
 * The trivial workloads every overhead figure is measured on: a linear chain and a fan-out/fan-in,
 * each with a hand-written baseline that calls the very same node functions directly. Node
 * functions do almost nothing, so what a run costs beyond its baseline is the scheduler's own work.
 */
import { looseDag, type Dag } from "../../src/index.js";

type Args = Record<string, unknown>;
/** A built loosely typed workflow: arguments by name, results `unknown`. */
export type LooseDag = Dag<unknown, Record<string, unknown>, unknown>;

/** The sync node function: adds one to its argument `x`. */
export const inc = (a: Args): number => (a.x as number) + 1;
/** The async node function: the same, behind a promise. */
export const incAsync = async (a: Args): Promise<number> => (a.x as number) + 1;
/** The fan-in: sums every argument. */
export const sum = (a: Args): number => {
  let s = 0;
  for (const k in a) s += a[k] as number;
  return s;
};
export const sumAsync = async (a: Args): Promise<number> => sum(a);

/** Which kind of node functions a workload uses. */
export type Flavor = "sync" | "async";

/** A workload: its weft workflow, its baseline and the result both must give. */
export interface Workload {
  name: string;
  /** Node functions called per run (the per-node figures divide by this). */
  nodes: number;
  flavor: Flavor;
  input: number;
  expected: number;
  build(): LooseDag;
  baseline(input: number): number | Promise<number>;
}

/** `n0 -> n1 -> … -> n{n-1}`, each node adding one: the output is `input + n`. */
export function chain(n: number, flavor: Flavor): Workload {
  const fn = flavor === "sync" ? inc : incAsync;
  return {
    name: `chain ${n.toLocaleString("en-US")}`,
    nodes: n,
    flavor,
    input: 0,
    expected: n,
    build() {
      let b = looseDag(`chain${n}`).node("n0", { x: "input" }, fn);
      for (let i = 1; i < n; i++) b = b.node(`n${i}`, { x: `n${i - 1}` }, fn);
      return b.build();
    },
    baseline:
      flavor === "sync"
        ? (input) => {
            let v = input;
            for (let i = 0; i < n; i++) v = inc({ x: v });
            return v;
          }
        : async (input) => {
            let v = input;
            for (let i = 0; i < n; i++) v = await incAsync({ x: v });
            return v;
          },
  };
}

/**
 * `src -> w0..w{width-1} -> join`: every middle node adds one to `src`'s result and the join sums
 * them, so the output is `width * (input + 2)`.
 */
export function fan(width: number, flavor: Flavor): Workload {
  const fn = flavor === "sync" ? inc : incAsync;
  const join = flavor === "sync" ? sum : sumAsync;
  const keys = Array.from({ length: width }, (_, i) => `w${i}`);
  return {
    name: `fan-out/in ${width.toLocaleString("en-US")}`,
    nodes: width + 2,
    flavor,
    input: 0,
    expected: width * 2,
    build() {
      let b = looseDag(`fan${width}`).node("src", { x: "input" }, fn);
      const deps: Record<string, string> = {};
      for (const k of keys) {
        b = b.node(k, { x: "src" }, fn);
        deps[k] = k;
      }
      return b.node("join", deps, join).build();
    },
    baseline:
      flavor === "sync"
        ? (input) => {
            const s = inc({ x: input });
            const args: Args = {};
            for (const k of keys) args[k] = inc({ x: s });
            return sum(args);
          }
        : async (input) => {
            const s = await incAsync({ x: input });
            const args: Args = {};
            for (const k of keys) args[k] = await incAsync({ x: s });
            return sumAsync(args);
          },
  };
}
