export {
  ParseError,
  RegistryError,
  SerializeError,
  formatIssue,
  type ParseIssue,
} from "./errors.js";
export { graphToJson, graphToYaml, parseGraph, type ParseGraphOptions } from "./graph-text.js";
export { parseRunRecord, runRecordToJson, type ParseRunRecordOptions } from "./run-record.js";
export { MAX_DOCUMENT_BYTES, MAX_YAML_ALIASES, type ReadOptions } from "./read-document.js";
export {
  fromGraph,
  type FromGraphOptions,
  type Registry,
  type RegistryFunction,
  type RegistryWorkflow,
} from "./from-graph.js";
export { fsmFromGraph, type FsmFromGraphOptions } from "./fsm-from-graph.js";
