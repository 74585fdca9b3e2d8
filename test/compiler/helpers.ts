/** Shared pieces of the compiler tests. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Graph, GraphNode } from "../../src/graph/types.js";

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Compiler fixtures folder, relative to the root. */
export const FIXTURES = "test/fixtures/compiler";

/**
 * A graph without what only the compiler knows (type text, sources, docs, module references of
 * functions and of the workflow, `@version` tags, the input type and schema) and, where the runtime left a
 * select's cases open, without the ports the compiler filled from the types.
 */
export function withoutCompilerFields(graph: Graph, runtime?: Graph): Graph {
  const g: Graph = { ...graph };
  delete g.source;
  delete g.doc;
  delete g.module;
  delete g.input;
  g.nodes = graph.nodes.map((n, i) => {
    const copy: GraphNode = { ...n };
    delete copy.type;
    delete copy.source;
    delete copy.doc;
    if (copy.fn) {
      copy.fn = { ...copy.fn };
      delete copy.fn.module;
      delete copy.fn.export;
      // A `@version` doc tag is read by the compiler only (a `reg.use` range by both).
      if (runtime && runtime.nodes[i]?.fn?.version === undefined) delete copy.fn.version;
      if (Object.keys(copy.fn).length === 0) delete copy.fn;
    }
    const other = runtime?.nodes[i];
    if (copy.kind === "select" && other && other.ports === undefined) delete copy.ports;
    if (copy.subgraph) copy.subgraph = withoutCompilerFields(copy.subgraph, other?.subgraph);
    return copy;
  });
  g.edges = graph.edges.map((e) => {
    const copy = { ...e };
    delete copy.type;
    return copy;
  });
  return JSON.parse(JSON.stringify(g)) as Graph;
}
