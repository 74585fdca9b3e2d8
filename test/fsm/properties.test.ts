import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryStore, validateGraph, type RunEvent } from "../../src/index.js";
import { fsm, machine, next, stop, type FsmStatus } from "../../src/index.js";
import {
  buildFsm,
  fsmOutcome,
  fsmSpecArbitrary,
  referenceFsmRun,
  type FsmSpecMetadata,
} from "../../src/testing/index.js";

/**
 * A random function-return machine: each state follows a script, one entry per visit (cycling):
 * the index of the state to go to, or -1 to stop.
 */
const scriptedMachine = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    scripts: fc.array(
      fc.array(fc.integer({ min: -1, max: n - 1 }), { minLength: 1, maxLength: 4 }),
      {
        minLength: n,
        maxLength: n,
      },
    ),
    initial: fc.integer({ min: 0, max: n - 1 }),
    terminal: fc.subarray([...Array(n).keys()]),
    maxCycles: fc.integer({ min: 1, max: 40 }),
  }),
);

type Scripted = { scripts: number[][]; initial: number; terminal: number[]; maxCycles: number };

const names = (n: number) => [...Array(n).keys()].map((i) => `s${i}`);

function build(spec: Scripted) {
  const states = names(spec.scripts.length);
  // Built in a loop from string[]: the loose builder, whose type stays the same call to call.
  let b = fsm("random")
    .states(...states)
    .initial(states[spec.initial]);
  spec.scripts.forEach((script, i) => {
    const targets = [...new Set(script.filter((t) => t >= 0).map((t) => states[t]))];
    b = b.state(
      states[i],
      (_input, ctx) => {
        const choice = script[(ctx.visits(states[i]) - 1) % script.length];
        return choice < 0 ? stop(ctx.cycle) : next(states[choice], ctx.cycle);
      },
      { to: targets },
    );
  });
  return b.build({ maxCycles: spec.maxCycles, terminal: spec.terminal.map((t) => states[t]) });
}

/** What a run of `spec` must do, computed directly. */
function model(spec: Scripted): { status: FsmStatus; history: string[] } {
  const states = names(spec.scripts.length);
  const visits = new Map<number, number>();
  const history: string[] = [];
  let s = spec.initial;
  for (;;) {
    const v = (visits.get(s) ?? 0) + 1;
    visits.set(s, v);
    history.push(states[s]);
    if (spec.terminal.includes(s)) return { status: "terminal", history };
    const script = spec.scripts[s];
    const choice = script[(v - 1) % script.length];
    if (choice < 0) return { status: "stopped", history };
    if (history.length >= spec.maxCycles) return { status: "max-cycles", history };
    s = choice;
  }
}

describe("function-return fsm properties", () => {
  it("a run does what the model says, within maxCycles, along declared edges", async () => {
    await fc.assert(
      fc.asyncProperty(scriptedMachine, async (spec) => {
        const m = build(spec);
        const r = await m.run();
        const want = model(spec);
        expect(r.status).toBe(want.status);
        expect(r.history).toEqual(want.history);
        expect(r.cycles).toBe(r.history.length);
        expect(r.cycles).toBeLessThanOrEqual(spec.maxCycles);
        expect(r.history[0]).toBe(`s${spec.initial}`);
        expect(r.output).toBe(r.cycles - 1);
        const edges = new Set(m.graph.edges.map((e) => `${e.from}>${e.to}`));
        for (let i = 1; i < r.history.length; i++) {
          expect(edges.has(`${r.history[i - 1]}>${r.history[i]}`)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("stepping to the end and running agree", async () => {
    await fc.assert(
      fc.asyncProperty(scriptedMachine, fc.integer({ min: 0, max: 10 }), async (spec, steps) => {
        const m = build(spec);
        const s = m.start();
        for (let i = 0; i < steps && !s.done; i++) await s.step();
        const stepped = await s.finish();
        const whole = await m.run();
        expect(stepped.history).toEqual(whole.history);
        expect(stepped.status).toBe(whole.status);
      }),
      { numRuns: 100 },
    );
  });
});

describe("function-return fsm properties: policies and checkpoints", () => {
  it("random machines with injected failures follow the reference: within maxCycles, tries within attempts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fsmSpecArbitrary({ failures: true, async: true }),
        fc.nat(100),
        async (spec, input) => {
          const tries = new Map<number, number>();
          const events: RunEvent[] = [];
          const metadata: FsmSpecMetadata = {};
          const m = buildFsm(spec, {
            onAttempt: ({ cycle, attempt }) => tries.set(cycle, attempt),
          });
          const r = await m.run(input, { metadata, onEvent: (e) => events.push(e) });
          const want = referenceFsmRun(spec, input);
          expect(fsmOutcome(r, metadata)).toEqual(want.outcome);
          expect(r.cycles).toBeLessThanOrEqual(spec.maxCycles);
          expect(r.cycles).toBe(r.history.length);
          // The last attempt of each visit is the number of tries it made, never more than allowed.
          const made = r.history.map((_, cycle) => tries.get(cycle));
          expect(made).toEqual(want.tries);
          r.history.forEach((state, cycle) => {
            const allowed = spec.states.find((s) => s.name === state)?.attempts ?? 1;
            expect(made[cycle]).toBeLessThanOrEqual(allowed);
          });
          const retries = events.filter((e) => e.type === "node-retry").length;
          expect(retries).toBe(want.tries.reduce((a, b) => a + b - 1, 0));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("resume after a crash at a random visit equals an uninterrupted run", async () => {
    await fc.assert(
      fc.asyncProperty(
        fsmSpecArbitrary({ failures: true, async: true }),
        fc.nat(100),
        fc.nat(),
        async (spec, input, crashPick) => {
          const crashAt = crashPick % (spec.maxCycles + 1);
          const store = memoryStore();
          // First process: the handler of cycle `crashAt` dies (no retry saves it).
          const crashing = buildFsm(spec, { crashAtCycle: crashAt });
          await crashing.run(input, { checkpoint: store, runId: "p", metadata: {} });
          const journaled = (store.loadRun("p")?.entries ?? []).filter(
            (e) => e.status === "completed",
          ).length;
          expect(journaled).toBeLessThanOrEqual(crashAt);

          // Second process: a healthy machine resumes from the journal.
          const executed = new Set<number>();
          const healthy = buildFsm(spec, { onAttempt: ({ cycle }) => executed.add(cycle) });
          const metadata: FsmSpecMetadata = {};
          const resumed = await healthy.resume("p", { checkpoint: store, metadata });
          expect(fsmOutcome(resumed, metadata)).toEqual(referenceFsmRun(spec, input).outcome);
          // No journaled visit ran again.
          for (const cycle of executed) expect(cycle).toBeGreaterThanOrEqual(journaled);
          expect(resumed.metrics.executed).toBe(resumed.cycles - journaled);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/**
 * A random event machine: states s0..sN-1 chained by event "next" (so every state is reachable),
 * plus random transitions on events e0..e2, some from "*", some guarded on the context's parity;
 * every transition's action adds 1 to the context.
 */
const eventMachine = fc.integer({ min: 2, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    extra: fc.array(
      fc.record({
        from: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: n - 1 })), // -1: "*"
        event: fc.integer({ min: 0, max: 2 }),
        to: fc.integer({ min: 0, max: n - 1 }),
        guard: fc.constantFrom<"none" | "even" | "odd">("none", "even", "odd"),
      }),
      { maxLength: 8 },
    ),
    sends: fc.array(fc.constantFrom("next", "e0", "e1", "e2"), { maxLength: 25 }),
  }),
);

type EventSpec = {
  n: number;
  extra: { from: number; event: number; to: number; guard: "none" | "even" | "odd" }[];
  sends: string[];
};

const passes = (g: "none" | "even" | "odd", c: number) =>
  g === "none" || (g === "even") === (c % 2 === 0);

function buildEvents(spec: EventSpec) {
  const states = names(spec.n);
  let b = machine<number>("random-events")
    .states(...states)
    .events("next", "e0", "e1", "e2");
  const action = (c: number) => c + 1;
  for (let i = 0; i + 1 < spec.n; i++)
    b = b.transition(states[i], "next", states[i + 1], { action });
  for (const t of spec.extra) {
    b = b.transition(t.from < 0 ? "*" : states[t.from], `e${t.event}` as "e0", states[t.to], {
      action,
      ...(t.guard === "none" ? {} : { guard: (c: number) => passes(t.guard, c) }),
    });
  }
  return b.build();
}

/** The state and context after each send, computed directly from the spec. */
function eventModel(spec: EventSpec): { state: string; context: number }[] {
  const out: { state: string; context: number }[] = [];
  let s = 0;
  let c = 0;
  for (const ev of spec.sends) {
    const own = spec.extra.filter((t) => t.from === s && `e${t.event}` === ev);
    const wild = spec.extra.filter((t) => t.from < 0 && `e${t.event}` === ev);
    let to: number | undefined;
    if (ev === "next") to = s + 1 < spec.n ? s + 1 : undefined;
    else to = [...own, ...wild].find((t) => passes(t.guard, c))?.to;
    if (to !== undefined) {
      s = to;
      c++;
    }
    out.push({ state: `s${s}`, context: c });
  }
  return out;
}

describe("event-driven machine properties", () => {
  it("follows the model on any event sequence, and its graph is valid", async () => {
    await fc.assert(
      fc.asyncProperty(eventMachine, async (spec) => {
        const m = buildEvents(spec);
        expect(validateGraph(m.graph)).toEqual([]);
        const i = m.start(0);
        const want = eventModel(spec);
        for (let k = 0; k < spec.sends.length; k++) {
          const ev = spec.sends[k];
          const could = i.can(ev);
          expect(i.available().includes(ev)).toBe(could);
          const res = await i.send(ev);
          expect(res.ok).toBe(could);
          expect({ state: i.state, context: i.context }).toEqual(want[k]);
        }
        expect(i.history).toHaveLength(i.context);
      }),
      { numRuns: 200 },
    );
  });

  it("a snapshot taken anywhere, restored and continued, ends where an uninterrupted run does", async () => {
    await fc.assert(
      fc.asyncProperty(eventMachine, fc.nat(), async (spec, cutSeed) => {
        const m = buildEvents(spec);
        const cut = spec.sends.length === 0 ? 0 : cutSeed % (spec.sends.length + 1);
        const whole = m.start(0);
        for (const ev of spec.sends) await whole.send(ev);
        const first = m.start(0);
        for (const ev of spec.sends.slice(0, cut)) await first.send(ev);
        const resumed = m.restore(JSON.parse(JSON.stringify(first.snapshot())));
        for (const ev of spec.sends.slice(cut)) await resumed.send(ev);
        expect(resumed.state).toBe(whole.state);
        expect(resumed.context).toBe(whole.context);
        expect(resumed.history.map(({ event, from, to }) => [event, from, to])).toEqual(
          whole.history.map(({ event, from, to }) => [event, from, to]),
        );
      }),
      { numRuns: 100 },
    );
  });
});
