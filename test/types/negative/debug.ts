// Debug sessions: breakpoints must name nodes, states or events of the workflow.
import { dag, fsm, machine, next, stop } from "../../../src/index.js";

const etl = dag<{ path: string }>("neg_debug")
  .node("load", { path: "input.path" }, ({ path }) => [path])
  .node("clean", { rows: "load" }, ({ rows }) => rows.filter(Boolean))
  .build();

etl.debug({ path: "a" }, { breakpoints: ["clean", { node: "load" }] });
// @ts-expect-error: Type '"claen"' is not assignable
etl.debug({ path: "a" }, { breakpoints: ["claen"] });
// @ts-expect-error: Type '"laod"' is not assignable
etl.debug({ path: "a" }, { breakpoints: [{ node: "laod", when: () => true }] });
// the input is the workflow's input type
// @ts-expect-error: Type 'number' is not assignable to type 'string'
etl.debug({ path: 1 });
// a pause's node is one of the workflow's nodes
void etl
  .debug({ path: "a" })
  .continue()
  .then((s) => {
    // @ts-expect-error: This comparison appears to be unintentional
    if ("paused" in s && s.node === "input") return;
  });

const light = fsm<{ limit: number }>("neg_debug_fsm")
  .states("red", "green")
  .initial("red")
  .state("red", () => next("green", 1))
  .state("green", (input) => (input.limit > 0 ? stop(2) : next("red", 3)))
  .build();

light.debug({ limit: 1 }, { breakpoints: ["green"] });
// @ts-expect-error: Type '"gren"' is not assignable
light.debug({ limit: 1 }, { breakpoints: ["gren"] });
// `when` sees the run input's type
// @ts-expect-error: Property 'limt' does not exist on type '{ limit: number; }'
light.debug({ limit: 1 }, { breakpoints: [{ node: "red", when: (input) => input.limt > 0 }] });

const door = machine<undefined>("neg_debug_door")
  .states("closed", "open")
  .events("open", "close")
  .transition("closed", "open", "open")
  .transition("open", "close", "closed")
  .build();

door.debug(undefined, {
  events: [["open"], ["close"]],
  breakpoints: ["open", { state: "closed" }],
});
// @ts-expect-error: Type '"opne"' is not assignable
door.debug(undefined, { events: [["open"]], breakpoints: ["opne"] });
// @ts-expect-error: Type '"slam"' is not assignable
door.debug(undefined, { events: [["slam"]] });
