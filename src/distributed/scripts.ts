/**
 * The Lua scripts that keep a distributed run's state. Each is atomic in Redis, so two workers
 * (or a worker and a late duplicate of the same job) can never both count a producer down or
 * both see a dependent reach zero.
 */
import type { ChainableCommander, Redis } from "ioredis";

/** Status codes as stored (the same numbers as the local scheduler's). */
const RESOLVED = "(st == '2' or st == '3' or st == '4')";

const scripts = {
  /**
   * Creates a run. KEYS: run, pending. ARGV: input, workflow, hash, startedAt, nodes, selection,
   * strategy, then node/count pairs. Returns 0 when the run id is taken.
   */
  weftCreate: {
    keys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'running', 'input', ARGV[1], 'workflow', ARGV[2],
  'hash', ARGV[3], 'startedAt', ARGV[4], 'left', ARGV[5], 'sel', ARGV[6], 'strategy', ARGV[7])
for k = 8, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[k], ARGV[k + 1]) end
return 1`,
  },
  /**
   * What deciding node i needs. KEYS: run, status, values, failedUpstream. ARGV: i, producers.
   * Returns {'gone'} | {'done'} | {'resolved'} | {'ok', cancelled, stopping, reason, selection,
   * strategy, failedUpstream, then status and value of each producer}.
   */
  weftBegin: {
    /**
     * What deciding node i needs. KEYS: run, status, values, failedUpstream, order, executions.
     * ARGV: i, fast, producers. With fast = "1" (a node of plain references that runs only on
     * success) and every producer completed in a running, selected, unstopped run, the node is
     * marked running here, saving the round trip of `weftStart`.
     * Returns {'gone'} | {'done'} | {'resolved'} | {'ok' | 'started', cancelled, stopping, reason,
     * selection, strategy, failedUpstream, executions, then status and value of each producer}.
     */
    keys: 6,
    lua: `
local run = redis.call('HMGET', KEYS[1], 'status', 'cancelled', 'stopping', 'reason', 'sel', 'strategy')
if not run[1] then return {'gone'} end
if run[1] ~= 'running' then return {'done'} end
local st = redis.call('HGET', KEYS[2], ARGV[1])
if ${RESOLVED} then return {'resolved'} end
local out = {'ok', run[2] or '0', run[3] or '0', run[4] or '', run[5] or '', run[6] or '',
  redis.call('HGET', KEYS[4], ARGV[1]) or '0', '0'}
local all = true
for k = 3, #ARGV do
  local s = redis.call('HGET', KEYS[2], ARGV[k]) or '0'
  if s ~= '2' then all = false end
  out[#out + 1] = s
  out[#out + 1] = redis.call('HGET', KEYS[3], ARGV[k]) or ''
end
local i = tonumber(ARGV[1])
if ARGV[2] == '1' and all and out[2] ~= '1' and out[3] ~= '1'
  and (out[5] == '' or string.sub(out[5], i + 1, i + 1) ~= '0') then
  redis.call('HSET', KEYS[2], ARGV[1], '1')
  redis.call('RPUSH', KEYS[5], ARGV[1])
  out[1] = 'started'
  out[8] = tostring(redis.call('HINCRBY', KEYS[6], ARGV[1], 1))
end
return out`,
  },
  weftStart: {
    keys: 4,
    lua: `
local run = redis.call('HMGET', KEYS[1], 'status', 'cancelled')
if run[1] ~= 'running' then return 'done' end
if run[2] == '1' then return 'cancelled' end
local st = redis.call('HGET', KEYS[2], ARGV[1])
if ${RESOLVED} then return 'resolved' end
redis.call('HSET', KEYS[2], ARGV[1], '1')
redis.call('RPUSH', KEYS[3], ARGV[1])
return redis.call('HINCRBY', KEYS[4], ARGV[1], 1)`,
  },
  /**
   * Resolves node i: stores its status, value and info, counts each dependent down and returns
   * those that reached zero. A node already resolved (a duplicate job after a crash) changes
   * nothing and returns the dependents that are ready but unresolved, so they can be enqueued
   * again (job ids make that idempotent).
   * KEYS: run, status, values, info, pending, failedUpstream, completed, errors.
   * ARGV: i, status, value, info, failed-or-failed-upstream, error JSON, stop, stop reason,
   * cancel channel, run id, dependents...
   * Returns {'ok' | 'finished' | 'dup' | 'finished', ready...}.
   */
  weftComplete: {
    /**
     * Resolves node i: stores its status, value and info, counts each dependent down and returns
     * those that reached zero. A node already resolved (a duplicate job after a crash) changes
     * nothing and returns the dependents that are ready but unresolved, so they can be enqueued
     * again (job ids make that idempotent). With a next link of a fused chain, also does what
     * `weftBegin` does for it (its only producer is i), saving a round trip per link.
     * KEYS: run, status, values, info, pending, failedUpstream, completed, errors, order,
     * executions.
     * ARGV: i, status, value, info, failed-or-failed-upstream, error JSON, stop, stop reason,
     * cancel channel, run id, next link (or ''), next is fast, dependents...
     * Returns {'ok' | 'finished' | 'dup', ready..., ['#', 'ok' | 'started', cancelled, stopping,
     * reason, selection, strategy, failedUpstream, executions]}.
     */
    keys: 10,
    lua: `
local i = ARGV[1]
local st = redis.call('HGET', KEYS[2], i)
local ready = {}
if ${RESOLVED} then
  for k = 13, #ARGV do
    local j = ARGV[k]
    local sj = redis.call('HGET', KEYS[2], j)
    if tonumber(redis.call('HGET', KEYS[5], j)) == 0 and not (sj == '2' or sj == '3' or sj == '4') then
      ready[#ready + 1] = j
    end
  end
  local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
  table.insert(ready, 1, left == 0 and 'finished' or 'dup')
  return ready
end
redis.call('HSET', KEYS[2], i, ARGV[2])
if ARGV[2] == '2' then
  redis.call('HSET', KEYS[3], i, ARGV[3])
  redis.call('RPUSH', KEYS[7], i)
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[4], i, ARGV[4]) end
if ARGV[2] == '4' then
  redis.call('HSET', KEYS[1], 'failed', '1')
  redis.call('RPUSH', KEYS[8], ARGV[6])
  if ARGV[7] == '1' and redis.call('HGET', KEYS[1], 'stopping') ~= '1' then
    redis.call('HSET', KEYS[1], 'stopping', '1', 'reason', ARGV[8])
    redis.call('PUBLISH', ARGV[9], ARGV[10])
  end
end
for k = 13, #ARGV do
  local j = ARGV[k]
  if ARGV[5] == '1' then redis.call('HSET', KEYS[6], j, '1') end
  if redis.call('HINCRBY', KEYS[5], j, -1) == 0 then ready[#ready + 1] = j end
end
local left = redis.call('HINCRBY', KEYS[1], 'left', -1)
table.insert(ready, 1, left == 0 and 'finished' or 'ok')
local n = ARGV[11]
if n ~= '' then
  local run = redis.call('HMGET', KEYS[1], 'cancelled', 'stopping', 'reason', 'sel', 'strategy')
  local out = {'#', 'ok', run[1] or '0', run[2] or '0', run[3] or '', run[4] or '', run[5] or '',
    redis.call('HGET', KEYS[6], n) or '0', '0'}
  local idx = tonumber(n)
  if ARGV[12] == '1' and ARGV[2] == '2' and out[3] ~= '1' and out[4] ~= '1'
    and (out[6] == '' or string.sub(out[6], idx + 1, idx + 1) ~= '0') then
    redis.call('HSET', KEYS[2], n, '1')
    redis.call('RPUSH', KEYS[9], n)
    out[2] = 'started'
    out[9] = tostring(redis.call('HINCRBY', KEYS[10], n, 1))
  end
  for k = 1, #out do ready[#ready + 1] = out[k] end
end
return ready`,
  },
  weftCancel: {
    keys: 1,
    lua: `
local run = redis.call('HMGET', KEYS[1], 'status', 'cancelled', 'stopping')
if not run[1] then return -1 end
if run[1] ~= 'running' or run[2] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'cancelled', '1')
if run[3] ~= '1' then redis.call('HSET', KEYS[1], 'stopping', '1', 'reason', 'run cancelled') end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`,
  },
  /**
   * Ends a run once: final status, finish time, compensations; announces it and sets every key
   * of the run to expire. KEYS: every key of the run (the run hash first). ARGV: status,
   * finishedAt, compensations JSON, done channel, run id, seconds to keep (0: forever).
   */
  weftFinish: {
    keys: -1,
    lua: `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'finishedAt', ARGV[2], 'comp', ARGV[3])
local ttl = tonumber(ARGV[6])
if ttl > 0 then for k = 1, #KEYS do redis.call('EXPIRE', KEYS[k], ttl) end end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`,
  },
} as const;

export type ScriptName = keyof typeof scripts;

type Arg = string | number | Buffer;

/** A client with weft's scripts defined on it. */
export interface ScriptClient {
  redis: Redis;
  /** Runs a script; replies as strings (or arrays of them). */
  call(name: ScriptName, keys: string[], args: Arg[]): Promise<unknown>;
  /** Runs a script; replies as Buffers (binary values intact). */
  callBuffer(name: ScriptName, keys: string[], args: Arg[]): Promise<unknown>;
  /**
   * Queues a script on a transaction or pipeline of this client (its reply comes with the
   * batch's), so other commands can travel in the same round trip.
   */
  queue(batch: ChainableCommander, name: ScriptName, keys: string[], args: Arg[]): void;
}

const defined = new WeakMap<Redis, ScriptClient>();

/** {@link withScripts} once per client: a connection shared with BullMQ gets the scripts once. */
export function scriptsOn(redis: Redis): ScriptClient {
  let client = defined.get(redis);
  if (!client) defined.set(redis, (client = withScripts(redis)));
  return client;
}

/** Defines the scripts on `redis` (sent once, then called by SHA). */
export function withScripts(redis: Redis): ScriptClient {
  for (const [name, s] of Object.entries(scripts)) {
    if (s.keys >= 0) redis.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
    else redis.defineCommand(name, { lua: s.lua });
  }
  type Fn = (...a: Arg[]) => Promise<unknown>;
  const commands = redis as unknown as Record<string, Fn>;
  const invoke = (
    target: object,
    fn: string,
    name: ScriptName,
    keys: string[],
    args: Arg[],
  ): Promise<unknown> => {
    const f = (target as Record<string, Fn>)[fn];
    return scripts[name].keys >= 0
      ? f.call(target, ...keys, ...args)
      : f.call(target, keys.length, ...keys, ...args);
  };
  return {
    redis,
    call: (name, keys, args) => invoke(commands, name, name, keys, args),
    callBuffer: (name, keys, args) => invoke(commands, `${name}Buffer`, name, keys, args),
    queue: (batch, name, keys, args) => void invoke(batch, name, name, keys, args),
  };
}
