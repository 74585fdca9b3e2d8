/**
 * The benchmark workloads as XState v5 machines. Sync: one state per node with an eventless
 * (`always`) transition whose action calls the node function; the fan is a parallel state with one
 * region per middle node. Async: each state invokes the node function as a promise actor.
 */
import { assign, createActor, fromPromise, setup, toPromise, type AnyStateMachine } from "xstate";
import { inc, incAsync, sum, type Flavor } from "../workloads/trivial.js";
import type { PeerCase, PeerModule, PeerSizes } from "./types.js";

interface Ctx {
  v: number;
  vals: Record<string, number>;
}

const base = setup({
  types: { context: {} as Ctx, output: {} as number },
  actors: { call: fromPromise(({ input }: { input: { x: number } }) => incAsync(input)) },
});

type Machine = ReturnType<typeof base.createMachine>;
type Config = Parameters<typeof base.createMachine>[0];
type States = NonNullable<Config["states"]>;
type StateConfig = States[string];

function machine(states: States, initial: string): Machine {
  return base.createMachine({
    initial,
    // A factory, so the fan's in-place writes never leak from one run into the next.
    context: () => ({ v: 0, vals: {} }),
    states: { ...states, done: { type: "final" } },
    output: ({ context }) => context.v,
  });
}

/** A state that calls `inc` on `v` and moves on to `target`, sync or through a promise actor. */
function step(flavor: Flavor, target: string): StateConfig {
  if (flavor === "sync") {
    return { always: { target, actions: assign({ v: ({ context }) => inc({ x: context.v }) }) } };
  }
  return {
    invoke: {
      src: "call",
      input: ({ context }) => ({ x: context.v }),
      onDone: { target, actions: assign({ v: ({ event }) => event.output }) },
    },
  };
}

function chainMachine(n: number, flavor: Flavor): Machine {
  const states: States = {};
  for (let i = 0; i < n; i++) states[`s${i}`] = step(flavor, i + 1 < n ? `s${i + 1}` : "done");
  return machine(states, "s0");
}

function fanMachine(width: number, flavor: Flavor): Machine {
  const regions: States = {};
  for (let i = 0; i < width; i++) {
    const key = `w${i}`;
    // Each region writes its own slot: copying the context per region would add O(width²) work.
    const region: StateConfig =
      flavor === "sync"
        ? {
            initial: "go",
            states: {
              go: {
                always: {
                  target: "end",
                  // `assign`, not a plain action: plain actions run after the macrostep, which
                  // would be after the join has read `vals`.
                  actions: assign({
                    vals: ({ context }) => {
                      context.vals[key] = inc({ x: context.v });
                      return context.vals;
                    },
                  }),
                },
              },
              end: { type: "final" },
            },
          }
        : {
            initial: "go",
            states: {
              go: {
                invoke: {
                  src: "call",
                  input: ({ context }) => ({ x: context.v }),
                  onDone: {
                    target: "end",
                    actions: ({ context, event }) => {
                      context.vals[key] = event.output;
                    },
                  },
                },
              },
              end: { type: "final" },
            },
          };
    regions[key] = region;
  }
  const states: States = {
    src: step(flavor, "fan"),
    fan: { type: "parallel", states: regions, onDone: { target: "join" } },
    join: {
      always: { target: "done", actions: assign({ v: ({ context }) => sum(context.vals) }) },
    },
  };
  return machine(states, "src");
}

/** Runs a machine from a fresh context to its final state and returns its output. */
function runner(m: AnyStateMachine, flavor: Flavor): () => unknown {
  if (flavor === "sync") {
    return () => {
      const actor = createActor(m).start();
      const snap = actor.getSnapshot();
      if (snap.status !== "done")
        throw new Error(`machine stopped in ${JSON.stringify(snap.value)}`);
      return snap.output;
    };
  }
  return () => toPromise(createActor(m).start());
}

export const xstatePeer: PeerModule = {
  name: "XState v5",
  packages: ["xstate"],
  orientation: "≈ 2.8 µs per transition",
  cases(sizes: PeerSizes): PeerCase[] {
    const out: PeerCase[] = [];
    for (const flavor of sizes.flavors) {
      const c = chainMachine(sizes.chain, flavor);
      out.push({ shape: "chain", flavor, size: sizes.chain, run: runner(c, flavor) });
      const f = fanMachine(sizes.fan, flavor);
      out.push({ shape: "fan", flavor, size: sizes.fan, run: runner(f, flavor) });
    }
    return out;
  },
};
