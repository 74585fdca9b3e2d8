/**
 * fast-check arbitraries for random DAG workflows of pure nodes, with a reference interpreter that
 * says what every node must produce, so a property can compare any run against it.
 */
import type { Arbitrary } from "fast-check";
import fc from "./fast-check.js";
import { looseDag } from "../dag/builder.js";
import { branch } from "../dag/markers.js";
import type { Dag } from "../dag/dag-types.js";
import type { RunIf } from "../graph/types.js";
import type { NodeContext } from "../run/types.js";

/** One input of a spec node: a node (or `input`), optionally through a branch port. */
export interface SpecDep {
  param: string;
  from: string;
  port?: "true" | "false";
}

/** One node of a random DAG. */
export interface SpecNode {
  name: string;
  kind: "task" | "condition";
  deps: SpecDep[];
  runIf: RunIf;
  /** Returns a promise (resolving after `delay` macrotask turns; 0 = a microtask). */
  async: boolean;
  delay: number;
  /** Throws instead of returning. */
  fails: boolean;
}

/** A random DAG as plain data. Nodes only depend on earlier nodes. */
export interface DagSpec {
  nodes: SpecNode[];
}

export interface DagSpecOptions {
  minNodes?: number;
  maxNodes?: number;
  /** Most inputs per node. */
  maxDeps?: number;
  /** Include condition nodes and branch dependencies. */
  conditions?: boolean;
  /** Include async nodes. */
  async?: boolean;
  /** Include failing nodes (and `runIf: "always"` nodes). */
  failures?: boolean;
}

/**
 * Random DAG specs.
 *
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(dagSpecArbitrary({ conditions: true }), async (spec) => {
 *   const run = await buildDag(spec).run(1);
 *   expect(outcomes(run, spec)).toEqual(referenceRun(spec, 1));
 * }));
 * ```
 */
export function dagSpecArbitrary(options: DagSpecOptions = {}): Arbitrary<DagSpec> {
  const { minNodes = 1, maxNodes = 25, maxDeps = 3 } = options;
  return fc.integer({ min: minNodes, max: maxNodes }).chain((n) =>
    fc
      .tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({
            kind: options.conditions
              ? fc.constantFrom<"task" | "condition">("task", "task", "condition")
              : fc.constant<"task" | "condition">("task"),
            deps: fc.uniqueArray(fc.integer({ min: -1, max: i - 1 }), {
              maxLength: Math.min(maxDeps, i + 1),
            }),
            ports: fc.array(
              fc.constantFrom<"true" | "false" | undefined>("true", "false", undefined, undefined),
              {
                minLength: maxDeps,
                maxLength: maxDeps,
              },
            ),
            always: options.failures ? fc.boolean() : fc.constant(false),
            async: options.async ? fc.boolean() : fc.constant(false),
            delay: fc.integer({ min: 0, max: 2 }),
            fails: options.failures
              ? fc.integer({ min: 0, max: 9 }).map((x) => x === 0)
              : fc.constant(false),
          }),
        ),
      )
      .map((raw) => {
        const nodes: SpecNode[] = raw.map((r, i) => ({
          name: `n${i}`,
          kind: r.kind,
          deps: r.deps.map((d, k) => {
            const dep: SpecDep = { param: `p${k}`, from: d < 0 ? "input" : `n${d}` };
            if (d >= 0 && raw[d].kind === "condition" && r.ports[k]) dep.port = r.ports[k];
            return dep;
          }),
          runIf: r.always && i % 3 === 0 ? "always" : "success",
          async: r.async,
          delay: r.delay,
          fails: r.fails,
        }));
        return { nodes };
      }),
  );
}

/** The value a spec node computes from its arguments (deterministic, order-independent). */
export function specValue(node: SpecNode, args: Record<string, unknown>): number {
  let sum = Number(node.name.slice(1)) + 1;
  for (const d of node.deps) {
    const v = args[d.param];
    if (typeof v === "number") sum += v;
    else if (v && typeof v === "object" && "value" in v)
      sum += Number((v as { value: unknown }).value);
  }
  return sum % 1009;
}

/** Instrumentation a property can attach to the nodes of a built spec. */
export interface SpecProbe {
  onStart?(node: string): void;
  onEnd?(node: string): void;
}

/**
 * Builds a runnable workflow from a spec (run input: a number). `name` defaults to "random";
 * give specs that must stay apart (e.g. on workers that resolve a workflow by name and graph
 * hash) names of their own: two specs that differ only in which nodes fail share a graph hash.
 */
export function buildDag(
  spec: DagSpec,
  probe: SpecProbe = {},
  name = "random",
): Dag<unknown, Record<string, unknown>, unknown> {
  let b = looseDag(name);
  for (const node of spec.nodes) {
    const deps: Record<string, string> = {};
    for (const d of node.deps) deps[d.param] = d.port ? `${d.from}.${d.port}` : d.from;
    const compute = (args: Record<string, unknown>): unknown => {
      if (node.fails) throw new Error(`${node.name} fails`);
      const v = specValue(node, args);
      return node.kind === "condition" ? branch(v % 2 === 0, v) : v;
    };
    const fn = (args: Record<string, unknown>, _ctx: NodeContext): unknown => {
      probe.onStart?.(node.name);
      if (!node.async) {
        try {
          return compute(args);
        } finally {
          probe.onEnd?.(node.name);
        }
      }
      return delayFor(node.delay).then(() => {
        try {
          return compute(args);
        } finally {
          probe.onEnd?.(node.name);
        }
      });
    };
    b =
      node.kind === "condition"
        ? b.condition(node.name, deps, fn as never, { runIf: node.runIf })
        : b.node(node.name, deps, fn, { runIf: node.runIf });
  }
  return b.build();
}

function delayFor(turns: number): Promise<void> {
  if (turns === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = turns;
    const tick = (): void => {
      if (--left <= 0) resolve();
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
}

/** What a node ends as in the reference semantics. */
export type Outcome =
  { status: "completed"; value: unknown } | { status: "skipped" } | { status: "failed" };

/**
 * The reference semantics of a spec under the `"continue"` error strategy, computed by a plain
 * loop in declaration order: a success-only node runs when every input completed (and a branch
 * input's branch was taken); `always` nodes run regardless, with missing inputs `undefined`.
 */
export function referenceRun(spec: DagSpec, input: number): Record<string, Outcome> {
  const out: Record<string, Outcome> = {};
  const failedUp = new Set<string>();
  for (const node of spec.nodes) {
    const args: Record<string, unknown> = {};
    let blocked = false;
    for (const d of node.deps) {
      if (d.from === "input") {
        args[d.param] = input;
        continue;
      }
      const o = out[d.from];
      if (o.status === "failed" || failedUp.has(d.from)) failedUp.add(node.name);
      if (o.status !== "completed") {
        blocked = true;
        args[d.param] = undefined;
        continue;
      }
      const v = o.value as number | { branch: string; value: number };
      if (d.port) {
        const b = v as { branch: string; value: number };
        if (b.branch !== d.port) {
          blocked = true;
          args[d.param] = undefined;
        } else args[d.param] = b.value;
      } else args[d.param] = v;
    }
    if (blocked && node.runIf === "success") {
      out[node.name] = { status: "skipped" };
      continue;
    }
    if (node.fails) {
      out[node.name] = { status: "failed" };
      continue;
    }
    const v = specValue(node, args);
    out[node.name] = {
      status: "completed",
      value: node.kind === "condition" ? branch(v % 2 === 0, v) : v,
    };
  }
  return out;
}

/** A run's outcome per node, in the shape of {@link referenceRun}. */
export function outcomes(
  run: { statusOf(node: string): string; get(ref: string): unknown },
  spec: DagSpec,
): Record<string, Outcome> {
  const out: Record<string, Outcome> = {};
  for (const node of spec.nodes) {
    const s = run.statusOf(node.name);
    out[node.name] =
      s === "completed"
        ? { status: "completed", value: run.get(node.name) }
        : s === "failed"
          ? { status: "failed" }
          : { status: "skipped" };
  }
  return out;
}
