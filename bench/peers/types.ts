/** What each peer module offers: the benchmark workloads built with that library. */
import type { Flavor } from "../workloads/trivial.js";

export type Shape = "chain" | "fan";

/** One workload in a peer library; `run` resolves to the same output as weft's workload. */
export interface PeerCase {
  shape: Shape;
  flavor: Flavor;
  /** Chain length, or fan width. */
  size: number;
  run(): unknown;
}

export interface PeerModule {
  /** Display name. */
  name: string;
  /** npm packages it uses (their installed versions go in the report). */
  packages: string[];
  /** The per-node figure measured on this kind of machine, for orientation. */
  orientation: string;
  cases(sizes: PeerSizes): PeerCase[];
}

/** Sizes to use for a peer: slow peers get smaller workloads, compared per node. */
export interface PeerSizes {
  chain: number;
  fan: number;
  flavors: Flavor[];
}
