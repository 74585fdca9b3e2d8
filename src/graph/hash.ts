import { nodeCrypto } from "../peers/builtins.js";
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
  // Every string is written as `length:text`, so no two graphs give the same input whatever
  // their names contain; UTF-16 code units go in as they are (UTF-8 would turn every unpaired
  // surrogate into the same replacement character). Written straight into the hash in chunks: building one JSON document
  // first costs several times more at 10,000 nodes.
  const hash = nodeCrypto().createHash("sha256");
  let text = `weft-graph/2;${str(graph.kind)}${str(graph.name)}${str(graph.output ?? "")}`;
  text += `${graph.nodes.length};`;
  for (const n of graph.nodes) {
    text += str(n.name) + str(n.kind);
    const ports = n.ports ?? [];
    text += `${ports.length};`;
    for (const p of ports) text += str(p);
    if (text.length > CHUNK) {
      hash.update(text, "utf16le");
      text = "";
    }
  }
  text += `${graph.edges.length};`;
  for (const e of graph.edges) {
    text += str(e.from) + str(e.port ?? "") + str(e.to) + str(e.param ?? "");
    text += `${e.index ?? 0};${str(e.event ?? "")}`;
    if (text.length > CHUNK) {
      hash.update(text, "utf16le");
      text = "";
    }
  }
  return hash.update(text, "utf16le").digest("hex").slice(0, 16);
}

/** Characters of text gathered before they go to the hash. */
const CHUNK = 1 << 15;

function str(s: string): string {
  return `${s.length}:${s}`;
}
