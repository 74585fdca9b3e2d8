import { createHash } from "node:crypto";
import type { Graph } from "./types.js";

/** JSON with object keys sorted, so equal data always gives equal text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/**
 * A hash of a graph's structure: node names, kinds, ports and edges. Source locations, docs,
 * type text and options do not count, so a plan stays valid across edits that leave the shape
 * alone. Plans record it and refuse to load against a different graph.
 */
export function graphHash(graph: Graph): string {
  // Keys in sorted order and only arrays below them, so plain JSON.stringify is already stable.
  const shape = {
    edges: graph.edges.map((e) => [
      e.from,
      e.port ?? "",
      e.to,
      e.param ?? "",
      e.index ?? 0,
      e.event ?? "",
    ]),
    kind: graph.kind,
    name: graph.name,
    nodes: graph.nodes.map((n) => [n.name, n.kind, n.ports ?? []]),
    output: graph.output ?? "",
  };
  return createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 16);
}
