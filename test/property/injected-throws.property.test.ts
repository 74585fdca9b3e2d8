/**
 * Throws injected at every place a run calls user code (a node's function, a getter on its
 * output or on the run input, a hook, the event listener, the checkpoint store), over random
 * DAGs: the run settles exactly once, nothing starts after it settles, every node ends in a
 * final status, and nothing is left unhandled.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  branch,
  looseDag,
  memoryStore,
  type NodeOptions,
  type RunEvent,
  type RunOptions,
} from "../../src/index.js";
import { dagSpecArbitrary, type DagSpec } from "../../src/testing/index.js";

/** Where a throw is injected. */
type Site = "fn" | "output-getter" | "input-getter" | "before" | "after" | "cleanup";
const SITES: Site[] = ["fn", "output-getter", "input-getter", "before", "after", "cleanup"];

interface Faults {
  /** Per node: the site that throws there, if any. */
  nodes: (Site | undefined)[];
  /** The listener throws on this event (by position), if given. */
  listenerAt: number | undefined;
  /** The store throws (or rejects) on this `record` call, if given. */
  storeAt: number | undefined;
  storeAsync: boolean;
}

const faultsArbitrary = (n: number): fc.Arbitrary<Faults> =>
  fc.record({
    nodes: fc.array(fc.option(fc.constantFrom(...SITES), { freq: 3, nil: undefined }), {
      minLength: n,
      maxLength: n,
    }),
    listenerAt: fc.option(fc.nat(3 * n + 2), { freq: 2, nil: undefined }),
    storeAt: fc.option(fc.nat(n), { freq: 2, nil: undefined }),
    storeAsync: fc.boolean(),
  });

const boom = (where: string) => new Error(`injected at ${where}`);

/** A run input whose `bad` field throws when read. */
function runInput(): Record<string, unknown> {
  return {
    v: 1,
    get bad(): number {
      throw boom("input getter");
    },
  };
}

interface Probe {
  settled: boolean;
  late: string[];
  started: string[];
}

/**
 * The spec's DAG where every node returns `{ v }` (conditions: a branch of it) and reads its
 * inputs' `v`, with the faults wired in.
 */
function build(spec: DagSpec, faults: Faults, probe: Probe) {
  let b = looseDag("injected");
  spec.nodes.forEach((node, i) => {
    const site = faults.nodes[i];
    const deps: Record<string, string> = {};
    node.deps.forEach((d) => {
      if (d.from === "input") deps[d.param] = site === "input-getter" ? "input.bad" : "input.v";
      else if (d.port) deps[d.param] = `${d.from}.${d.port}.v`;
      else {
        // A condition's whole result (branch and value) has no port but its branches.
        const from = spec.nodes.find((x) => x.name === d.from);
        deps[d.param] = from?.kind === "condition" ? d.from : `${d.from}.v`;
      }
    });
    const value = (args: Record<string, unknown>): unknown => {
      if (site === "fn") throw boom(`${node.name} fn`);
      let sum = i;
      for (const v of Object.values(args)) if (typeof v === "number") sum += v;
      const out =
        site === "output-getter"
          ? {
              get v(): number {
                throw boom(`${node.name} output getter`);
              },
            }
          : { v: sum % 101 };
      return node.kind === "condition" ? branch(sum % 2 === 0, out) : out;
    };
    const fn = (args: Record<string, unknown>): unknown => {
      probe.started.push(node.name);
      if (probe.settled) probe.late.push(node.name);
      if (!node.async) return value(args);
      return new Promise((resolve) => setImmediate(resolve)).then(() => value(args));
    };
    const thrower = (hook: string) => () => {
      throw boom(`${node.name} ${hook}`);
    };
    const options: NodeOptions<never, unknown> = { runIf: node.runIf };
    if (site === "before" || site === "after" || site === "cleanup") {
      options.hooks = { [site]: thrower(site) };
    }
    b =
      node.kind === "condition"
        ? b.condition(node.name, deps, fn as never, options as never)
        : b.node(node.name, deps, fn, options as never);
  });
  return b.build();
}

/** A memory store whose `record` throws (or rejects) on its `at`-th call. */
function faultyStore(at: number | undefined, async: boolean) {
  const store = memoryStore();
  const record = store.record.bind(store);
  let calls = 0;
  store.record = (runId, entry) => {
    if (calls++ === at) {
      if (async) return Promise.reject(boom("store record")) as never;
      throw boom("store record");
    }
    return record(runId, entry);
  };
  return store;
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
});

/** A few macrotask turns: long enough for any node the run might still start. */
const drain = async () => {
  for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r));
};

describe("injected throws at every user-code call site", () => {
  it("a run settles once, starts nothing after, leaves no node unfinished and nothing unhandled", async () => {
    const scenario = dagSpecArbitrary({
      conditions: true,
      async: true,
      failures: true,
      maxNodes: 10,
    }).chain((spec) =>
      fc.tuple(
        fc.constant(spec),
        faultsArbitrary(spec.nodes.length),
        fc.constantFrom("parallel", "sequential", "sync"),
        fc.constantFrom<RunOptions["onError"]>("fail-fast", "continue"),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
      ),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ([spec, faults, mode, onError, concurrency, journal]) => {
        unhandled.length = 0;
        const probe: Probe = { settled: false, late: [], started: [] };
        const wf = build(spec, faults, probe);
        const events: RunEvent[] = [];
        let seen = 0;
        const options: RunOptions = {
          onError,
          concurrency,
          onEvent: (e) => {
            events.push(e);
            if (seen++ === faults.listenerAt) throw boom(`listener on ${e.type}`);
          },
        };
        const allSync = spec.nodes.every((n) => !n.async);
        if (journal)
          options.checkpoint = faultyStore(faults.storeAt, faults.storeAsync && mode !== "sync");
        // A checkpointed run stores its input first, and refuses one it cannot read whole.
        const input = journal ? { v: 1 } : runInput();
        let run;
        if (mode === "sync" && allSync) run = wf.runSync(input, options);
        else {
          if (mode === "sequential") options.mode = "sequential";
          run = await wf.run(input, options);
        }
        probe.settled = true;
        await drain();
        expect(probe.late).toEqual([]);
        expect(events.filter((e) => e.type === "run-complete")).toHaveLength(1);
        expect(events.at(-1)?.type).toBe("run-complete");
        for (const [name, rec] of Object.entries(run.toJSON().nodes)) {
          expect(["completed", "skipped", "failed"], `node '${name}'`).toContain(rec.status);
        }
        // Every injected fault that ran is reported; a clean run reports none.
        const injected =
          faults.nodes.some((s) => s !== undefined) ||
          faults.listenerAt !== undefined ||
          (journal && faults.storeAt !== undefined);
        if (!injected && spec.nodes.every((n) => !n.fails)) expect(run.status).toBe("completed");
        if (run.status !== "completed") expect(run.errors.length).toBeGreaterThan(0);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
