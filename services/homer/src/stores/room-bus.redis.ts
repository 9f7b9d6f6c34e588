// Many-node room bus on Redis. One Lua script assigns the sequence number,
// appends to history, records the idempotency key and publishes, so the
// order subscribers see is the sequence order and history is never behind.
// Keys of one room share a hash tag, so the script also runs on Redis Cluster.
import type { HotState } from '@bamboo/engines';
import type { Redis } from 'ioredis';
import { guardRedis as guard, redisOf } from '@bamboo/engines';
import type { Draft, Published, RoomBus, RoomBusOptions, RoomMessage, Since } from './room-bus.js';
import { selectSince, targetOf } from './room-bus.js';

// KEYS: seq, history, idempotency. ARGV: channel, message head, message tail,
// history size, history ttl ms, idempotency ttl ms, '1' when keyed.
const PUBLISH = `
if ARGV[7] == '1' then
  local seen = redis.call('GET', KEYS[3])
  if seen then return {1, seen} end
end
local seq = redis.call('INCR', KEYS[1])
local msg = ARGV[2] .. seq .. ARGV[3]
redis.call('RPUSH', KEYS[2], msg)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
if ARGV[7] == '1' then redis.call('SET', KEYS[3], msg, 'PX', ARGV[6]) end
redis.call('PUBLISH', ARGV[1], msg)
return {0, msg}`;

type Client = Redis & {
  homerPublish(...args: Array<string | number>): Promise<[number, string]>;
};

const channel = (room: string): string => `room:${room}`;
const keys = (room: string) => ({
  seq: `room:{${room}}:seq`,
  history: `room:{${room}}:history`,
  idempotency: (key: string) => `room:{${room}}:idem:${key}`,
});

export function createRedisRoomBus(hot: HotState, options: RoomBusOptions): RoomBus {
  const { redis, prefix } = redisOf(hot);
  const client = redis as Client;
  client.defineCommand('homerPublish', { numberOfKeys: 3, lua: PUBLISH });

  return {
    async publish(room: string, draft: Draft): Promise<Published> {
      const k = keys(room);
      const head = `{"room":${JSON.stringify(room)},"seq":`;
      // The rest in JSON.stringify's order for a RoomMessage, after seq.
      const full = JSON.stringify({
        ts: Date.now(),
        type: draft.type,
        priority: draft.priority,
        body: draft.body,
        ...(draft.from === undefined ? {} : { from: draft.from }),
        ...targetOf(draft),
      });
      const tail = `,${full.slice(1)}`;
      const keyed = draft.idempotencyKey !== undefined;
      const [dup, raw] = await guard(
        client.homerPublish(
          k.seq,
          k.history,
          k.idempotency(draft.idempotencyKey ?? ''),
          prefix + channel(room),
          head,
          tail,
          options.historySize,
          options.historyTtlMs,
          options.idempotencyTtlMs,
          keyed ? '1' : '0',
        ),
      );
      return { message: JSON.parse(raw) as RoomMessage, duplicate: dup === 1 };
    },

    subscribe(room, handler) {
      return hot.subscribe(channel(room), (raw) => handler(JSON.parse(raw) as RoomMessage));
    },

    async since(room: string, afterSeq: number): Promise<Since> {
      const k = keys(room);
      const replies = await guard(redis.multi().get(k.seq).lrange(k.history, 0, -1).exec());
      const [seqReply, historyReply] = replies ?? [];
      if (seqReply?.[0] || historyReply?.[0]) throw seqReply?.[0] ?? historyReply?.[0];
      const lastSeq = Number(seqReply?.[1] ?? 0);
      const kept = ((historyReply?.[1] as string[] | undefined) ?? []).map((raw) => JSON.parse(raw) as RoomMessage);
      return selectSince(kept, afterSeq, lastSeq, Date.now() - options.historyTtlMs);
    },
  };
}
