/** "Did you mean ...?" suggestions: one copy, kept with the graph model and shared here. */
export { editDistance, nearestName } from "../src/graph/nearest-name.js";
