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
  FsmResumeOptions,
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
  InvalidTransitionError,
  type DefaultStateHooks,
  type FsmDefaults,
  type StateHooks,
  type StatePolicies,
} from "./policies.js";
export type { FsmVisitRecord } from "./journal.js";
export { TransitionVetoedError } from "./run.js";
export { persist, type PersistedInstance } from "./persist.js";
export { wait, type WaitFor } from "./wait.js";
export type { FsmSignalOptions } from "./signal.js";
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
