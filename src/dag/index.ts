export { dag, fragment, isDag, looseDag, type DagOptions, type LooseDagBuilder } from "./builder.js";
export { dagFromGraph, createDag } from "./dag.js";
export { branch, select, type Branch, type Selected } from "./markers.js";
export type { DagBuilder, FinalDagBuilder, Fragment, Ctx, MapCtx, NeedsCheck } from "./builder-types.js";
export type { Dag, DagRun, AnyDag, NodeImpl, RunArgs, RunStream } from "./dag-types.js";
export type { Simplify, TypeError, ArgsOf, NodeRefs, RefKey, AnyOf } from "./type-utils.js";
