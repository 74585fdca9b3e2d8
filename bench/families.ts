/** Every benchmark family, in the order of the report. */
import { cli } from "./cli.js";
import type { Family } from "./lib/report.js";
import { distributed } from "./distributed.js";
import { bus } from "./bus.js";
import { memory } from "./memory.js";
import { overhead } from "./overhead.js";
import { parallel } from "./parallel.js";
import { peers } from "./peers/compare.js";
import { scheduling } from "./scheduling.js";
import { serialization } from "./serialization.js";
import { tasks } from "./tasks.js";
import { serveFamily } from "./serve.js";
import { streams } from "./streams.js";
import { threads } from "./threads.js";
import { types } from "./types-cost.js";

export const FAMILIES: Family[] = [
  overhead,
  peers,
  parallel,
  threads,
  scheduling,
  memory,
  types,
  serialization,
  tasks,
  serveFamily,
  distributed,
  cli,
  bus,
  streams,
];
