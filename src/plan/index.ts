export * from "./types.js";
export * from "./errors.js";
export { planOf, checkPlan, transitiveReduction } from "./plan.js";
export { serializePlan, parsePlan } from "./serialize.js";
