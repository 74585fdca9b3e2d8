/** Stream nodes' runtime pieces and windowing helpers. */
export { StreamError } from "./hub.js";
export {
  tumblingWindow,
  slidingWindow,
  type TimeWindow,
  type CountSize,
  type TimeSize,
} from "./window.js";
