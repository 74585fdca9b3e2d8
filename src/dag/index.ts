export {
  dag,
  fragment,
  isDag,
  looseDag,
  type DagOptions,
  type LooseDagBuilder,
} from "./builder.js";
export { dagFromGraph, createDag } from "./dag.js";
export { branch, select, type Branch, type Selected } from "./markers.js";
export {
  signal,
  type Signal,
  type SignalName,
  type SignalOptions,
  type SignalPayload,
  type WaitsOf,
} from "./wait.js";
export type {
  BuilderState,
  DagBuilder,
  FinalDagBuilder,
  Fragment,
  FragmentStart,
  Ctx,
  MapCtx,
  NeedsCheck,
  RefsOf,
  ClosedOf,
  OpenOf,
  Flat,
  FragmentAdds,
  StreamOptions,
} from "./builder-types.js";
export type { Dag, DagRun, AnyDag, NodeImpl, RunArgs, RunStream } from "./dag-types.js";
export type {
  Simplify,
  TypeError,
  ArgsOf,
  RefKeys,
  RefsOfMap,
  Lookup,
  AnyOf,
  PortOf,
  LookupIn,
  ArgsIn,
  ChunkSize,
} from "./type-utils.js";
