// Programs the DAG builder's types once accepted although they fail (or mislead) at run time.
import { branch, dag, fragment, select } from "../../../src/index.js";

type Row = { name: string; age: number };
declare function readRows(path: string): Row[];

const base = dag<{ path: string }>("holes")
  .node("load", { path: "input.path" }, ({ path }) => readRows(path))
  .node("count", { rows: "load" }, ({ rows }) => rows.length);

// 1. runIf "always" (and "any-failed") runs with the arguments of failed or skipped nodes missing
base.node(
  "notify",
  { n: "count" },
  // @ts-expect-error: 'n' is possibly 'undefined'
  ({ n }) => n.toFixed(0),
  { runIf: "always" },
);
base.node(
  "cleanup",
  { rows: "load" },
  // @ts-expect-error: 'rows' is possibly 'undefined'
  ({ rows }) => rows.length,
  { runIf: "any-failed" },
);

// 2. a plain node returning a marker runs as an ordinary node: its "true" port would be empty
// @ts-expect-error: node 'fake' returns branch(): declare it with .condition
base.node("fake", { n: "count" }, ({ n }) => branch(n > 1, n));
// @ts-expect-error: node 'fakeRoute' returns select(): declare it with .select
base.node("fakeRoute", { n: "count" }, ({ n }) => select("big", n));

// 3. an output key with a dot cannot be referenced: "a.x.y" reads field "x", then "y"
const dotted = base.node("odd", {}, () => ({ "x.y": 1, plain: 2 }));
// @ts-expect-error: 'odd.x.y' is not a reference
dotted.node("readDot", { v: "odd.x.y" }, ({ v }) => v);

// 4. a select whose case is a computed string has no typed ports
declare const caseName: string;
const computed = base.select("route", { n: "count" }, ({ n }) => select(caseName, n));
// @ts-expect-error: 'route.anything' is not a reference
computed.node("afterRoute", { v: "route.anything" }, ({ v }) => v);

// 6a. a fragment adding a name the workflow already has
const addsCount = fragment<{ load: Row[] }>()((b) =>
  b.node("count", { rows: "load" }, ({ rows }) => rows.length),
);
// @ts-expect-error: fragment adds 'count', which the workflow already has
base.use(addsCount);

// 6b. the same fragment twice
const scoring = fragment<{ load: Row[] }>()((b) =>
  b.node("score", { rows: "load" }, ({ rows }) => rows.length),
);
// @ts-expect-error: fragment adds 'score', which the workflow already has
base.use(scoring).use(scoring);

// 6c. the output must be a node, not a port
const cond = base.condition("big", { n: "count" }, ({ n }) => branch(n > 10, n));
// @ts-expect-error: "big.true"
cond.returns("big.true");
// @ts-expect-error: "input"
cond.returns("input");

// 6d. a node named by a `string` variable (every later name would read as a duplicate)
declare const computedName: string;
// @ts-expect-error: node names must be string literals
base.node(computedName, { n: "count" }, ({ n }) => n);
