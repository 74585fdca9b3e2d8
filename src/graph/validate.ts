import { GraphValidationError, type GraphIssue } from "./errors.js";
import { INPUT, type Graph } from "./types.js";

const BRANCH_PORTS = new Set(["true", "false"]);

/**
 * Checks a graph and returns every problem found: invalid or duplicate names, edges to or from
 * unknown nodes, unknown branch/select ports, cycles (each listed), and for state machines
 * unknown, unreachable and never-stopping states. An empty array means the graph is valid.
 */
export function validateGraph(graph: Graph): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const err = (code: GraphIssue["code"], message: string, nodes: string[]): void => {
    issues.push({ code, severity: "error", message, nodes });
  };
  const byName = new Map<string, Graph["nodes"][number]>();
  for (const node of graph.nodes) {
    if (!node.name || node.name.includes(".") || (graph.kind === "dag" && node.name === INPUT)) {
      err(
        "invalid-name",
        `node name '${node.name}' is not allowed (names are non-empty, have no '.', and '${INPUT}' is reserved)`,
        [node.name],
      );
    }
    if (byName.has(node.name))
      err("duplicate-node", `duplicate node name '${node.name}'`, [node.name]);
    else byName.set(node.name, node);
  }
  for (const e of graph.edges) {
    const fromKnown = byName.has(e.from) || (graph.kind === "dag" && e.from === INPUT);
    const what = graph.kind === "fsm" ? "transition" : "dependency";
    if (!fromKnown) {
      err("dangling-ref", `${what} of '${e.to}' refers to unknown node '${e.from}'`, [
        e.to,
        e.from,
      ]);
    }
    if (!byName.has(e.to)) {
      err("dangling-ref", `${what} from '${e.from}' goes to unknown node '${e.to}'`, [
        e.from,
        e.to,
      ]);
    }
    const src = byName.get(e.from);
    if (src && e.port !== undefined && graph.kind === "dag") {
      const first = e.port.split(".")[0];
      if (src.kind === "condition" && !BRANCH_PORTS.has(first)) {
        err(
          "unknown-port",
          `node '${e.to}' depends on '${e.from}.${e.port}', but condition '${e.from}' has only ports 'true' and 'false'`,
          [e.to, e.from],
        );
      }
      if (src.kind === "select" && src.ports && !src.ports.includes(first)) {
        err(
          "unknown-port",
          `node '${e.to}' depends on '${e.from}.${e.port}', but select '${e.from}' has cases ${src.ports.map((p) => `'${p}'`).join(", ")}`,
          [e.to, e.from],
        );
      }
    }
  }
  if (graph.kind === "dag") {
    for (const cycle of findCycles(graph)) {
      err("cycle", `cycle: ${[...cycle, cycle[0]].join(" -> ")}`, cycle);
    }
    if (graph.output !== undefined && !byName.has(graph.output)) {
      err("missing-output", `output node '${graph.output}' does not exist`, [graph.output]);
    }
  } else {
    issues.push(...validateFsm(graph, byName));
  }
  return issues;
}

/** Like {@link validateGraph}, but throws a {@link GraphValidationError} listing every error. */
export function assertValidGraph(graph: Graph): void {
  const errors = validateGraph(graph).filter((i) => i.severity === "error");
  if (errors.length > 0) throw new GraphValidationError(graph.name, errors);
}

/**
 * Elementary cycles found by depth-first search, one per back edge, each as the list of nodes on
 * it in edge order. Iterative, so deep graphs do not overflow the stack.
 */
export function findCycles(graph: Graph): string[][] {
  const succ = new Map<string, string[]>();
  for (const n of graph.nodes) succ.set(n.name, []);
  for (const e of graph.edges) succ.get(e.from)?.push(e.to);
  const state = new Map<string, 1 | 2>(); // 1: on stack, 2: done
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const root of graph.nodes) {
    if (state.has(root.name)) continue;
    const stack: { node: string; i: number }[] = [{ node: root.name, i: 0 }];
    const path: string[] = [root.name];
    state.set(root.name, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const next = succ.get(top.node) ?? [];
      if (top.i < next.length) {
        const to = next[top.i++];
        const s = state.get(to);
        if (s === 1) {
          const cycle = path.slice(path.indexOf(to));
          const key = [...cycle].sort().join("\u0000");
          if (!seen.has(key)) {
            seen.add(key);
            cycles.push(cycle);
          }
        } else if (s === undefined && succ.has(to)) {
          state.set(to, 1);
          stack.push({ node: to, i: 0 });
          path.push(to);
        }
      } else {
        state.set(top.node, 2);
        stack.pop();
        path.pop();
      }
    }
  }
  return cycles;
}

function validateFsm(graph: Graph, byName: Map<string, Graph["nodes"][number]>): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const fsm = graph.fsm;
  if (!fsm) {
    return [
      {
        code: "unknown-state",
        severity: "error",
        message: "state machine has no 'fsm' section",
        nodes: [],
      },
    ];
  }
  for (const s of [fsm.initial, ...fsm.terminal]) {
    if (!byName.has(s)) {
      issues.push({
        code: "unknown-state",
        severity: "error",
        message: `state '${s}' is named as ${s === fsm.initial ? "initial" : "terminal"} but not declared`,
        nodes: [s],
      });
    }
  }
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  for (const n of graph.nodes) {
    succ.set(n.name, []);
    pred.set(n.name, []);
  }
  for (const e of graph.edges) {
    succ.get(e.from)?.push(e.to);
    pred.get(e.to)?.push(e.from);
  }
  const reach = (starts: string[], adj: Map<string, string[]>): Set<string> => {
    const seen = new Set(starts.filter((s) => adj.has(s)));
    const todo = [...seen];
    while (todo.length > 0) {
      for (const m of adj.get(todo.pop() as string) ?? []) {
        if (!seen.has(m)) {
          seen.add(m);
          todo.push(m);
        }
      }
    }
    return seen;
  };
  const reachable = reach([fsm.initial], succ);
  for (const n of graph.nodes) {
    if (!reachable.has(n.name)) {
      issues.push({
        code: "unreachable-state",
        severity: "error",
        message: `state '${n.name}' is unreachable from initial state '${fsm.initial}'`,
        nodes: [n.name],
      });
    }
  }
  const stoppers = graph.nodes
    .filter((n) => fsm.terminal.includes(n.name) || n.canStop === true)
    .map((n) => n.name);
  // Event machines with no terminal states are long-lived by design; only check when there is
  // something to reach.
  if (stoppers.length > 0 || fsm.style === "function") {
    const canFinish = reach(stoppers, pred);
    for (const n of graph.nodes) {
      if (reachable.has(n.name) && !canFinish.has(n.name)) {
        issues.push({
          code: "no-stop",
          severity: "error",
          message: `state '${n.name}' can never reach a terminal state or a stop`,
          nodes: [n.name],
        });
      }
    }
  }
  return issues;
}
