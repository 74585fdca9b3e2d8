import type { Prepared } from "./prepare.js";
import type { RunOptions } from "./options.js";

/**
 * Which nodes a partial run executes: `until` a node (it and its ancestors), `from` a node (it
 * and its descendants) or `between` two (descendants of the first that are ancestors of the
 * second). `undefined` means all of them.
 */
export function selectNodes(p: Prepared, options: RunOptions): Uint8Array | undefined {
  const { from, until, between } = options;
  if (from === undefined && until === undefined && between === undefined) return undefined;
  const lo = between ? between[0] : from;
  const hi = between ? between[1] : until;
  let sel: Uint8Array | undefined;
  if (lo !== undefined) sel = reach(p, indexOf(p, lo, between ? "between" : "from"), p.succs);
  if (hi !== undefined) {
    const up = reach(p, indexOf(p, hi, between ? "between" : "until"), p.preds);
    if (sel) for (let i = 0; i < p.n; i++) sel[i] = sel[i] & up[i];
    else sel = up;
  }
  return sel;
}

function indexOf(p: Prepared, name: string, option: string): number {
  const i = p.index.get(name);
  if (i === undefined) {
    throw new RangeError(
      `run option '${option}': workflow '${p.graph.name}' has no node '${name}' (nodes: ${p.names.join(", ")})`,
    );
  }
  return i;
}

function reach(p: Prepared, start: number, adj: number[][]): Uint8Array {
  const seen = new Uint8Array(p.n);
  seen[start] = 1;
  const todo = [start];
  while (todo.length > 0) {
    for (const j of adj[todo.pop() as number]) {
      if (!seen[j]) {
        seen[j] = 1;
        todo.push(j);
      }
    }
  }
  return seen;
}
