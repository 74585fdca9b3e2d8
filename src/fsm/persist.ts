/**
 * `persist`: an event-driven machine instance kept in a snapshot store under an id, so each
 * event can arrive in another process (an approval today, a deployment signal next week).
 */
import type { SnapshotStore } from "../run/store/types.js";
import type {
  EventArgs,
  EventMachine,
  MachineInstance,
  MachineSnapshot,
  SendResult,
  StartArgs,
} from "./machine.js";

/** A machine instance whose every transition is saved before `send` resolves. */
export interface PersistedInstance<C, S extends string, E> {
  /** The instance as loaded (or started); read its `state`, `context`, `history`. */
  readonly instance: MachineInstance<C, S, E>;
  /** Sends an event and saves the snapshot after it (when a transition was taken). */
  send<K extends keyof E & string>(
    event: K,
    ...payload: EventArgs<E, K>
  ): Promise<SendResult<S, K>>;
  /** Removes the saved snapshot (the instance itself is left as it is). */
  forget(): Promise<boolean>;
}

/**
 * Loads the instance saved under `id`, or starts one with `context` (saving it at once).
 *
 * @example
 * ```ts
 * const d = await persist(deployment, sqliteStore("runs.db"), "deploy-42", { version: "2.4" });
 * await d.send("approve", { by: "ann" }); // saved; a later process loads it in state "approved"
 * ```
 */
export async function persist<C, S extends string, E>(
  machine: EventMachine<C, S, E>,
  store: SnapshotStore,
  id: string,
  ...context: StartArgs<C>
): Promise<PersistedInstance<C, S, E>> {
  const key = `weft:machine:${machine.name}:${id}`;
  const saved = await store.loadSnapshot(key);
  const instance = saved
    ? machine.restore(saved.value as MachineSnapshot<C, S, E>)
    : machine.start(...context);
  if (!saved) await store.saveSnapshot(key, instance.snapshot());
  return {
    instance,
    async send(event, ...payload) {
      const r = await instance.send(event, ...payload);
      if (instance.history.length > 0) await store.saveSnapshot(key, instance.snapshot());
      return r;
    },
    forget: async () => store.deleteSnapshot(key),
  };
}
