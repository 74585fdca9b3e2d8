/**
 * The Redis Streams event log, for buses shared by processes on several machines. Each event is
 * XADDed under the ID `<offset>-1` both to the log stream and to a stream of its type (so a
 * subscriber reads only its type), by one Lua script that also takes the next offset, so offsets
 * stay dense and ordered whatever the number of publishers. Group offsets live in a hash, dead
 * letters in a stream of their own.
 *
 * weft does not import a Redis client: pass an ioredis client (or anything with the same few
 * methods).
 */
import type { BusBackend, RawEvent } from "./types.js";

/** The ioredis methods this log uses. */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | Buffer | number)[]): Promise<unknown>;
  xrangeBuffer(
    key: string,
    start: string,
    end: string,
    count: "COUNT",
    n: number,
  ): Promise<[Buffer, Buffer[]][]>;
  get(key: string): Promise<string | null>;
  hget(key: string, field: string): Promise<string | null>;
  hset(key: string, field: string, value: string): Promise<unknown>;
  xadd(key: string, id: string, ...fields: (string | Buffer)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

const APPEND = `
local out = {}
for i = 3, #ARGV do
  local seq = redis.call('INCR', KEYS[1])
  local id = seq .. '-1'
  redis.call('XADD', KEYS[2], id, 't', ARGV[1], 'p', ARGV[i], 'a', ARGV[2])
  redis.call('XADD', KEYS[3], id, 't', ARGV[1], 'p', ARGV[i], 'a', ARGV[2])
  out[#out + 1] = seq
end
return out
`;

/** Options of {@link redisLog}. */
export interface RedisLogOptions {
  /** The client (ioredis). */
  redis: RedisLike;
  /** Prefix of every key the log writes (default `"weft:bus"`); one bus per prefix. */
  prefix?: string;
  /** Quit the client when the bus closes (default false: the caller owns it). */
  quitOnClose?: boolean;
}

/**
 * An event log in Redis Streams.
 *
 * @example
 * ```ts
 * import Redis from "ioredis";
 * const bus = eventBus<Events>({ backend: redisLog({ redis: new Redis(), prefix: "shop:events" }) });
 * ```
 */
export function redisLog(options: RedisLogOptions): BusBackend {
  const { redis } = options;
  const p = options.prefix ?? "weft:bus";
  const seqKey = `${p}:seq`;
  const logKey = `${p}:log`;
  const typeKey = (t: string) => `${p}:type:${t}`;
  const offsetsKey = `${p}:offsets`;
  const deadKey = `${p}:dead`;
  const field = (group: string, type: string) => `${group}\u0000${type}`;
  const read = async (key: string, from: number, limit: number): Promise<RawEvent[]> => {
    const rows = await redis.xrangeBuffer(key, `${Math.max(from, 0)}-0`, "+", "COUNT", limit);
    return rows.map(([id, f]) => {
      const e: Partial<RawEvent> = { offset: Number(id.toString().split("-")[0]) };
      for (let k = 0; k < f.length; k += 2) {
        const name = f[k].toString();
        if (name === "t") e.type = f[k + 1].toString();
        else if (name === "p") e.payload = f[k + 1];
        else if (name === "a") e.at = Number(f[k + 1].toString());
      }
      return e as RawEvent;
    });
  };
  return {
    async append(type, payloads, at) {
      const bufs = payloads.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      const seqs = (await redis.eval(
        APPEND,
        3,
        seqKey,
        logKey,
        typeKey(type),
        type,
        String(at),
        ...bufs,
      )) as number[];
      return seqs.map(Number);
    },
    async read(from, limit, types) {
      if (!types) return read(logKey, from, limit);
      if (types.length === 1) return read(typeKey(types[0]), from, limit);
      const merged = (await Promise.all(types.map((t) => read(typeKey(t), from, limit)))).flat();
      return merged.sort((a, b) => a.offset - b.offset).slice(0, limit);
    },
    async end() {
      return Number((await redis.get(seqKey)) ?? 0) + 1;
    },
    async offset(group, type) {
      const v = await redis.hget(offsetsKey, field(group, type));
      return v === null ? undefined : Number(v);
    },
    async commit(group, type, next) {
      await redis.hset(offsetsKey, field(group, type), String(next));
    },
    async deadLetter(l) {
      await redis.xadd(
        deadKey,
        "*",
        "g",
        l.group,
        "o",
        String(l.event.offset),
        "t",
        l.event.type,
        "p",
        Buffer.from(l.event.payload.buffer, l.event.payload.byteOffset, l.event.payload.byteLength),
        "pa",
        String(l.event.at),
        "e",
        l.error,
        "n",
        String(l.attempts),
        "a",
        String(l.at),
      );
    },
    async deadLetters(group) {
      const rows = await redis.xrangeBuffer(deadKey, "-", "+", "COUNT", 1_000_000);
      const out = rows.map(([, f]) => {
        const m = new Map<string, Buffer>();
        for (let k = 0; k < f.length; k += 2) m.set(f[k].toString(), f[k + 1]);
        const s = (k: string) => (m.get(k) as Buffer).toString();
        return {
          group: s("g"),
          event: {
            offset: Number(s("o")),
            type: s("t"),
            payload: m.get("p") as Buffer,
            at: Number(s("pa")),
          },
          error: s("e"),
          attempts: Number(s("n")),
          at: Number(s("a")),
        };
      });
      return group === undefined ? out : out.filter((d) => d.group === group);
    },
    async close() {
      if (options.quitOnClose) await redis.quit();
    },
  };
}
