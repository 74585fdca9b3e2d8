/** Checkpoint stores (journal of runs, FSM snapshots) and cache stores. */
export * from "./types.js";
export { memoryStore } from "./memory.js";
export {
  sqliteStore,
  SQLITE_SCHEMA_VERSION,
  type SqliteStore,
  type SqliteStoreOptions,
} from "./sqlite.js";
export * from "./cache.js";
