import { describe, expect, expectTypeOf, it } from "vitest";
import * as v from "valibot";
import { z } from "zod";
import { dag, fsm, InputError, memoryStore, next, stop, type RunEvent } from "../../src/index.js";

const order = z.object({
  id: z.string().min(1),
  qty: z.coerce.number().int().positive(),
  tags: z.array(z.string()).default([]),
});

const orders = dag("orders", { input: order })
  .node("total", { qty: "input.qty", tags: "input.tags" }, ({ qty, tags }) => ({
    qty,
    tags: tags.length,
  }))
  .build();

describe("dag(name, { input: standardSchema })", () => {
  it("infers the run input from the schema's input and nodes see its output", () => {
    type RunInput = Parameters<typeof orders.run>[0];
    expectTypeOf<RunInput>().toEqualTypeOf<{ id: string; qty: unknown; tags?: string[] }>();
    dag("typed", { input: order }).node("n", { all: "input" }, ({ all }) => {
      expectTypeOf(all).toEqualTypeOf<{ id: string; qty: number; tags: string[] }>();
      return all;
    });
    const vs = v.object({ name: v.string(), n: v.optional(v.number(), 3) });
    const vwf = dag("valibot", { input: vs })
      .node("n", { n: "input.n" }, ({ n }) => {
        expectTypeOf(n).toEqualTypeOf<number>();
        return n;
      })
      .build();
    expectTypeOf<Parameters<typeof vwf.run>[0]>().toEqualTypeOf<{
      name: string;
      n?: number | undefined;
    }>();
  });

  it("gives nodes the schema's output: coercions and defaults applied", async () => {
    const r = await orders.run({ id: "a1", qty: "3" });
    expect(r.status).toBe("completed");
    expect(r.output).toEqual({ qty: 3, tags: 0 });
    expect(r.get("input")).toEqual({ id: "a1", qty: 3, tags: [] });
  });

  it("refuses a bad input before anything runs, listing every issue", async () => {
    const events: RunEvent[] = [];
    const store = memoryStore();
    const bad = { id: "", qty: "-2", tags: [1] } as unknown as z.input<typeof order>;
    const err = await orders
      .run(bad, { onEvent: (e) => events.push(e), checkpoint: store, runId: "r1" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(InputError);
    const issues = (err as InputError).issues.map((i) => i.path).sort();
    expect(issues).toEqual(["input.id", "input.qty", "input.tags[0]"]);
    expect((err as Error).message).toMatch(
      /^invalid input for workflow 'orders'; nothing was run \(3 issues\):\n {2}input\./,
    );
    expect((err as Error).message).toContain("input.tags[0]: ");
    expect(events).toEqual([]);
    expect(store.loadRun("r1")).toBeUndefined();
  });

  it("validates in runSync, and runSync refuses an asynchronous validator", () => {
    const r = orders.runSync({ id: "b", qty: 2, tags: ["x"] });
    expect(r.output).toEqual({ qty: 2, tags: 1 });
    expect(() => orders.runSync({ id: "b", qty: 0 })).toThrow(/input\.qty: /);
    const slow = dag("slow", {
      input: z.object({ n: z.number() }).refine(async (x) => x.n > 0, { message: "must be > 0" }),
    })
      .node("n", { n: "input.n" }, ({ n }) => n)
      .build();
    expect(() => slow.runSync({ n: 1 })).toThrow(
      "workflow 'slow': its input schema (zod) validates asynchronously, which runSync and start() cannot wait for; use run()",
    );
  });

  it("awaits an asynchronous validator in run()", async () => {
    const slow = dag("slow", {
      input: z.object({ n: z.number() }).refine(async (x) => x.n > 0, { message: "must be > 0" }),
    })
      .node("n", { n: "input.n" }, ({ n }) => n * 2)
      .build();
    expect((await slow.run({ n: 2 })).output).toBe(4);
    await expect(slow.run({ n: -1 })).rejects.toThrow("input: must be > 0");
  });

  it("works with valibot: issues with paths, defaults applied", async () => {
    const wf = dag("vb", {
      input: v.object({ name: v.pipe(v.string(), v.minLength(2)), n: v.optional(v.number(), 3) }),
    })
      .node("greet", { name: "input.name", n: "input.n" }, ({ name, n }) => `${name}:${n}`)
      .build();
    expect((await wf.run({ name: "ann" })).output).toBe("ann:3");
    const err = await wf.run({ name: "a", n: "x" } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map((i) => i.path)).toEqual(["input.name", "input.n"]);
  });

  it("does not validate again on resume: the stored (validated) input is used", async () => {
    const store = memoryStore();
    let fail = true;
    const wf = dag("resumable", { input: order })
      .node("a", { qty: "input.qty" }, ({ qty }) => qty + 1)
      .node("b", { a: "a" }, ({ a }) => {
        if (fail) throw new Error("boom");
        return a * 10;
      })
      .build();
    const first = await wf.run({ id: "x", qty: "4" }, { checkpoint: store, runId: "res" });
    expect(first.status).toBe("failed");
    fail = false;
    const r = await wf.resume("res", { checkpoint: store });
    expect(r.status).toBe("completed");
    expect(r.output).toBe(50);
  });

  it("refuses an option 'input' that is not a Standard Schema", () => {
    expect(() => dag("x", { input: { parse: () => 1 } } as never)).toThrow(
      "workflow 'x': option 'input' must be a Standard Schema validator (zod, valibot, arktype...); got a value of type object",
    );
  });
});

describe("fsm(name, { input: standardSchema })", () => {
  const counter = fsm("counter", { input: z.object({ limit: z.coerce.number().max(10) }) })
    .states("tick")
    .state("tick", (input, ctx) => {
      expectTypeOf(input).toEqualTypeOf<{ limit: number }>();
      return ctx.visits("tick") >= input.limit ? stop(ctx.visits("tick")) : next("tick", 0);
    })
    .build();

  it("infers the run input and gives handlers the schema's output", async () => {
    expectTypeOf<Parameters<typeof counter.run>[0]>().toEqualTypeOf<{ limit: unknown }>();
    const r = await counter.run({ limit: "3" });
    expect(r.status).toBe("stopped");
    expect(r.cycles).toBe(3);
  });

  it("refuses a bad input in run() and start()", async () => {
    await expect(counter.run({ limit: 50 })).rejects.toThrow(
      /^invalid input for machine 'counter'; nothing was run \(1 issue\):\n {2}input\.limit: /,
    );
    expect(() => counter.start({ limit: "x" })).toThrow(InputError);
    const s = counter.start({ limit: "1" });
    await s.step();
    expect(s.done).toBe(true);
  });
});
