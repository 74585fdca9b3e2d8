import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { looseDag } from "../../src/index.js";
import { StreamHub } from "../../src/stream/hub.js";

/** `n` turns of the microtask queue: a speed without timers, so runs are deterministic. */
async function turns(n: number): Promise<void> {
  for (let k = 0; k < n; k++) await Promise.resolve();
}

const reader = fc.record({
  // Turns per item read.
  speed: fc.nat(4),
  // Stop after this many items (break); undefined reads to the end.
  stopAfter: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
});

const scenario = fc.record({
  items: fc.nat(60),
  producerSpeed: fc.nat(4),
  buffer: fc.integer({ min: 1, max: 8 }),
  readers: fc.array(reader, { minLength: 1, maxLength: 4 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function expected(s: Scenario, r: Scenario["readers"][number]): number[] {
  const n = r.stopAfter === undefined ? s.items : Math.min(r.stopAfter, s.items);
  return Array.from({ length: n }, (_, i) => i);
}

function producer(s: Scenario, log: { finals: number }) {
  return async function* (): AsyncGenerator<number> {
    try {
      for (let i = 0; i < s.items; i++) {
        await turns(s.producerSpeed);
        yield i;
      }
    } finally {
      log.finals++;
    }
  };
}

async function read(xs: AsyncIterable<number>, r: Scenario["readers"][number]): Promise<number[]> {
  const seen: number[] = [];
  for await (const x of xs) {
    seen.push(x);
    await turns(r.speed);
    if (r.stopAfter !== undefined && seen.length >= r.stopAfter) break;
  }
  return seen;
}

describe("stream backpressure and cancellation (property)", () => {
  it("hub: each reader sees every item in order until it stops; return() once; buffer bounded", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const log = { finals: 0 };
        const ids = s.readers.map((_, k) => k);
        const hub = new StreamHub(producer(s, log)(), {
          node: "p",
          buffer: s.buffer,
          consumers: ids,
        });
        const seen = await Promise.all(s.readers.map((r, k) => read(hub.cursor(k), r)));
        const error = await hub.done;
        expect(error).toBeUndefined();
        s.readers.forEach((r, k) => expect(seen[k]).toEqual(expected(s, r)));
        // The generator started (some reader pulled) and its finally ran exactly once.
        expect(log.finals).toBe(1);
        expect(hub.maxBuffered).toBeLessThanOrEqual(s.buffer);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it("workflow: readers as nodes see every item in order; the producer's finally runs once", async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.constantFrom<"parallel" | "sequential">("parallel", "sequential"),
        async (s, mode) => {
          const log = { finals: 0 };
          let b = looseDag("prop").stream("p", {}, producer(s, log), { buffer: s.buffer });
          s.readers.forEach((r, k) => {
            b = b.node(`r${k}`, { xs: "p" }, ({ xs }) => read(xs as AsyncIterable<number>, r));
          });
          const run = await b.build().run(undefined, { mode });
          expect(run.status).toBe("completed");
          s.readers.forEach((r, k) => expect(run.get(`r${k}`)).toEqual(expected(s, r)));
          expect(log.finals).toBe(1);
          expect(run.toJSON().nodes.p.stream?.items).toBeLessThanOrEqual(s.items);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);
});
