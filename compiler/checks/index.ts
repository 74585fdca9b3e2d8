/**
 * Checks run on extracted workflows: graph validity (from `validateGraph`), durability of node
 * outputs, and warnings for results nothing uses.
 */
import { issueField } from "../../src/graph/issue-field.js";
import type { ts } from "ts-morph";
import type { GraphIssue } from "../../src/graph/errors.js";
import type { Graph, GraphNode, SourceLocation } from "../../src/graph/types.js";
import { INPUT } from "../../src/graph/types.js";
import { validateGraph } from "../../src/graph/validate.js";
import { diagnostic, type Diagnostic, type DiagnosticCode } from "../diagnostics.js";
import type { ExtractedWorkflow } from "../extract/workflow.js";
import { nearestName } from "../nearest-name.js";
import { describePath, findUnstorable } from "./storable.js";
import { graphDiagnostics } from "./graph.js";

export { graphDiagnostics, type GraphPath } from "./graph.js";

/**
 * Every diagnostic of one extracted workflow.
 *
 * @example
 * ```ts
 * const diagnostics = checkWorkflow(extracted, checker);
 * ```
 */
export function checkWorkflow(w: ExtractedWorkflow, checker: ts.TypeChecker): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A partly read workflow has already been reported; checking the rest would only echo that.
  if (!w.complete) return out;
  out.push(
    ...graphDiagnostics(w.graph, (issue, _g, at) =>
      // Issues inside a sub-workflow point at the `.sub(...)` call that embeds it.
      at.length === 0
        ? issueLocation(w, issue)
        : (w.graph.nodes[at[1] as number]?.source ?? w.graph.source),
    ),
  );
  if (w.graph.kind === "dag") out.push(...unknownInputFields(w), ...unusedResults(w));
  if (w.durable) out.push(...unstorableOutputs(w, checker));
  for (const issue of w.schemaIssues) {
    out.push(
      diagnostic(
        "WEFT103",
        `input of workflow '${w.graph.name}': ${issue.path}: ${issue.message}; the input schema leaves it unchecked`,
        w.graph.source,
        w.graph.name,
      ),
    );
  }
  return out;
}

/** Where an issue of an extracted workflow is written in source. */
function issueLocation(w: ExtractedWorkflow, issue: GraphIssue): SourceLocation | undefined {
  const g = w.graph;
  const [a, b] = issue.nodes;
  const nodeAt = (name: string | undefined, last = false): SourceLocation | undefined => {
    const list = g.nodes.filter((n) => n.name === name);
    return (last ? list[list.length - 1] : list[0])?.source;
  };
  switch (issue.code) {
    case "dangling-ref":
    case "unknown-port": {
      const edge = g.edges.find(
        (e) => (e.to === a && e.from === b) || (e.from === a && e.to === b),
      );
      return (edge && w.facts.edgeSources.get(edge)) ?? nodeAt(a) ?? g.source;
    }
    case "duplicate-node":
      return nodeAt(a, true) ?? g.source;
    default:
      return nodeAt(a) ?? g.source;
  }
}

/**
 * WEFT009: `"input.pth"` where the input type has no `pth` (the type checker says so too, but
 * through aliases; the run would pass `undefined`). Checked against the input's JSON Schema when it
 * is an object with a closed set of fields.
 */
function unknownInputFields(w: ExtractedWorkflow): Diagnostic[] {
  const schema = w.inputSchema;
  const fields = schema.properties ? Object.keys(schema.properties) : undefined;
  if (schema.type !== "object" || !fields || schema.additionalProperties !== false) return [];
  const g = w.graph;
  const typeText = g.input?.type ? ` ${g.input.type}` : "";
  const out: Diagnostic[] = [];
  for (const e of g.edges) {
    if (e.from !== INPUT || e.port === undefined) continue;
    const field = e.port.split(".")[0];
    if (fields.includes(field)) continue;
    const near = nearestName(field, fields);
    const hint = near ? `did you mean 'input.${near}'?` : `its fields: ${fields.join(", ")}`;
    out.push(
      diagnostic(
        "WEFT009",
        `workflow '${g.name}': node '${e.to}' reads 'input.${e.port}', but the input type${typeText} has no field '${field}'; ${hint}`,
        w.facts.edgeSources.get(e) ?? g.nodes.find((n) => n.name === e.to)?.source ?? g.source,
        g.name,
      ),
    );
  }
  return out;
}

/**
 * Nodes a dangling reference most likely meant (`"laod"` for `load`): their result only looks
 * unused because of the typo, which WEFT001 already reports.
 */
function typoTargets(g: Graph): Set<string> {
  const names = g.nodes.map((n) => n.name);
  const known = new Set(names);
  const meant = new Set<string>();
  for (const e of g.edges) {
    if (e.from === INPUT || known.has(e.from)) continue;
    const near = nearestName(e.from, names);
    if (near) meant.add(near);
  }
  return meant;
}

/** WEFT102 and WEFT101: results and select cases nothing consumes. */
function unusedResults(w: ExtractedWorkflow): Diagnostic[] {
  const g = w.graph;
  const out: Diagnostic[] = [];
  const consumers = new Map<string, Set<string | undefined>>();
  for (const e of g.edges) {
    if (e.from === INPUT) continue;
    const set = consumers.get(e.from) ?? new Set();
    set.add(e.port?.split(".")[0]);
    consumers.set(e.from, set);
  }
  const meant = typoTargets(g);
  for (const n of g.nodes) {
    const used = consumers.get(n.name);
    if (!used && n.name !== g.output && !sideEffectOnly(n) && !meant.has(n.name)) {
      out.push(
        diagnostic(
          "WEFT102",
          `workflow '${g.name}': the result of node '${n.name}' is not used by any node and is not the output; ` +
            `consume it, make it the output with .returns("${n.name}"), or mark it { runIf: "always" } if it runs for its effect`,
          n.source ?? g.source,
          g.name,
        ),
      );
    }
    if (n.kind === "select" && n.ports && n.name !== g.output && !used?.has(undefined)) {
      for (const c of n.ports) {
        if (used?.has(c)) continue;
        out.push(
          diagnostic(
            "WEFT101",
            `workflow '${g.name}': case '${c}' of select '${n.name}' is not consumed by any node, so values routed to it are dropped; ` +
              `add a node that depends on '${n.name}.${c}' or stop returning select("${c}", ...)`,
            w.facts.caseSources.get(`${n.name}.${c}`) ?? n.source ?? g.source,
            g.name,
          ),
        );
      }
    }
  }
  return out;
}

function sideEffectOnly(n: GraphNode): boolean {
  return n.options?.runIf === "always" || n.options?.runIf === "any-failed";
}

/** WEFT030: node outputs of a durable workflow that a checkpoint store cannot hold. */
function unstorableOutputs(w: ExtractedWorkflow, checker: ts.TypeChecker): Diagnostic[] {
  const g = w.graph;
  const out: Diagnostic[] = [];
  for (const n of g.nodes) {
    // A stream's items are never journaled (its readers' results are).
    if (n.kind === "stream") continue;
    const t = w.facts.nodeTypes.get(n.name);
    if (!t) continue;
    const bad = findUnstorable(checker, t);
    if (!bad) continue;
    const where = describePath(bad.path);
    out.push(
      diagnostic(
        "WEFT030",
        `workflow '${g.name}' is durable, but the output of ${g.kind === "fsm" ? "state" : "node"} '${n.name}' (${n.type ?? "?"}) ` +
          `cannot be checkpointed: ${where === "the value" ? "it" : where} ${bad.reason}; return plain data ` +
          `(primitives, plain objects, arrays, Map, Set, Date) and keep live resources inside the node`,
        n.source ?? g.source,
        g.name,
      ),
    );
  }
  return out;
}

export { issueField };
