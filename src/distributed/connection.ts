/** Redis connections of the distributed engine and store. */
import type { ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";

/** A Redis URL (`redis://host:port/db`) or ioredis options. */
export type RedisConnection = string | RedisOptions;

/**
 * A new client. `maxRetriesPerRequest: null` keeps commands queued while the connection is
 * re-established (a dropped connection delays a worker; it does not fail its jobs).
 */
export function connect(connection: RedisConnection, name: string): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, connectionName: name };
  return typeof connection === "string"
    ? new Redis(connection, options)
    : new Redis({ ...options, ...connection });
}

/** The same connection as options BullMQ accepts. */
export function bullConnection(connection: RedisConnection, name: string): ConnectionOptions {
  const base = { maxRetriesPerRequest: null, connectionName: name };
  const options =
    typeof connection === "string" ? { ...base, url: connection } : { ...base, ...connection };
  return options as ConnectionOptions;
}
