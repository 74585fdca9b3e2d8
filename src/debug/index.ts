/** Debug sessions (`wf.debug`, `machine.debug`): breakpoints, stepping, changed arguments, traces. */
export { DebugAbortedError, type DebugPauseBase, type DebugSession } from "./core.js";
export type {
  DagBreakpoint,
  DagDebugOptions,
  DagDebugSession,
  DagNodeName,
  DagPause,
  DagResults,
} from "./dag.js";
export type {
  FsmBreakpoint,
  FsmDebugContext,
  FsmDebugOptions,
  FsmDebugSession,
  FsmPause,
  FsmResults,
} from "./fsm.js";
export type {
  MachineBreakpoint,
  MachineDebugContext,
  MachineDebugOptions,
  MachineDebugRun,
  MachineDebugSession,
  MachineEventInput,
  MachinePause,
} from "./machine.js";
