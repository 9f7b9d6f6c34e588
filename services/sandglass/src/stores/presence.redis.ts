// Presence on Redis, shared by every sandglass process. Users are spread
// over hash-tagged shards `{sN}` (N = hash(uid) mod shards); a shard's keys
// live in one Cluster slot, so each Lua script touches one slot only (layout
// in presence.lua.ts). A heartbeat is one script call; a batch is one call
// per shard. Calls to several shards are all written before any reply is
// awaited (protocol pipelining: one round trip on one connection) but as
// separate commands, so a Cluster client can route each to its own node,
// which one multi-slot pipeline object could not. Reads that span shards
// (counts, members, the feed) ask every shard that way and merge.
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '@bamboo/kit';
import { mapRedisError } from '@bamboo/engines';
import { DAY_MS, dayOf, dayStart } from '../presence/days.js';
import { unionOf, type SourceModules } from '../presence/sources.js';
import type { Clock } from '../presence/clock.js';
import * as lua from './presence.lua.js';
import type {
  EventsPage,
  Heartbeat,
  MembersPage,
  PresenceOptions,
  PresenceStore,
  Transition,
  TransitionType,
  UserDurations,
  UserStatus,
} from './presence.js';

const SCRIPTS = {
  sgHeartbeat: lua.HEARTBEAT,
  sgOffline: lua.OFFLINE,
  sgReap: lua.REAP,
  sgCounts: lua.COUNTS,
  sgMembers: lua.MEMBERS,
  sgTakeChanged: lua.TAKE_CHANGED,
  sgDurationsOf: lua.DURATIONS_OF,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Args = Array<string | number>;


export interface RedisPresenceOptions extends PresenceOptions {
  /** Number of hash-tagged shards; every process on one Redis must use the same. */
  shards: number;
}

export function openRedisPresence(redis: Redis, clock: Clock, options: RedisPresenceOptions): PresenceStore {
  return new RedisPresence(redis, clock, options);
}

/** FNV-1a: a stable, fast string hash, the same in every process. */
export function shardOf(uid: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) {
    h ^= uid.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

class RedisPresence implements PresenceStore {
  readonly kind = 'redis' as const;
  private readonly bases: string[];
  private days: { start: number; today: string; yesterday: string } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly options: RedisPresenceOptions,
  ) {
    for (const [name, script] of Object.entries(SCRIPTS)) {
      redis.defineCommand(name, { numberOfKeys: 1, lua: script });
    }
    this.bases = Array.from({ length: options.shards }, (_, i) => `{s${i}}:`);
  }

  async heartbeat(beats: Heartbeat[]): Promise<void> {
    const head = this.countingHead();
    if (beats.length === 1) {
      // The common case, without the grouping below.
      const beat = beats[0]!;
      await this.scripts([['sgHeartbeat', this.baseOf(beat.uid), [...head, ...beatArgs(beat)]]]);
      return;
    }
    const byShard = new Map<number, Args>();
    for (const beat of beats) {
      const shard = shardOf(beat.uid, this.options.shards);
      let args = byShard.get(shard);
      if (!args) byShard.set(shard, (args = [...head]));
      args.push(...beatArgs(beat));
    }
    await this.scripts([...byShard].map(([shard, args]) => ['sgHeartbeat', this.bases[shard]!, args]));
  }

  async offline(uid: string): Promise<boolean> {
    const base = this.bases[shardOf(uid, this.options.shards)]!;
    const [was] = await this.scripts([['sgOffline', base, [...this.countingHead(), uid]]]);
    return was === 1;
  }

  async status(uids: string[]): Promise<UserStatus[]> {
    const now = this.clock.now();
    const T = this.options.offlineAfterMs;
    const rows = await this.all(uids.map((uid) => () => this.redis.hgetall(this.userKey(uid))));
    return uids.map((uid, i) => {
      const row = rows[i]!;
      // Sources not reaped yet but past their deadline no longer count.
      const live = sourcesOf(row).filter((s) => s.last + T > now);
      if (live.length === 0) return { uid, online: false, since: null, lastSeen: null, modules: [], platform: null };
      return { uid, online: true, since: Number(row.since), lastSeen: lastOf(live), modules: unionOf(live), platform: row.plat ?? null };
    });
  }

  async counts(modules: string[]): Promise<Record<string, number>> {
    const head = [...this.head(), this.options.reapBatch];
    const perShard = (await this.scripts(this.bases.map((base) => ['sgCounts', base, [...head, ...modules]]))) as number[][];
    return Object.fromEntries(modules.map((m, i) => [m, perShard.reduce((sum, counts) => sum + counts[i]!, 0)]));
  }

  async members(module: string, after: string | null, limit: number): Promise<MembersPage> {
    // One more than asked from each shard tells whether another page exists.
    const args = [...this.head(), this.options.reapBatch, module, after ?? '', limit + 1];
    const perShard = (await this.scripts(this.bases.map((base) => ['sgMembers', base, args]))) as string[][];
    const all = perShard.flat().sort();
    const uids = all.slice(0, limit);
    return { uids, next: all.length > limit ? uids.at(-1)! : null };
  }

  async durations(uid: string): Promise<UserDurations> {
    const [reply] = await this.scripts([['sgDurationsOf', this.baseOf(uid), [uid]]]);
    const [days, user] = (reply as [string[], string[]]).map(pairsOf) as [Record<string, string>, Record<string, string>];
    const durations = parseDurations(days);
    // The current stretch's time not yet in the durations hash (see the top of presence.lua.ts).
    const { cnt, cday } = user;
    const pending = lastOf(sourcesOf(user)) - Number(cnt);
    if (cnt !== undefined && cday !== undefined && pending > 0) {
      durations.days[cday] = (durations.days[cday] ?? 0) + pending;
      durations.totalMs += pending;
    }
    return durations;
  }

  async reap(): Promise<number> {
    const args = [...this.head(), this.options.reapBatch];
    const reaped = (await this.scripts(this.bases.map((base) => ['sgReap', base, args]))) as number[];
    return reaped.reduce((a, b) => a + b, 0);
  }

  async events(cursor: string | null, limit: number): Promise<EventsPage> {
    const positions = cursor === null ? this.bases.map(() => '0-0') : cursor.split('.');
    if (positions.length !== this.bases.length || !positions.every((p) => /^\d{1,20}-\d{1,20}$/.test(p))) {
      throw new RangeError('malformed cursor');
    }
    const streams = await this.all(
      this.bases.map((base, i) => () => this.redis.xrange(`${base}ev`, `(${positions[i]}`, '+', 'COUNT', limit)),
    );
    // k-way merge by time that keeps each shard's own order.
    const heads = streams.map(() => 0);
    const events: Transition[] = [];
    while (events.length < limit) {
      let pick = -1;
      let pickAt = Infinity;
      streams.forEach((entries, s) => {
        const entry = entries[heads[s]!];
        if (entry && Number(field(entry[1], 'a')) < pickAt) {
          pick = s;
          pickAt = Number(field(entry[1], 'a'));
        }
      });
      if (pick < 0) break;
      const [id, fields] = streams[pick]![heads[pick]!]!;
      heads[pick] = heads[pick]! + 1;
      positions[pick] = id;
      const module = field(fields, 'm');
      events.push({
        cursor: positions.join('.'),
        type: field(fields, 't') as TransitionType,
        uid: field(fields, 'u')!,
        ...(module ? { module } : {}),
        at: pickAt,
      });
    }
    return { events, next: positions.join('.') };
  }

  async takeChanged(max: number): Promise<Array<{ uid: string } & UserDurations>> {
    const args = [...this.head(), Math.max(1, Math.ceil(max / this.bases.length))];
    const replies = (await this.scripts(this.bases.map((base) => ['sgTakeChanged', base, args]))) as Array<
      Array<string | string[]>
    >;
    const out: Array<{ uid: string } & UserDurations> = [];
    for (const flat of replies) {
      for (let i = 0; i < flat.length; i += 2) {
        const hash = flat[i + 1] as string[];
        if (hash.length === 0) continue; // durations expired meanwhile: nothing to write
        out.push({ uid: flat[i] as string, ...parseDurations(pairsOf(hash)) });
      }
    }
    return out;
  }

  async untake(uids: string[]): Promise<void> {
    if (uids.length === 0) return;
    await this.all(uids.map((uid) => () => this.redis.sadd(`${this.baseOf(uid)}chg`, uid)));
  }

  async activeModules(): Promise<string[]> {
    const perShard = await this.all(this.bases.map((b) => () => this.redis.smembers(`${b}mods`)));
    return [...new Set(perShard.flat())];
  }

  /** The ARGV head every script but DURATIONS_OF starts with (see presence.lua.ts). */
  private head(now = this.clock.now()): Args {
    return [now, this.options.offlineAfterMs, this.options.eventsRetained, this.options.durationRetentionMs];
  }

  private countingHead(): Args {
    const now = this.clock.now();
    const start = dayStart(now);
    // Day names change once a day; formatting them on every heartbeat is waste.
    if (this.days?.start !== start) this.days = { start, today: dayOf(start), yesterday: dayOf(start - DAY_MS) };
    const { today, yesterday } = this.days;
    return [...this.head(now), today, start, yesterday];
  }

  private baseOf(uid: string): string {
    return this.bases[shardOf(uid, this.options.shards)]!;
  }

  private userKey(uid: string): string {
    return `${this.baseOf(uid)}u:${uid}`;
  }

  /** Sends script calls together (see the top of the file) and returns their replies in order. */
  private scripts(calls: Array<[ScriptName, string, Args]>): Promise<unknown[]> {
    const client = this.redis as unknown as Record<ScriptName, (...a: Args) => Promise<unknown>>;
    return this.all(calls.map(([name, key, args]) => () => client[name].call(this.redis, key, ...args)));
  }

  /** Issues every command before awaiting any; all or nothing for the caller. */
  private all<R>(ops: Array<() => Promise<R>>): Promise<R[]> {
    return this.run(() => Promise.all(ops.map((op) => op())));
  }

  private async run<R>(op: () => Promise<R>): Promise<R> {
    // Known to be down: fail now instead of queueing until a reconnect.
    if (['reconnecting', 'close', 'end'].includes(this.redis.status)) {
      throw new ServiceUnavailableError('presence store unavailable', 'unavailable', { reason: this.redis.status });
    }
    try {
      return await op();
    } catch (err) {
      throw mapRedisError(err, 'presence store');
    }
  }


}

/** A heartbeat's arguments to the script (see HEARTBEAT). */
function beatArgs(beat: Heartbeat): Args {
  return [beat.uid, beat.source, beat.platform ?? '', [...new Set(beat.modules)].join(' ')];
}

/** The sources of a user hash (a hash from before sources is the one source 'app'). */
function sourcesOf(row: Record<string, string>): SourceModules[] {
  const sources: SourceModules[] = [];
  for (const [key, value] of Object.entries(row)) {
    if (!key.startsWith('s:')) continue;
    const [last, ...modules] = value.split(' ').filter(Boolean);
    sources.push({ source: key.slice(2), last: Number(last), modules });
  }
  if (sources.length === 0 && row.mods !== undefined) {
    sources.push({ source: 'app', last: Number(row.last), modules: row.mods.split(' ').filter(Boolean) });
  }
  return sources;
}

/** The latest heartbeat of these sources (-Infinity for none). */
function lastOf(sources: SourceModules[]): number {
  return sources.reduce((max, s) => Math.max(max, s.last), -Infinity);
}

/** A flat [field, value, ...] reply as an object. */
function pairsOf(flat: string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) pairs[flat[i]!] = flat[i + 1]!;
  return pairs;
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function parseDurations(hash: Record<string, string>): UserDurations {
  const days: Record<string, number> = {};
  let totalMs = 0;
  for (const [day, ms] of Object.entries(hash)) {
    days[day] = Number(ms);
    totalMs += Number(ms);
  }
  return { days, totalMs };
}
