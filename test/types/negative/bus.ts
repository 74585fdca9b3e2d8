// Events the typed bus must reject at compile time.
import { eventBus } from "../../../src/bus/index.js";
import { dag, memoryStore, signal } from "../../../src/index.js";

type Events = {
  "order.created": { id: string; total: number };
  "order.paid": { id: string };
};
const bus = eventBus<Events>({ store: memoryStore() });

// a payload of the wrong type
// @ts-expect-error: Type 'string' is not assignable to type 'number'
void bus.publish("order.created", { id: "o1", total: "30" });

// a payload missing a field
// @ts-expect-error: total
void bus.publish("order.created", { id: "o1" });

// an event type the bus does not have
// @ts-expect-error: "order.shipped"
void bus.publish("order.shipped", { id: "o1" });

// a handler reading a field its event does not carry
// @ts-expect-error: Property 'total' does not exist
bus.subscribe("order.paid", (p) => p.total);

// replay of an unknown type
// @ts-expect-error: "order.lost"
void bus.replay({ types: ["order.lost"] });

const flow = dag<{ id: string }>("flow")
  .wait("payment", { id: "input.id" }, signal<{ amount: number }>())
  .build();

// deliver to a wait the workflow does not have
// @ts-expect-error: "pay"
bus.deliver("order.paid", flow, (p) => ({ runId: p.id, signal: "pay", payload: { amount: 1 } }));

// deliver a payload of the wrong type
bus.deliver("order.paid", flow, (p) => ({
  runId: p.id,
  signal: "payment",
  // @ts-expect-error: Type 'string' is not assignable to type 'number'
  payload: { amount: "1" },
}));
