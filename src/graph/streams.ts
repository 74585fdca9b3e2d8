/**
 * Rules that only stream nodes need (see `.stream`): what may read a stream, and which options a
 * stream and its readers may not have. Kept beside `validate.ts`, which calls it for DAGs.
 */
import type { GraphIssue } from "./errors.js";
import type { Graph, GraphNode } from "./types.js";

type Report = (
  code: GraphIssue["code"],
  message: () => string,
  nodes: () => string[],
  field: (string | number)[] | undefined,
) => void;

/** Options a stream node cannot have: each would re-run or replace a generator half consumed. */
const STREAM_REFUSED = ["retry", "timeoutMs", "cache", "fallback", "circuitBreaker"] as const;
/** Options a node reading a stream cannot have: a second attempt would find the stream spent. */
const READER_REFUSED = ["retry", "cache"] as const;

/** Reports misuse of stream nodes in a DAG. */
export function validateStreams(graph: Graph, byName: Map<string, GraphNode>, err: Report): void {
  const readers = new Map<string, Set<string>>();
  graph.edges.forEach((e, i) => {
    const src = byName.get(e.from);
    if (src?.kind !== "stream") return;
    const to = byName.get(e.to);
    if (e.port !== undefined) {
      err(
        "stream-use",
        () =>
          `node '${e.to}' depends on '${e.from}.${e.port}', but '${e.from}' is a stream: depend on the whole stream and read its items`,
        () => [e.to, e.from],
        ["edges", i, "port"],
      );
    }
    if (to?.kind === "map" && e.param === "items") {
      err(
        "stream-use",
        () =>
          `map '${e.to}' fans out over stream '${e.from}': .map needs an array; read the stream in a .node or .stream instead`,
        () => [e.to, e.from],
        ["edges", i],
      );
    }
    if (to) {
      for (const key of READER_REFUSED) {
        if (to.options?.[key] !== undefined) {
          err(
            "stream-use",
            () =>
              `node '${e.to}' reads stream '${e.from}' and cannot have option '${key}': a second attempt would find the stream already read`,
            () => [e.to, e.from],
            ["edges", i],
          );
        }
      }
    }
    let set = readers.get(e.from);
    if (!set) readers.set(e.from, (set = new Set()));
    set.add(e.to);
  });
  graph.nodes.forEach((node, i) => {
    if (node.kind !== "stream") return;
    for (const key of STREAM_REFUSED) {
      if (node.options?.[key] !== undefined) {
        err(
          "stream-use",
          () =>
            `stream '${node.name}' cannot have option '${key}': a stream's items are read once, as they come`,
          () => [node.name],
          ["nodes", i, "options", key],
        );
      }
    }
  });
  // Readers of one stream run together, each paced by the slowest: one that waits for another
  // reader to finish would wait forever once the buffer is full.
  if (readers.size === 0) return;
  const succ = new Map<string, string[]>();
  for (const e of graph.edges) {
    let list = succ.get(e.from);
    if (!list) succ.set(e.from, (list = []));
    list.push(e.to);
  }
  for (const [stream, set] of readers) {
    if (set.size < 2) continue;
    for (const a of set) {
      const seen = new Set<string>();
      const stack = [...(succ.get(a) ?? [])];
      while (stack.length > 0) {
        const x = stack.pop() as string;
        if (seen.has(x)) continue;
        seen.add(x);
        if (set.has(x) && x !== a) {
          err(
            "stream-use",
            () =>
              `node '${x}' reads stream '${stream}' and waits for '${a}', which reads it too: readers of one stream must run side by side`,
            () => [x, a, stream],
            undefined,
          );
          break;
        }
        for (const y of succ.get(x) ?? []) stack.push(y);
      }
    }
  }
}
