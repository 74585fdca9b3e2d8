import { describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  dag,
  looseDag,
  InputError,
  memoryStore,
  type RunEvent,
} from "../../src/index.js";

/** A chain of `n` nodes, each adding one. */
function chain(n: number, onRun?: (node: string) => void) {
  let b = looseDag("chain");
  for (let k = 0; k < n; k++) {
    const name = `n${k}`;
    b = b.node(name, { x: k === 0 ? "input" : `n${k - 1}` }, ({ x }) => {
      onRun?.(name);
      return (x as number) + 1;
    });
  }
  return b.build();
}

function budgetError(r: { errors: { cause?: unknown }[] }): BudgetExceededError {
  const e = r.errors.map((x) => x.cause).find((c) => c instanceof BudgetExceededError);
  if (!e) throw new Error(`no budget error among ${r.errors.map(String).join("; ")}`);
  return e as BudgetExceededError;
}

describe("run budget", () => {
  it("maxNodes: the node that would pass the limit does not start; the run fails naming the budget", async () => {
    const ran: string[] = [];
    const wf = chain(5, (n) => ran.push(n));
    const r = await wf.run(0, { budget: { maxNodes: 3 } });
    expect(r.status).toBe("failed");
    expect(ran).toEqual(["n0", "n1", "n2"]);
    const e = budgetError(r);
    expect(e.message).toBe("run budget maxNodes (3) exceeded: node 'n3' would be node 4 started");
    expect([e.budget, e.limit, e.used]).toEqual(["maxNodes", 3, 4]);
    expect(r.statusOf("n3")).toBe("skipped");
    expect(r.statusOf("n4")).toBe("skipped");
    // Within the budget nothing changes.
    expect((await wf.run(0, { budget: { maxNodes: 5 } })).output).toBe(5);
    expect(wf.runSync(0, { budget: { maxNodes: 2 } }).status).toBe("failed");
  });

  it("maxRetries counts retries across nodes", async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      throw new Error("flaky");
    };
    const wf = dag("retries")
      .node("a", {}, flaky, { retry: { attempts: 3 } })
      .node("b", {}, flaky, { retry: { attempts: 3 } })
      .build();
    const r = await wf.run(undefined, {
      budget: { maxRetries: 3 },
      mode: "sequential",
      onError: "continue",
    });
    expect(r.status).toBe("failed");
    const e = budgetError(r);
    expect(e.budget).toBe("maxRetries");
    expect(e.message).toBe(
      "run budget maxRetries (3) exceeded: node 'b' would make retry 4 of the run",
    );
    // a: 3 attempts (2 retries); b: 2 attempts (1 retry), its next retry refused.
    expect(calls).toBe(5);
  });

  it("maxWallMs fails a run that outlasts it and aborts the node in flight", async () => {
    const wf = dag("slow")
      .node(
        "wait",
        {},
        (_a, ctx) =>
          new Promise<string>((resolve, reject) => {
            const t = setTimeout(() => resolve("late"), 60_000);
            ctx.signal.addEventListener("abort", () => {
              clearTimeout(t);
              reject(ctx.signal.reason as Error);
            });
          }),
      )
      .then("after", (x) => x)
      .build();
    const r = await wf.run(undefined, { budget: { maxWallMs: 50 } });
    expect(r.status).toBe("failed");
    const e = budgetError(r);
    expect(e.budget).toBe("maxWallMs");
    expect(e.used).toBeGreaterThan(50);
    expect(e.message).toMatch(
      /^run budget maxWallMs \(50\) exceeded: the run has lasted \d+ ms since it first started/,
    );
    expect(r.statusOf("after")).toBe("skipped");
  });

  it("refuses a malformed budget before anything runs", () => {
    const wf = chain(1);
    expect(() => wf.runSync(0, { budget: { maxNodes: -1 } })).toThrow(
      "run option 'budget.maxNodes' must be a number, 0 or more; got -1",
    );
    expect(() => wf.runSync(0, { budget: { maxNode: 1 } as never })).toThrow(InputError);
  });

  it("is durable: a resumed run goes on counting nodes from the checkpoint", async () => {
    const store = memoryStore();
    let crash = true;
    const ran: string[] = [];
    const wf = chain(6, (n) => {
      ran.push(n);
      if (n === "n2" && crash) throw new Error("crash");
    });
    const first = await wf.run(0, { checkpoint: store, runId: "b1", budget: { maxNodes: 4 } });
    expect(first.status).toBe("failed");
    expect(ran).toEqual(["n0", "n1", "n2"]);
    crash = false;
    // Three nodes were started; the resume may start one more (n2 again), not n3. The limits
    // come from the checkpoint: the resume does not repeat them.
    const events: RunEvent[] = [];
    const resumed = await wf.resume("b1", { checkpoint: store, onEvent: (e) => events.push(e) });
    expect(resumed.status).toBe("failed");
    expect(ran).toEqual(["n0", "n1", "n2", "n2"]);
    expect(budgetError(resumed).message).toBe(
      "run budget maxNodes (4) exceeded: node 'n3' would be node 5 started",
    );
    expect(
      events.filter((e) => e.type === "node-start").map((e) => (e as { node: string }).node),
    ).toEqual(["n2"]);
  });

  it("is durable: wall time runs from the run's first start, across a resume", async () => {
    const store = memoryStore();
    let crash = true;
    const wf = chain(3, (n) => {
      if (n === "n1" && crash) throw new Error("crash");
    });
    const t0 = Date.now();
    const first = await wf.run(0, { checkpoint: store, runId: "w1", budget: { maxWallMs: 100 } });
    expect(first.status).toBe("failed");
    crash = false;
    // Wait (without asserting any timing) until the budget is surely spent.
    while (Date.now() - t0 <= 150) await new Promise((r) => setTimeout(r, 20));
    const resumed = await wf.resume("w1", { checkpoint: store });
    expect(resumed.status).toBe("failed");
    expect(budgetError(resumed).budget).toBe("maxWallMs");
    expect(resumed.statusOf("n1")).toBe("skipped");
    // A new budget given to resume replaces the stored limits (the start time stays).
    const again = await wf.resume("w1", { checkpoint: store, budget: { maxWallMs: 3_600_000 } });
    expect(again.status).toBe("completed");
    expect(again.output).toBe(3);
  });
});

describe("run budget and replace", () => {
  it("a run replacing one of the same id does not inherit its budget", async () => {
    const store = memoryStore();
    let crash = true;
    const wf = chain(3, (n) => {
      if (n === "n2" && crash) throw new Error("crash");
    });
    await wf.run(0, { checkpoint: store, runId: "r", budget: { maxNodes: 1 } });
    const replaced = await wf.run(0, { checkpoint: store, runId: "r", replace: true });
    expect(replaced.status).toBe("failed"); // n2 crashed, no budget involved
    expect(budgetErrors(replaced)).toEqual([]);
    crash = false;
    const resumed = await wf.resume("r", { checkpoint: store });
    expect(resumed.status).toBe("completed");
    expect(resumed.output).toBe(3);
  });
});

function budgetErrors(r: { errors: { cause?: unknown }[] }): unknown[] {
  return r.errors.map((x) => x.cause).filter((c) => c instanceof BudgetExceededError);
}
