/**
 * What a run needs besides the scheduler: the event fan-out (callback, trace file, telemetry),
 * the checkpoint journal and, when resuming or reusing an earlier run, the results to preset.
 * Kept apart from the scheduler so a plain run pays for none of it.
 */
import type { Prepared } from "./prepare.js";
import type { RunOptions } from "./options.js";
import type { Journal, Preset } from "./scheduler.js";
import type { RunEvent } from "./types.js";
import { InputError } from "./types.js";
import type { DagRunResult } from "../dag/run-result.js";
import { selectNodes } from "./partial.js";

export interface RunServices {
  input: unknown;
  events?: (e: RunEvent) => void;
  journal?: Journal;
  presets?: Map<number, Preset>;
  /** Runs after the scheduler finishes (close the journal, write the trace). */
  finish?: (result: DagRunResult<unknown, unknown>) => void | Promise<void>;
}

export interface ServiceRequest {
  workflow: { name: string };
  prepared: Prepared;
  runId: string;
  input: unknown;
  options: RunOptions;
  resuming: boolean;
}

export function attachRunServices(req: ServiceRequest): RunServices | Promise<RunServices> {
  const { options, prepared: p } = req;
  const svc: RunServices = { input: req.input };
  if (options.onEvent) svc.events = options.onEvent;
  if (options.reuse !== undefined && typeof options.reuse !== "string") {
    if (!options.from && !options.between) {
      throw new InputError(`run option 'reuse' needs 'from' or 'between' (which nodes to run again)`);
    }
    const earlier = options.reuse;
    const presets = new Map<number, Preset>();
    // Only results of nodes outside the selection are reused.
    const sel = selectNodes(p, options);
    for (let i = 0; i < p.n; i++) {
      if (sel?.[i]) continue;
      const v = earlier.get(p.names[i]);
      if (v !== undefined) presets.set(i, { status: "completed", value: v });
    }
    svc.presets = presets;
  }
  return svc;
}
