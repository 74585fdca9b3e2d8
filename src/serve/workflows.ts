/** The served workflows by name, each with its input checker. */
import { inputChecker, type InputProblem } from "./input.js";
import type { ServableWorkflow, WorkflowEntry } from "./types.js";

/** A workflow as the server holds it. */
export interface Served {
  name: string;
  workflow: ServableWorkflow;
  /** The graph shown (the compiler's when given, else the workflow's). */
  graph: ServableWorkflow["graph"];
  /** The input JSON Schema, when known. */
  schema?: object;
  check(input: unknown): InputProblem[];
  prepare(input: unknown): unknown;
  /** Problems of a signal payload for wait `name` (none when the wait has no schema). */
  checkSignal(name: string, payload: unknown): InputProblem[];
  prepareSignal(name: string, payload: unknown): unknown;
}

function isEntry(w: ServableWorkflow | WorkflowEntry): w is WorkflowEntry {
  return "workflow" in w && typeof w.workflow === "object" && w.workflow !== null;
}

/** Indexes workflows by graph name; throws a `TypeError` naming what is wrong with one. */
export function servedWorkflows(
  list: readonly (ServableWorkflow | WorkflowEntry)[],
): Map<string, Served> {
  const out = new Map<string, Served>();
  list.forEach((item, i) => {
    const entry: WorkflowEntry = isEntry(item) ? item : { workflow: item };
    const wf = entry.workflow;
    const name = wf?.graph?.name;
    if (typeof name !== "string" || typeof wf.run !== "function") {
      throw new TypeError(
        `serve: workflows[${i}]${typeof name === "string" ? ` ('${name}')` : ""} is not a runnable workflow (a built dag(...) or fsm(...); event-driven machines have no run())`,
      );
    }
    if (out.has(name)) throw new TypeError(`serve: two workflows are named '${name}'`);
    const graph = entry.graph ?? wf.graph;
    const fromGraph = graph.input?.schema;
    const schema =
      entry.inputSchema ??
      (typeof fromGraph === "object" && fromGraph !== null ? fromGraph : undefined);
    let check: (input: unknown) => InputProblem[] = () => [];
    if (schema) {
      try {
        check = inputChecker(schema);
      } catch (err) {
        throw new TypeError(
          `serve: the input schema of workflow '${name}' is not a usable JSON Schema: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    const prepare = entry.prepareInput ?? ((x: unknown) => x);
    const signalCheckers = new Map<string, (payload: unknown) => InputProblem[]>();
    for (const [wait, s] of Object.entries(entry.signalSchemas ?? {})) {
      try {
        const checkPayload = inputChecker(s);
        // The checker names paths from `input`; a payload's problems read better from `payload`.
        signalCheckers.set(wait, (payload) =>
          checkPayload(payload).map((p) => ({ ...p, path: p.path.replace(/^input/, "payload") })),
        );
      } catch (err) {
        throw new TypeError(
          `serve: the payload schema of wait '${wait}' of workflow '${name}' is not a usable JSON Schema: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    const prepareSignal = entry.prepareSignal ?? ((_n: string, x: unknown) => x);
    out.set(name, {
      name,
      workflow: wf,
      graph,
      ...(schema ? { schema } : {}),
      check,
      prepare,
      checkSignal: (wait, payload) => signalCheckers.get(wait)?.(payload) ?? [],
      prepareSignal,
    });
  });
  return out;
}
