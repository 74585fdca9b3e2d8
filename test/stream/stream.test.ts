import { describe, expect, expectTypeOf, it } from "vitest";
import {
  dag,
  looseDag,
  memoryStore,
  toDot,
  toMermaid,
  graphToJson,
  parseGraph,
  fromGraph,
  type RunEvent,
} from "../../src/index.js";

interface Event {
  level: "info" | "error";
  ms: number;
}

/** An async generator of 0..n-1 that records what it yielded and whether its finally ran. */
function counter(log: { yielded: number; finals: number }) {
  return async function* nums({ n }: { n: number }): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        log.yielded++;
        yield i;
      }
    } finally {
      log.finals++;
    }
  };
}

describe("stream nodes", () => {
  it("runs three stages and types each edge as AsyncIterable of the items", async () => {
    const wf = dag<{ text: string }>("logs")
      .stream("lines", { text: "input.text" }, async function* ({ text }) {
        yield* text.split("\n");
      })
      .stream("parsed", { lines: "lines" }, async function* ({ lines }) {
        expectTypeOf(lines).toEqualTypeOf<AsyncIterable<string>>();
        for await (const l of lines) {
          const [level, ms] = l.split(" ");
          yield { level, ms: Number(ms) } as Event;
        }
      })
      .node("stats", { events: "parsed" }, async ({ events }) => {
        expectTypeOf(events).toEqualTypeOf<AsyncIterable<Event>>();
        let errors = 0;
        let total = 0;
        for await (const e of events) {
          if (e.level === "error") errors++;
          total += e.ms;
        }
        return { errors, total };
      })
      .build();
    const run = await wf.run({ text: "info 5\nerror 7\ninfo 1" });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ errors: 1, total: 13 });
    expectTypeOf(run.get("parsed")).toEqualTypeOf<AsyncIterable<Event> | undefined>();
    // A stream's items are not kept after the run.
    expect(run.get("parsed")).toBeUndefined();
    const rec = run.toJSON().nodes;
    expect(rec.lines.stream).toEqual({ items: 3, journaled: false });
    expect(rec.parsed.stream).toEqual({ items: 3, journaled: false });
    expect(rec.stats.stream).toBeUndefined();
  });

  it("starts readers when the stream starts and pauses the producer at a full buffer", async () => {
    const trace: string[] = [];
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const wf = dag("bp")
      .stream(
        "src",
        {},
        async function* () {
          for (let i = 0; i < 50; i++) {
            produced++;
            maxAhead = Math.max(maxAhead, produced - consumed);
            yield i;
          }
        },
        { buffer: 4 },
      )
      .node("sink", { xs: "src" }, async ({ xs }) => {
        trace.push(`sink started after ${produced} items`);
        const seen: number[] = [];
        for await (const x of xs) {
          seen.push(x);
          consumed++;
          // A slow reader: several turns per item.
          for (let k = 0; k < 5; k++) await Promise.resolve();
        }
        return seen;
      })
      .build();
    const run = await wf.run();
    expect(run.status).toBe("completed");
    expect(run.output).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(trace).toEqual(["sink started after 0 items"]);
    // At most `buffer` items wait, plus the one the generator is making.
    expect(maxAhead).toBeLessThanOrEqual(4 + 1);
  });

  it("gives every item to each of two readers, in order", async () => {
    const wf = dag<{ n: number }>("tee")
      .stream("nums", { n: "input.n" }, counter({ yielded: 0, finals: 0 }), { buffer: 2 })
      .node("fast", { xs: "nums" }, async ({ xs }) => {
        const out: number[] = [];
        for await (const x of xs) out.push(x);
        return out;
      })
      .node("slow", { xs: "nums" }, async ({ xs }) => {
        const out: number[] = [];
        for await (const x of xs) {
          await new Promise((r) => setTimeout(r, 0));
          out.push(x);
        }
        return out;
      })
      .node("both", { a: "fast", b: "slow" }, ({ a, b }) => [a.length, b.length])
      .build();
    const run = await wf.run({ n: 40 });
    expect(run.status).toBe("completed");
    const all = Array.from({ length: 40 }, (_, i) => i);
    expect(run.get("fast")).toEqual(all);
    expect(run.get("slow")).toEqual(all);
    expect(run.output).toEqual([40, 40]);
  });

  it("runs a stream and its readers together under sequential mode", async () => {
    const wf = dag<{ n: number }>("seq")
      .stream("nums", { n: "input.n" }, counter({ yielded: 0, finals: 0 }), { buffer: 1 })
      .node("a", { xs: "nums" }, async ({ xs }) => {
        let s = 0;
        for await (const x of xs) s += x;
        return s;
      })
      .node("b", { xs: "nums" }, async ({ xs }) => {
        let c = 0;
        for await (const _ of xs) c++;
        return c;
      })
      .build();
    const run = await wf.run({ n: 10 }, { mode: "sequential" });
    expect(run.status).toBe("completed");
    expect([run.get("a"), run.get("b")]).toEqual([45, 10]);
  });

  it("stops the producer when its only reader breaks early: return() runs once", async () => {
    const log = { yielded: 0, finals: 0 };
    const wf = dag<{ n: number }>("early")
      .stream("nums", { n: "input.n" }, counter(log), { buffer: 3 })
      .node("first", { xs: "nums" }, async ({ xs }) => {
        const out: number[] = [];
        for await (const x of xs) {
          out.push(x);
          if (out.length === 5) break;
        }
        return out;
      })
      .build();
    const run = await wf.run({ n: 1_000_000 });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual([0, 1, 2, 3, 4]);
    expect(log.finals).toBe(1);
    // The producer ran at most a buffer ahead of the reader.
    expect(log.yielded).toBeLessThanOrEqual(5 + 3 + 1);
    expect(run.statusOf("nums")).toBe("completed");
  });

  it("an early break at the end of two stages returns both generators once", async () => {
    const log = { yielded: 0, finals: 0 };
    let middleFinals = 0;
    const wf = dag<{ n: number }>("early2")
      .stream("nums", { n: "input.n" }, counter(log), { buffer: 2 })
      .stream(
        "squares",
        { xs: "nums" },
        async function* ({ xs }) {
          try {
            for await (const x of xs) yield x * x;
          } finally {
            middleFinals++;
          }
        },
        { buffer: 2 },
      )
      .node("head", { xs: "squares" }, async ({ xs }) => {
        const out: number[] = [];
        for await (const x of xs) if (out.push(x) === 3) break;
        return out;
      })
      .build();
    const run = await wf.run({ n: Number.POSITIVE_INFINITY });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual([0, 1, 4]);
    expect([log.finals, middleFinals]).toEqual([1, 1]);
  });

  it("stops the producer when a reader fails, and the run fails with the reader's error", async () => {
    const log = { yielded: 0, finals: 0 };
    const wf = dag<{ n: number }>("reader-fails")
      .stream("nums", { n: "input.n" }, counter(log))
      .node("picky", { xs: "nums" }, async ({ xs }) => {
        for await (const x of xs) if (x === 3) throw new Error("three is bad");
        return "never";
      })
      .build();
    const run = await wf.run({ n: 1_000_000 });
    expect(run.status).toBe("failed");
    expect(run.errors.map((e) => e.node)).toEqual(["picky"]);
    expect(run.errors[0].message).toMatch(/three is bad/);
    expect(log.finals).toBe(1);
    expect(run.statusOf("nums")).toBe("completed");
  });

  it("fails the readers of a failed producer with an error naming it", async () => {
    const wf = dag("producer-fails")
      .stream("lines", {}, async function* () {
        yield "a";
        throw new Error("disk gone");
      })
      .node("count", { lines: "lines" }, async ({ lines }) => {
        let n = 0;
        for await (const _ of lines) n++;
        return n;
      })
      .build();
    const run = await wf.run();
    expect(run.status).toBe("failed");
    const byNode = Object.fromEntries(run.errors.map((e) => [e.node, e.message]));
    expect(byNode.lines).toMatch(/disk gone/);
    expect(byNode.count).toMatch(/stream 'lines' failed: disk gone/);
    expect(run.statusOf("lines")).toBe("failed");
  });

  it("stops every stage when the run is cancelled", async () => {
    const log = { yielded: 0, finals: 0 };
    const controller = new AbortController();
    const wf = dag<{ n: number }>("cancel")
      .stream("nums", { n: "input.n" }, counter(log))
      .stream("twice", { xs: "nums" }, async function* ({ xs }) {
        for await (const x of xs) yield x * 2;
      })
      .node("sink", { xs: "twice" }, async ({ xs }) => {
        let n = 0;
        for await (const _ of xs) {
          if (++n === 10) controller.abort(new Error("enough"));
        }
        return n;
      })
      .build();
    const run = await wf.run({ n: Number.POSITIVE_INFINITY }, { signal: controller.signal });
    expect(run.status).toBe("cancelled");
    expect(log.finals).toBe(1);
    expect(run.statusOf("sink")).toBe("failed");
  });

  it("reports items per stage in node-items events", async () => {
    const events: RunEvent[] = [];
    const wf = dag<{ n: number }>("events")
      .stream("nums", { n: "input.n" }, counter({ yielded: 0, finals: 0 }))
      .stream("odd", { xs: "nums" }, async function* ({ xs }) {
        for await (const x of xs) if (x % 2 === 1) yield x;
      })
      .node("sum", { xs: "odd" }, async ({ xs }) => {
        let s = 0;
        for await (const x of xs) s += x;
        return s;
      })
      .build();
    const run = await wf.run({ n: 100 }, { onEvent: (e) => events.push(e) });
    expect(run.output).toBe(2500);
    const last = (node: string) =>
      events.filter((e) => e.type === "node-items" && e.node === node).at(-1);
    expect(last("nums")).toMatchObject({ items: 100, done: true });
    expect(last("odd")).toMatchObject({ items: 50, done: true });
    const starts = events.filter((e) => e.type === "node-start").map((e) => e.node);
    expect(starts).toEqual(["nums", "odd", "sum"]);
  });

  it("feeds .then and .any readers their own iterator", async () => {
    const wf = dag("then-any")
      .stream("letters", {}, async function* () {
        yield* ["a", "b", "c"];
      })
      .then("joined", async (xs) => {
        expectTypeOf(xs).toEqualTypeOf<AsyncIterable<string>>();
        let s = "";
        for await (const x of xs) s += x;
        return s;
      })
      .any("first", { src: ["letters"] }, async ({ src }) => {
        let n = 0;
        for await (const _ of src.value) n++;
        return `${src.from}:${n}`;
      })
      .build();
    const run = await wf.run();
    expect(run.status).toBe("completed");
    expect([run.get("joined"), run.get("first")]).toEqual(["abc", "letters:3"]);
  });

  it("drains a stream nobody reads", async () => {
    const log = { yielded: 0, finals: 0 };
    const wf = dag<{ n: number }>("sink-stream")
      .stream("nums", { n: "input.n" }, counter(log))
      .build();
    const run = await wf.run({ n: 30 });
    expect(run.status).toBe("completed");
    expect(log).toEqual({ yielded: 30, finals: 1 });
    expect(run.output).toBeUndefined();
  });

  it("fails clearly in runSync and when the function returns no async iterable", () => {
    const wf = dag("sync")
      .stream("s", {}, async function* () {
        yield 1;
      })
      .build();
    const run = wf.runSync();
    expect(run.status).toBe("failed");
    expect(run.errors[0].message).toMatch(/stream 's' cannot run in runSync/);
    const loose = looseDag("not-iterable")
      .stream("s", {}, (() => [1, 2]) as never)
      .build();
    return loose.run().then((r) => {
      expect(r.status).toBe("failed");
      expect(r.errors[0].message).toMatch(/stream 's' must return an async iterable/);
    });
  });

  it("journals the first result downstream, not the stream, and resume restarts the producer", async () => {
    const store = memoryStore();
    let starts = 0;
    let failOnce = true;
    const wf = dag<{ n: number }>("resume")
      .node("setup", { n: "input.n" }, ({ n }) => n * 2)
      .stream("nums", { n: "setup" }, async function* ({ n }) {
        starts++;
        for (let i = 0; i < n; i++) yield i;
      })
      .node("sum", { xs: "nums" }, async ({ xs }) => {
        let s = 0;
        for await (const x of xs) s += x;
        if (failOnce) {
          failOnce = false;
          throw new Error("crash");
        }
        return s;
      })
      .node("report", { s: "sum" }, ({ s }) => `sum=${s}`)
      .build();
    const first = await wf.run({ n: 5 }, { checkpoint: store, runId: "r1" });
    expect(first.status).toBe("failed");
    expect(store.loadRun("r1")?.entries.map((e) => [e.node, e.status])).toEqual([
      ["setup", "completed"],
      ["sum", "failed"],
      ["report", "skipped"],
    ]);
    const resumed = await wf.resume("r1", { checkpoint: store });
    expect(resumed.status).toBe("completed");
    expect(resumed.output).toBe("sum=45");
    expect(starts).toBe(2);
    // Once its reader's result is journaled, a resume does not start the stream again.
    expect(store.loadRun("r1")?.entries.map((e) => e.node)).toEqual(["setup", "sum", "report"]);
  });

  it("does not start a stream whose readers all completed before a resume", async () => {
    const store = memoryStore();
    let yielded = 0;
    let failOnce = true;
    const wf = dag("resume2")
      .stream("nums", {}, async function* () {
        for (let i = 0; i < 5; i++) {
          yielded++;
          yield i;
        }
      })
      .node("count", { xs: "nums" }, async ({ xs }) => {
        let n = 0;
        for await (const _ of xs) n++;
        return n;
      })
      .node("after", { n: "count" }, ({ n }) => {
        if (failOnce) {
          failOnce = false;
          throw new Error("later failure");
        }
        return n + 1;
      })
      .build();
    expect((await wf.run(undefined, { checkpoint: store, runId: "r2" })).status).toBe("failed");
    expect(yielded).toBe(5);
    const resumed = await wf.resume("r2", { checkpoint: store });
    expect(resumed.output).toBe(6);
    expect(yielded).toBe(5);
  });

  it("refuses misuse of streams at build time, naming the nodes", () => {
    const gen = async function* () {
      yield 1;
    };
    const b = looseDag("misuse").stream("s", {}, gen);
    expect(() => b.map("m", { items: "s" }, ({ item }) => item).build()).toThrow(
      "map 'm' fans out over stream 's': .map needs an array",
    );
    expect(() => b.node("p", { x: "s.length" }, () => 1).build()).toThrow(
      "node 'p' depends on 's.length', but 's' is a stream",
    );
    expect(() =>
      looseDag("opts")
        .stream("s", {}, gen, { retry: { attempts: 2 } } as never)
        .build(),
    ).toThrow("stream 's' cannot have option 'retry'");
    expect(() => b.node("r", { x: "s" }, () => 1, { retry: { attempts: 2 } }).build()).toThrow(
      "node 'r' reads stream 's' and cannot have option 'retry'",
    );
    expect(() =>
      b
        .node("a", { x: "s" }, () => 1)
        .node("b", { x: "s", a: "a" }, () => 2)
        .build(),
    ).toThrow("node 'b' reads stream 's' and waits for 'a', which reads it too");
    expect(() => looseDag("buf").stream("s", {}, gen, { buffer: 0 })).toThrow(
      "stream 's': option 'buffer' must be a whole number ≥ 1, got 0",
    );
  });

  it("rebuilds a stream workflow from its JSON with a function registry, buffer included", async () => {
    let maxAhead = 0;
    let produced = 0;
    let read = 0;
    async function* nums(): AsyncGenerator<number> {
      for (let i = 0; i < 20; i++) {
        produced++;
        maxAhead = Math.max(maxAhead, produced - read);
        yield i;
      }
    }
    async function total({ xs }: { xs: AsyncIterable<number> }): Promise<number> {
      let s = 0;
      for await (const x of xs) {
        read++;
        s += x;
        await new Promise((r) => setTimeout(r, 0));
      }
      return s;
    }
    const wf = dag("rebuilt")
      .stream("nums", {}, nums, { buffer: 2 })
      .node("total", { xs: "nums" }, total)
      .build();
    const back = fromGraph(parseGraph(graphToJson(wf.graph)), { nums, total });
    const run = await back.run();
    expect(run.output).toBe(190);
    expect(maxAhead).toBeLessThanOrEqual(2 + 1);
  });

  it("keeps the stream kind and buffer through JSON and draws stream edges thick", () => {
    const wf = dag("draw")
      .stream(
        "s",
        {},
        async function* () {
          yield 1;
        },
        { buffer: 8 },
      )
      .node("r", { xs: "s" }, () => 1)
      .build();
    const back = parseGraph(graphToJson(wf.graph));
    expect(back.nodes[0]).toMatchObject({ name: "s", kind: "stream", options: { buffer: 8 } });
    const mermaid = toMermaid(wf.graph);
    expect(mermaid).toContain('s>"s<br/>stream, buffer 8"]');
    expect(mermaid).toContain("s ==> r");
    const dot = toDot(wf.graph);
    expect(dot).toMatch(/"s" -> "r" \[style="?bold"?, penwidth="?2"?\]/);
    expect(dot).toMatch(/shape="?cds"?/);
  });
});
