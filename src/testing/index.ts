/**
 * Property-testing helpers for weft workflows (`import … from "weftjs/testing"`).
 */
export * from "./arbitraries.js";
export * from "./properties.js";
export * from "./fsm-arbitraries.js";
export * from "./from-schema.js";
