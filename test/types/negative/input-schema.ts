// A workflow whose input comes from a Standard Schema: run() takes the schema's input type.
import { z } from "zod";
import * as v from "valibot";
import { dag, fsm, stop } from "../../../src/index.js";

const wf = dag("orders", { input: z.object({ id: z.string(), qty: z.number() }) })
  .node("total", { qty: "input.qty" }, ({ qty }) => qty * 2)
  .build();

void wf.run({ id: "a", qty: 1 });
// @ts-expect-error: Type 'string' is not assignable to type 'number'
void wf.run({ id: "a", qty: "1" });
// @ts-expect-error: Property 'qty' is missing
void wf.runSync({ id: "a" });

// nodes see the schema's output: 'input.nope' is not a field of it
dag("bad-ref", { input: v.object({ n: v.number() }) })
  // @ts-expect-error: nope
  .node("x", { n: "input.nope" }, ({ n }) => n);

const m = fsm("m", { input: v.object({ limit: v.number() }) })
  .states("a")
  .state("a", (input) => stop(input.limit))
  .build();
void m.run({ limit: 1 });
// @ts-expect-error: Type 'boolean' is not assignable to type 'number'
void m.run({ limit: true });
