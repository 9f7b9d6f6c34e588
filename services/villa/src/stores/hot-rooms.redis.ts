// Redis hot store, shared by every villa process. Each room is a hash
// `room:<id>`; indexes are sorted sets (see hot-rooms.ts); every change that
// must be atomic is one Lua script. The scripts build set keys from the
// client's key prefix (passed as ARGV[1]) because a room's sets depend on
// the fields they read — fine on a standalone or Sentinel Redis, not on a
// Cluster (the keys are not declared).
import type { Redis } from 'ioredis';
import { mapRedisError } from '@bamboo/engines';
import {
  CursorExpiredError,
  generation,
  scopeOf,
  setKey,
  type HeatInput,
  type HotFields,
  type HotRooms,
  type HotRoomsOptions,
  type HotSeed,
  type ListedRoom,
  type ListPage,
  type ListScope,
  type RoomIndexEntry,
} from './hot-rooms.js';

// Shared by the scripts: the scopes of a room (mirrors scopesOf in hot-rooms.ts)
// and taking a room out of every set its hash says it is in.
const COMMON = `
local p = ARGV[1]
local id = ARGV[2]
local function scopes(cat, csv)
  local out = {'all', 'c:' .. cat}
  local tags = {}
  for t in string.gmatch(csv, '[^,]+') do tags[#tags + 1] = t end
  for _, t in ipairs(tags) do out[#out + 1] = 't:' .. t end
  for _, t in ipairs(tags) do out[#out + 1] = 'ct:' .. cat .. ':' .. t end
  return out
end
local function unlist()
  local old = redis.call('HMGET', KEYS[1], 'cat', 'tags', 'live')
  if not old[1] then return end
  local state = old[3] == '1' and 'live' or 'off'
  for _, s in ipairs(scopes(old[1], old[2] or '')) do
    redis.call('ZREM', p .. 'idx:pop:' .. state .. ':' .. s, id)
    redis.call('ZREM', p .. 'idx:start:live:' .. s, id)
  end
  redis.call('ZREM', p .. 'idx:liveids', id)
end
`;

// KEYS: room hash. ARGV: prefix, id, cat, tags csv, live (1/0), startedAt, seed viewers, seed likes, seed popularity, card, rev.
// Returns 0 (and changes nothing) when the hash holds a newer revision.
const INDEX = `${COMMON}
if tonumber(redis.call('HGET', KEYS[1], 'rev') or '-1') > tonumber(ARGV[11]) then return 0 end
unlist()
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'cat', ARGV[3], 'tags', ARGV[4], 'live', ARGV[5], 'start', ARGV[6], 'card', ARGV[10], 'rev', ARGV[11])
redis.call('HSETNX', KEYS[1], 'viewers', ARGV[7])
redis.call('HSETNX', KEYS[1], 'likes', ARGV[8])
redis.call('HSETNX', KEYS[1], 'pop', ARGV[9])
redis.call('HSETNX', KEYS[1], 'gift', 0)
redis.call('HSETNX', KEYS[1], 'dm', 0)
redis.call('HSETNX', KEYS[1], 'heatAt', 0)
local pop = redis.call('HGET', KEYS[1], 'pop')
local state = ARGV[5] == '1' and 'live' or 'off'
for _, s in ipairs(scopes(ARGV[3], ARGV[4])) do
  redis.call('ZADD', p .. 'idx:pop:' .. state .. ':' .. s, pop, id)
  if state == 'live' then redis.call('ZADD', p .. 'idx:start:live:' .. s, ARGV[6], id) end
end
if state == 'live' then redis.call('ZADD', p .. 'idx:liveids', 0, id) end
return 1`;

// KEYS: room hash, dirty set. ARGV: prefix, id, rev, tombstone ttl ms. What stays is a tombstone:
// the hash with only its revision, so a late INDEX of an older revision is refused.
const UNINDEX = `${COMMON}
if tonumber(redis.call('HGET', KEYS[1], 'rev') or '-1') > tonumber(ARGV[3]) then return 0 end
unlist()
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'rev', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SREM', KEYS[2], id)
return 1`;

// KEYS: room hash, dirty set. ARGV: prefix, id, now, viewers ('' = keep), likes+, gift+, danmaku+,
// weight viewer, weight gift, weight danmaku, half-life ms. Mirrors popularity() and decay().
const UPDATE = `${COMMON}
local h = redis.call('HMGET', KEYS[1], 'cat', 'tags', 'live', 'viewers', 'likes', 'gift', 'dm', 'heatAt', 'pop')
if not h[1] then return false end
local now = tonumber(ARGV[3])
local heatAt = tonumber(h[8])
local f = 1
if now > heatAt then f = 2 ^ (-(now - heatAt) / tonumber(ARGV[11])) else now = heatAt end
local gift = tonumber(h[6]) * f + tonumber(ARGV[6])
local dm = tonumber(h[7]) * f + tonumber(ARGV[7])
local viewers = tonumber(h[4])
if ARGV[4] ~= '' then viewers = tonumber(ARGV[4]) end
local likes = tonumber(h[5]) + tonumber(ARGV[5])
local pop = math.floor(viewers * tonumber(ARGV[8]) + gift * tonumber(ARGV[9]) + dm * tonumber(ARGV[10]))
redis.call('HSET', KEYS[1], 'viewers', viewers, 'likes', likes, 'gift', string.format('%.17g', gift),
  'dm', string.format('%.17g', dm), 'heatAt', now)
if pop ~= tonumber(h[9]) then
  redis.call('HSET', KEYS[1], 'pop', pop)
  local state = h[3] == '1' and 'live' or 'off'
  for _, s in ipairs(scopes(h[1], h[2] or '')) do
    redis.call('ZADD', p .. 'idx:pop:' .. state .. ':' .. s, pop, id)
  end
end
redis.call('SADD', KEYS[2], id)
return {viewers, likes, pop}`;

// KEYS: snapshot, source set. ARGV: offset, limit, ttl ms, pinned (1 = a cursor names this snapshot), prefix.
// Returns -1 when a pinned snapshot is gone, else {more (0/1), id, viewers, likes, pop, card, id, ...};
// a room whose hash is gone (unindexed since the snapshot) is left out.
const PAGE = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[4] == '1' then return -1 end
  redis.call('ZUNIONSTORE', KEYS[1], 1, KEYS[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
local first = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local ids = redis.call('ZREVRANGE', KEYS[1], first, first + limit)
local out = {#ids > limit and 1 or 0}
for i = 1, math.min(#ids, limit) do
  local h = redis.call('HMGET', ARGV[5] .. 'room:' .. ids[i], 'viewers', 'likes', 'pop', 'card')
  if h[4] then
    out[#out + 1] = ids[i]
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
    out[#out + 1] = h[3]
    out[#out + 1] = h[4]
  end
end
return out`;

type Reply = [number, number, number] | null;

type Client = Redis & {
  villaIndex(key: string, ...args: (string | number)[]): Promise<number>;
  villaUnindex(key: string, dirty: string, ...args: (string | number)[]): Promise<number>;
  villaUpdate(key: string, dirty: string, ...args: (string | number)[]): Promise<Reply>;
  villaPage(snapshot: string, source: string, ...args: (string | number)[]): Promise<Array<string | number> | number>;
};

/** How long an unindexed room's revision is kept; far longer than any write takes to land. */
const TOMBSTONE_TTL_MS = 24 * 3_600_000;


/** `redis` is the prefixed command client of the engines' hot state (`engines.hot.redis`). */
export function openRedisHotRooms(redis: Redis, options: HotRoomsOptions): HotRooms {
  return new RedisHotRooms(redis, options);
}

class RedisHotRooms implements HotRooms {
  readonly kind = 'redis' as const;
  private readonly redis: Client;
  private readonly prefix: string;

  constructor(redis: Redis, private readonly options: HotRoomsOptions) {
    redis.defineCommand('villaIndex', { numberOfKeys: 1, lua: INDEX });
    redis.defineCommand('villaUnindex', { numberOfKeys: 2, lua: UNINDEX });
    redis.defineCommand('villaUpdate', { numberOfKeys: 2, lua: UPDATE });
    redis.defineCommand('villaPage', { numberOfKeys: 2, lua: PAGE });
    this.redis = redis as Client;
    this.prefix = redis.options.keyPrefix ?? '';
  }

  async index(roomId: string, entry: RoomIndexEntry, seed?: HotSeed): Promise<void> {
    const viewers = seed?.viewers ?? 0;
    const pop = Math.floor(viewers * this.options.weights.viewer);
    await this.run(() =>
      this.redis.villaIndex(
        roomKey(roomId),
        this.prefix,
        roomId,
        entry.categoryId,
        entry.tags.join(','),
        entry.live ? 1 : 0,
        entry.startedAt ?? 0,
        viewers,
        seed?.likes ?? 0,
        pop,
        entry.card,
        entry.rev,
      ),
    );
  }

  async unindex(roomId: string, rev: number): Promise<void> {
    await this.run(() => this.redis.villaUnindex(roomKey(roomId), 'dirty', this.prefix, roomId, rev, TOMBSTONE_TTL_MS));
  }

  setViewers(roomId: string, viewers: number, now: number): Promise<HotFields | null> {
    return this.update(roomId, now, viewers, 0, {});
  }

  addLikes(roomId: string, likes: number, now: number): Promise<HotFields | null> {
    return this.update(roomId, now, '', likes, {});
  }

  addHeat(roomId: string, heat: HeatInput, now: number): Promise<HotFields | null> {
    return this.update(roomId, now, '', 0, heat);
  }

  async fields(roomIds: string[]): Promise<(HotFields | null)[]> {
    if (roomIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of roomIds) pipeline.hmget(roomKey(id), 'viewers', 'likes', 'pop');
    const results = await this.run(() => pipeline.exec());
    return (results ?? []).map(([err, values]) => {
      if (err) throw mapError(err);
      const [viewers, likes, pop] = values as (string | null)[];
      if (viewers === null || viewers === undefined) return null;
      return { viewers: Number(viewers), likes: Number(likes), popularity: Number(pop) };
    });
  }

  async list(scope: ListScope, page: { gen?: number; offset: number; limit: number }, now: number): Promise<ListPage> {
    const gen = page.gen ?? generation(now, this.options.snapshotMs);
    const source = setKey(scope.sort, scope.live, scopeOf(scope));
    const pinned = page.gen !== undefined && page.offset > 0 ? 1 : 0;
    const reply = await this.run(() =>
      this.redis.villaPage(`snap:${gen}:${source}`, source, page.offset, page.limit, this.options.snapshotTtlMs, pinned, this.prefix),
    );
    if (typeof reply === 'number') throw new CursorExpiredError();
    const rooms: ListedRoom[] = [];
    for (let i = 1; i + 4 < reply.length; i += 5) {
      rooms.push({
        roomId: String(reply[i]),
        fields: { viewers: Number(reply[i + 1]), likes: Number(reply[i + 2]), popularity: Number(reply[i + 3]) },
        card: String(reply[i + 4]),
      });
    }
    return { gen, rooms, more: reply[0] === 1 };
  }

  async liveRooms(afterId: string, limit: number): Promise<string[]> {
    const min = afterId === '' ? '-' : `(${afterId}`;
    return this.run(() => this.redis.zrangebylex('idx:liveids', min, '+', 'LIMIT', 0, limit));
  }

  async takeDirty(max: number): Promise<string[]> {
    return this.run(() => this.redis.spop('dirty', max));
  }

  async markDirty(roomIds: string[]): Promise<void> {
    if (roomIds.length > 0) await this.run(() => this.redis.sadd('dirty', ...roomIds));
  }

  async isBuilt(): Promise<boolean> {
    return (await this.run(() => this.redis.exists('built'))) === 1;
  }

  async markBuilt(): Promise<void> {
    await this.run(() => this.redis.set('built', String(Date.now())));
  }

  private async update(
    roomId: string,
    now: number,
    viewers: number | '',
    likes: number,
    heat: HeatInput,
  ): Promise<HotFields | null> {
    const w = this.options.weights;
    const reply = await this.run(() =>
      this.redis.villaUpdate(
        roomKey(roomId),
        'dirty',
        this.prefix,
        roomId,
        now,
        viewers,
        likes,
        heat.gift ?? 0,
        heat.danmaku ?? 0,
        w.viewer,
        w.gift,
        w.danmaku,
        w.halfLifeMs,
      ),
    );
    if (!reply) return null;
    return { viewers: Number(reply[0]), likes: Number(reply[1]), popularity: Number(reply[2]) };
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw mapError(err);
    }
  }
}

function roomKey(roomId: string): string {
  return `room:${roomId}`;
}

/** A reply error that is not transient is a bug and stays an error; the rest is "Redis is down". */
function mapError(err: unknown): unknown {
  return err instanceof CursorExpiredError ? err : mapRedisError(err);
}
