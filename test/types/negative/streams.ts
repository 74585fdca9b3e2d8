// Stream wiring the DAG builder must reject at compile time.
import { dag } from "../../../src/index.js";

interface Event {
  level: string;
  ms: number;
}

const base = dag<{ path: string }>("logs")
  .stream("lines", { path: "input.path" }, async function* ({ path }) {
    yield path;
  })
  .stream("parsed", { lines: "lines" }, async function* ({ lines }) {
    for await (const l of lines) yield { level: l, ms: 1 } as Event;
  });

// a reader declaring items of another type
base.node(
  "stats",
  // @ts-expect-error: expects AsyncIterable<string> but 'parsed' gives AsyncIterable<object>
  { events: "parsed" },
  async ({ events }: { events: AsyncIterable<string> }) => {
    for await (const e of events) void e;
  },
);

// a reader declaring an array where the stream gives an async iterable
// @ts-expect-error: expects object[] but 'parsed' gives AsyncIterable<object>
base.node("all", { events: "parsed" }, ({ events }: { events: Event[] }) => events.length);

// reading an item field that items do not have
base.stream("bad", { events: "parsed" }, async function* ({ events }) {
  // @ts-expect-error: Property 'nope' does not exist
  for await (const e of events) yield e.nope;
});

// .map over a stream: items must be an array
// @ts-expect-error: 'items' must name an array
base.map("each", { items: "parsed" }, ({ item }) => item);

// a stream function that is not an async generator
// @ts-expect-error: AsyncIterable
base.stream("sync", { lines: "lines" }, function* ({ lines }) {
  yield lines;
});
