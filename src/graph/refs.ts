/** Dependency references: `"node"` or `"node.port"` (a port may itself be a dotted field path). */

/** A parsed dependency reference. */
export interface Ref {
  node: string;
  port?: string;
}

/** Splits `"load.rows"` into `{ node: "load", port: "rows" }`; `"load"` has no port. */
export function parseRef(ref: string): Ref {
  const dot = ref.indexOf(".");
  return dot < 0 ? { node: ref } : { node: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

/** The inverse of {@link parseRef}. */
export function formatRef(node: string, port?: string): string {
  return port === undefined ? node : `${node}.${port}`;
}
