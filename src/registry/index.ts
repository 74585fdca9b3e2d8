/** The versioned function registry. */
export {
  FunctionRegistry,
  isFunctionRegistry,
  registry,
  type ResolvedFunction,
  type VersionedFunction,
} from "./registry.js";
export { parseFunctionRef, versionOf } from "./ref.js";
export { VersionMismatchError, type NodeVersionChange } from "./check.js";
