import { validateStreams } from "./streams.js";
import { GraphValidationError, type GraphIssue } from "./errors.js";
import { isReservedName, reservedMessage, reservedSegment } from "./reserved.js";
import { INPUT, type Graph } from "./types.js";

const BRANCH_PORTS = new Set(["true", "false"]);

/** Most issues {@link validateGraph} lists by default; the rest are counted in one last issue. */
export const MAX_GRAPH_ISSUES = 100;

/** Options of {@link validateGraph}. */
export interface ValidateGraphOptions {
  /** Most issues listed (default {@link MAX_GRAPH_ISSUES}); more are summed up in a final issue. */
  maxIssues?: number;
}

/**
 * Checks a graph and returns every problem found: invalid, reserved or duplicate names, edges to
 * or from unknown nodes, unknown or reserved ports, cycles (each listed), and for state machines
 * unknown, unreachable and never-stopping states. An empty array means the graph is valid.
 *
 * Runs in time linear in the size of the graph. At most `maxIssues` issues are listed; when there
 * are more, the last issue (code `too-many-issues`) says how many were left out.
 *
 * @example
 * ```ts
 * validateGraph({ version: 1, kind: "dag", name: "g", nodes: [], edges: [{ from: "a", to: "b" }] });
 * // [{ code: "dangling-ref", ... }, { code: "dangling-ref", ... }]
 * ```
 */
export function validateGraph(graph: Graph, options: ValidateGraphOptions = {}): GraphIssue[] {
  const max = options.maxIssues ?? MAX_GRAPH_ISSUES;
  const issues: GraphIssue[] = [];
  let omitted = 0;
  // Messages are built lazily so that a hostile graph with a million problems costs a count each.
  const err = (
    code: GraphIssue["code"],
    message: () => string,
    nodes: () => string[],
    field: (string | number)[] | undefined,
    severity: GraphIssue["severity"] = "error",
  ): void => {
    if (issues.length >= max) {
      omitted++;
      return;
    }
    const issue: GraphIssue = { code, severity, message: message(), nodes: nodes() };
    if (field) issue.field = field;
    issues.push(issue);
  };
  const byName = new Map<string, Graph["nodes"][number]>();
  graph.nodes.forEach((node, i) => {
    if (!node.name || node.name.includes(".") || (graph.kind === "dag" && node.name === INPUT)) {
      err(
        "invalid-name",
        () =>
          `node name '${node.name}' is not allowed (names are non-empty, have no '.', and '${INPUT}' is reserved)`,
        () => [node.name],
        ["nodes", i, "name"],
      );
    } else if (isReservedName(node.name)) {
      err(
        "invalid-name",
        () => reservedMessage(graph.kind === "fsm" ? "state name" : "node name", node.name),
        () => [node.name],
        ["nodes", i, "name"],
      );
    }
    if (byName.has(node.name))
      err(
        "duplicate-node",
        () => `duplicate node name '${node.name}'`,
        () => [node.name],
        ["nodes", i, "name"],
      );
    else byName.set(node.name, node);
  });
  const selectPorts = new Map<string, Set<string>>();
  const what = graph.kind === "fsm" ? "transition" : "dependency";
  graph.edges.forEach((e, i) => {
    const fromKnown = byName.has(e.from) || (graph.kind === "dag" && e.from === INPUT);
    if (!fromKnown) {
      err(
        "dangling-ref",
        () => `${what} of '${e.to}' refers to unknown node '${e.from}'`,
        () => [e.to, e.from],
        ["edges", i, "from"],
      );
    }
    if (!byName.has(e.to)) {
      err(
        "dangling-ref",
        () => `${what} from '${e.from}' goes to unknown node '${e.to}'`,
        () => [e.from, e.to],
        ["edges", i, "to"],
      );
    }
    if (e.port !== undefined) {
      const seg = reservedSegment(e.port);
      if (seg !== undefined) {
        err(
          "reserved-name",
          () => `${reservedMessage("port", e.port as string)} (edge from '${e.from}' to '${e.to}')`,
          () => [e.to, e.from],
          ["edges", i, "port"],
        );
      }
    }
    if (e.param !== undefined && isReservedName(e.param)) {
      err(
        "reserved-name",
        () => `${reservedMessage("parameter", e.param as string)} (node '${e.to}')`,
        () => [e.to],
        ["edges", i, "param"],
      );
    }
    if (e.event !== undefined && isReservedName(e.event)) {
      err(
        "reserved-name",
        () => reservedMessage("event", e.event as string),
        () => [e.from],
        ["edges", i, "event"],
      );
    }
    const src = byName.get(e.from);
    if (src && e.port !== undefined && graph.kind === "dag") {
      const first = e.port.split(".")[0];
      if (src.kind === "condition" && !BRANCH_PORTS.has(first)) {
        err(
          "unknown-port",
          () =>
            `node '${e.to}' depends on '${e.from}.${e.port}', but condition '${e.from}' has only ports 'true' and 'false'`,
          () => [e.to, e.from],
          ["edges", i],
        );
      }
      if (src.kind === "select" && src.ports) {
        let ports = selectPorts.get(src.name);
        if (!ports) selectPorts.set(src.name, (ports = new Set(src.ports)));
        if (!ports.has(first)) {
          const list = src.ports;
          err(
            "unknown-port",
            () =>
              `node '${e.to}' depends on '${e.from}.${e.port}', but select '${e.from}' has cases ${list.map((p) => `'${p}'`).join(", ")}`,
            () => [e.to, e.from],
            ["edges", i],
          );
        }
      }
    }
  });
  if (graph.kind === "dag") {
    if (graph.nodes.some((n) => n.kind === "stream")) validateStreams(graph, byName, err);
    for (const cycle of findCycles(graph, max)) {
      err(
        "cycle",
        () => `cycle: ${[...cycle, cycle[0]].join(" -> ")}`,
        () => cycle,
        undefined,
      );
    }
    if (graph.output !== undefined && !byName.has(graph.output)) {
      const output = graph.output;
      err(
        "missing-output",
        () => `output node '${output}' does not exist`,
        () => [output],
        ["output"],
      );
    }
  } else {
    validateFsm(graph, byName, err);
  }
  if (omitted > 0) {
    issues.push({
      code: "too-many-issues",
      severity: "error",
      message: `and ${omitted} more problem${omitted === 1 ? "" : "s"} not listed`,
      nodes: [],
    });
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
export function findCycles(graph: Graph, limit = Infinity): string[][] {
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
            // One past the limit, so callers can tell that more were left out.
            if (cycles.length > limit) return cycles;
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

type Report = (
  code: GraphIssue["code"],
  message: () => string,
  nodes: () => string[],
  field: (string | number)[] | undefined,
  severity?: GraphIssue["severity"],
) => void;

function validateFsm(graph: Graph, byName: Map<string, Graph["nodes"][number]>, err: Report): void {
  const fsm = graph.fsm;
  if (!fsm) {
    err(
      "unknown-state",
      () => "state machine has no 'fsm' section",
      () => [],
      undefined,
    );
    return;
  }
  if (!byName.has(fsm.initial)) {
    err(
      "unknown-state",
      () => `state '${fsm.initial}' is named as initial but not declared`,
      () => [fsm.initial],
      ["fsm", "initial"],
    );
  }
  fsm.terminal.forEach((s, j) => {
    if (!byName.has(s)) {
      err(
        "unknown-state",
        () => `state '${s}' is named as terminal but not declared`,
        () => [s],
        ["fsm", "terminal", j],
      );
    }
  });
  fsm.events?.forEach((ev, j) => {
    if (isReservedName(ev)) {
      err(
        "reserved-name",
        () => reservedMessage("event", ev),
        () => [],
        ["fsm", "events", j],
      );
    }
  });
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
  // A function-return state whose targets could not be read (no `targets`, no edges) may go to
  // any state and may stop: nothing is known, so nothing can be proved unreachable or stuck.
  const unknown =
    fsm.style === "function"
      ? graph.nodes.filter((n) => n.targets === undefined && succ.get(n.name)?.length === 0)
      : [];
  const all = graph.nodes.map((n) => n.name);
  const reach = (starts: string[], adj: Map<string, string[]>, open: Set<string>): Set<string> => {
    const seen = new Set(starts.filter((s) => adj.has(s)));
    const todo = [...seen];
    let opened = false;
    while (todo.length > 0) {
      const at = todo.pop() as string;
      const next = open.has(at) && !opened ? ((opened = true), all) : (adj.get(at) ?? []);
      for (const m of next) {
        if (!seen.has(m)) {
          seen.add(m);
          todo.push(m);
        }
      }
    }
    return seen;
  };
  const unknownNames = new Set(unknown.map((n) => n.name));
  const reachable = reach([fsm.initial], succ, unknownNames);
  // `fsm(...).build()` accepts function-return machines with states it cannot prove reachable or
  // stopping (their handlers decide at run time, and `maxCycles` bounds every run), so for them
  // these are warnings: a graph the library writes must read back.
  const advisory = fsm.style === "function" ? "warning" : "error";
  graph.nodes.forEach((n, i) => {
    if (!reachable.has(n.name)) {
      err(
        "unreachable-state",
        () => `state '${n.name}' is unreachable from initial state '${fsm.initial}'`,
        () => [n.name],
        ["nodes", i, "name"],
        advisory,
      );
    }
  });
  const terminal = new Set(fsm.terminal);
  const stoppers = graph.nodes
    .filter((n) => terminal.has(n.name) || n.canStop === true || unknownNames.has(n.name))
    .map((n) => n.name);
  // Event machines with no terminal states are long-lived by design; only check when there is
  // something to reach.
  if (stoppers.length > 0 || fsm.style === "function") {
    const bounded = fsm.style === "function" && fsm.maxCycles !== undefined;
    const canFinish = reach(stoppers, pred, new Set());
    graph.nodes.forEach((n, i) => {
      if (reachable.has(n.name) && !canFinish.has(n.name)) {
        err(
          "no-stop",
          () =>
            `state '${n.name}' can never reach a terminal state or a stop` +
            (bounded ? ` (runs end after maxCycles ${fsm.maxCycles})` : ""),
          () => [n.name],
          ["nodes", i, "name"],
          advisory,
        );
      }
    });
  }
}
