export * from "./types.js";
export * from "./refs.js";
export * from "./errors.js";
export * from "./hash.js";
export * from "./validate.js";
export * from "./analysis.js";
export * from "./issue-field.js";
export { isReservedName, reservedSegment } from "./reserved.js";
