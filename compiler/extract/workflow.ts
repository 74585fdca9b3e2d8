/** What extraction produces for one workflow, besides its graph. */
import type { ts } from "ts-morph";
import type { Graph, GraphEdge, SourceLocation } from "../../src/graph/types.js";
import type { JsonSchema, SchemaIssue } from "../schema/types.js";

/** One workflow found in source. */
export interface ExtractedWorkflow {
  /** The graph IR, with the compiler's additions (types, sources, docs, module references). */
  graph: Graph;
  /** Export name in its file (`default` for a default export). */
  exportName: string;
  /** File, relative to the project root. */
  file: string;
  /** JSON Schema of the run input. */
  inputSchema: JsonSchema;
  /** What the input type has that JSON Schema cannot express. */
  schemaIssues: SchemaIssue[];
  /**
   * False when part of the source could not be read (a diagnostic says what); the graph then
   * lacks those parts and is not checked further or emitted.
   */
  complete: boolean;
  /** Whether the workflow is declared durable (see docs/compiler-and-cli.md, WEFT030). */
  durable: boolean;
  /** Checker-side facts kept for the checks that run after extraction. */
  facts: WorkflowFacts;
}

/** Types and positions the checks need; not part of any output. */
export interface WorkflowFacts {
  /** Output type of each node, by name. */
  nodeTypes: Map<string, ts.Type>;
  /** Where each edge's reference is written. */
  edgeSources: Map<GraphEdge, SourceLocation>;
  /** Where each select case is returned, by `node.case`. */
  caseSources: Map<string, SourceLocation>;
}
