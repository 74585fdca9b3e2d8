/** State machines: function-return machines (`fsm`) and event-driven machines (`machine`). */
export {
  next,
  stop,
  type Next,
  type Stop,
  type Transition,
  type TransitionValue,
} from "./transition.js";
export type {
  FsmRun,
  FsmRunArgs,
  FsmRunOptions,
  FsmStep,
  FsmStepper,
  StateContext,
  StateHandler,
  StateRef,
} from "./run.js";
export {
  fsm,
  DEFAULT_MAX_CYCLES,
  type FsmBuildOptions,
  type FsmBuilder,
  type FsmMachine,
  type FsmRunStream,
  type FsmStart,
  type StateOptions,
} from "./fsm.js";
export {
  machine,
  TransitionError,
  type EventMachine,
  type HistoryEntry,
  type MachineBuilder,
  type MachineInstance,
  type MachineSnapshot,
  type MachineStart,
  type PayloadArgs,
  type EventArgs,
  type SendResult,
  type SnapshotOf,
  type StartArgs,
  type TransitionInfo,
  type TransitionOptions,
} from "./machine.js";
