// Wiring mistakes the DAG builder must reject at compile time.
import { dag, branch, select, fragment } from "../../../src/index.js";

type Row = { name: string; age: number };
declare function cleanRows(a: { rows: Row[] }): Row[];
declare function readRows(path: string): Row[];

const base = dag<{ path: string; minAge: number }>("neg")
  .node("load", { path: "input.path" }, ({ path }) => readRows(path))
  .node("names", { rows: "load" }, ({ rows }) => rows.map((r) => r.name));

// upstream output type not assignable to the downstream argument: reported on the dependency
// @ts-expect-error: node 'clean' input 'rows' expects object[] but 'names' gives string[]
base.node("clean", { rows: "names" }, cleanRows);

// @ts-expect-error: node 'typed' input 'n' expects string but 'input.minAge' gives number
base.node("typed", { n: "input.minAge" }, (a: { n: string }) => a.n);

// unknown node
// @ts-expect-error: "lod"
base.node("clean", { rows: "lod" }, cleanRows);

// unknown port or field of an output
// @ts-expect-error: "input.pth"
base.node("x", { p: "input.pth" }, ({ p }) => p);

// duplicate node name
// @ts-expect-error: duplicate node name 'load'
base.node("load", { path: "input.path" }, ({ path }) => path);

// names with dots and the reserved input name
// @ts-expect-error: must not contain '.'
base.node("a.b", { path: "input.path" }, ({ path }) => path);
// @ts-expect-error: reserved
base.node("input", { path: "input.path" }, ({ path }) => path);

// `.any` inputs the function does not accept (it expects only strings)
const mixed = base.node("count", { rows: "load" }, ({ rows }) => rows.length);
type OnlyStrings = (a: { r: { from: "names" | "count"; value: string[] } }) => string[];
const onlyStrings: OnlyStrings = (a) => a.r.value;
// @ts-expect-error: node 'first' input 'r' expects object but 'count' gives number
mixed.any("first", { r: ["names", "count"] }, onlyStrings);

// a select case that does not exist
const routed = base.select("route", { rows: "load" }, ({ rows }) =>
  rows.length > 10 ? select("many", rows) : select("few", rows.length),
);
// @ts-expect-error: "route.some"
routed.node("x", { v: "route.some" }, ({ v }) => v);
// select cases are typed per case: "few" carries a number
// @ts-expect-error: node 'y' input 'rows' expects object[] but 'route.few' gives number
routed.node("y", { rows: "route.few" }, cleanRows);

// condition ports are only true/false
const cond = base.condition("big", { rows: "load" }, ({ rows }) => branch(rows.length > 3, rows));
// @ts-expect-error: "big.maybe"
cond.node("x", { rows: "big.maybe" }, cleanRows);

// `.sub` with an input of the wrong shape
const child = dag<{ rows: Row[]; limit: number }>("child")
  .node("top", { rows: "input.rows", limit: "input.limit" }, ({ rows, limit }) =>
    rows.slice(0, limit),
  )
  .build();
// @ts-expect-error: input 'rows' gets 'names' of the wrong type
base.sub("nested", child, { rows: "names", limit: "input.minAge" });
// @ts-expect-error: input 'limit' is missing
base.sub("nested", child, { rows: "load" });
// @ts-expect-error: does not fit the nested workflow's input
base.sub("nested", child, "input");

// `.map` over something that is not an array
// @ts-expect-error: 'items' must name an array
base.map("each", { items: "input.path" }, ({ item }) => item);

// `.then` gets the previous node's whole output
// @ts-expect-error: Types of parameters
base.then("len", (names: number) => names + 1);

// run input is checked
const built = base.build();
// @ts-expect-error: Object literal may only specify known properties
void built.run({ path: "a", minAge: 1, extra: true });
// @ts-expect-error: minAge
void built.run({ path: "a" });

// results are typed: names is string[]
const run = built.runSync({ path: "a", minAge: 1 });
// @ts-expect-error: not assignable to type 'number'
const n: number | undefined = run.get("names");
// @ts-expect-error: "nope"
run.get("nope");

// fragments check what they need
const needsClean = fragment<{ clean: Row[] }>()((b) =>
  b.node("score", { rows: "clean" }, ({ rows }) => rows.length),
);
// @ts-expect-error: fragment needs node 'clean'
base.use(needsClean);

void n;

// `.all` checks like `.node`
// @ts-expect-error: "nope"
base.all("joined", { x: "nope" }, ({ x }) => x);
// @ts-expect-error: duplicate node name 'names'
base.all("names", { p: "input.path" }, ({ p }) => p);
// @ts-expect-error: node 'cleaned' input 'rows' expects object[] but 'names' gives string[]
base.all("cleaned", { rows: "names" }, cleanRows);

// run options are checked
// @ts-expect-error: Type 'string' is not assignable to type 'boolean | undefined'
void built.run({ path: "a", minAge: 1 }, { timings: "off" });
// @ts-expect-error: 'timing' does not exist
void built.run({ path: "a", minAge: 1 }, { timing: false });
