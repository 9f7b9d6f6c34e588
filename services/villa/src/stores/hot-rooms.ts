// The hot store of rooms: fields that change many times a second (viewers,
// likes, popularity and the gift / danmaku heat behind it) kept apart from
// room documents, and the ranking indexes room lists are served from.
// `memory` serves one process; `redis` is shared by every villa process.
// Both pass hot-rooms.contract.ts.
//
// Cards. Each indexed room keeps its list card (room info as lists show it,
// an opaque string the caller renders) beside its hot fields, so a list page
// is one call to the hot store and never reads room documents.
//
// Indexes. An indexed room is a member of one sorted set per scope it is in —
// all rooms, its category, each of its tags, and category × tag — for its live
// state (live / offline), scored by popularity; a live room is also in the
// same scopes' start-time sets, scored by startedAt. So every list filter
// combination is one sorted set, and no list scans rooms.
//
// Guarantees:
// - index(), unindex() and every field update are atomic (one Lua script on
//   Redis): a room is never seen in the sets of two live states or two
//   categories at once, and a popularity change reaches every set it is in;
// - index() and unindex() carry the revision of the room document they were
//   made from, and one older than the room's last is ignored: two writers
//   racing (an edit and a live-status change) leave the index at the newest
//   document, and a late index() cannot bring back a room unindexed since;
// - a field update on a room that is not indexed (unknown or closed) changes
//   nothing and returns null;
// - list pages come from a snapshot of the set frozen for one window
//   (`snapshotMs`); the same (gen, offset) always yields the same members
//   while the snapshot lives (`snapshotTtlMs`), so paging with a cursor shows
//   no room twice and skips none however popularity moves meanwhile. An
//   expired snapshot throws CursorExpiredError (410);
// - every field update marks the room dirty; takeDirty() hands each dirty
//   room to exactly one caller (for flushing to documents);
// - a down Redis is a prompt ServiceUnavailableError (503).
import { AppError } from '@bamboo/kit';

export interface RoomIndexEntry {
  categoryId: string;
  tags: string[];
  live: boolean;
  /** Start of the live session; used when live. */
  startedAt: number | null;
  /** The room's list card, kept verbatim and handed back by list(). */
  card: string;
  /** The room document's revision this entry was made from (see below). */
  rev: number;
}

export interface HotFields {
  viewers: number;
  likes: number;
  popularity: number;
}

/** Values to start from when a room enters the index with no hot state (after a restart). */
export type HotSeed = Pick<HotFields, 'viewers' | 'likes'>;

export interface HeatInput {
  /** Gift value received (coins). */
  gift?: number;
  /** Danmaku messages sent. */
  danmaku?: number;
}

export type ListSort = 'popularity' | 'started';

export interface ListScope {
  categoryId?: string;
  tag?: string;
  live: boolean;
  sort: ListSort;
}

export interface ListedRoom {
  roomId: string;
  card: string;
  fields: HotFields;
}

export interface ListPage {
  /** The snapshot generation to pass back for the next page. */
  gen: number;
  /** The page in snapshot order, less rooms unindexed since the snapshot (closed). */
  rooms: ListedRoom[];
  /** Whether the snapshot holds more after this page. */
  more: boolean;
}

export interface PopularityWeights {
  viewer: number;
  gift: number;
  danmaku: number;
  /** Half-life of gift and danmaku heat in ms. */
  halfLifeMs: number;
}

export interface HotRoomsOptions {
  weights: PopularityWeights;
  snapshotMs: number;
  snapshotTtlMs: number;
}

export interface HotRooms {
  readonly kind: 'memory' | 'redis';
  /** Puts the room into (or moves it within) the indexes unless it holds a newer revision; seeds hot fields only if it has none. */
  index(roomId: string, entry: RoomIndexEntry, seed?: HotSeed): Promise<void>;
  /** Takes the room out of every index and drops its hot fields, unless it holds a newer revision. */
  unindex(roomId: string, rev: number): Promise<void>;
  setViewers(roomId: string, viewers: number, now: number): Promise<HotFields | null>;
  addLikes(roomId: string, likes: number, now: number): Promise<HotFields | null>;
  addHeat(roomId: string, heat: HeatInput, now: number): Promise<HotFields | null>;
  /** Current fields per room, null where the room is not indexed. */
  fields(roomIds: string[]): Promise<(HotFields | null)[]>;
  /** A page of the list; `gen` from a previous page pins its snapshot. */
  list(scope: ListScope, page: { gen?: number; offset: number; limit: number }, now: number): Promise<ListPage>;
  /** Live rooms in a fixed order (by id), for polling viewer counts. */
  liveRooms(afterId: string, limit: number): Promise<string[]>;
  /** Up to `max` rooms updated since they were last taken; each is handed out once. */
  takeDirty(max: number): Promise<string[]>;
  /** Marks rooms dirty again (their flush failed). */
  markDirty(roomIds: string[]): Promise<void>;
  /** Whether the indexes were built from the documents since the hot state was last empty. */
  isBuilt(): Promise<boolean>;
  markBuilt(): Promise<void>;
}

export class CursorExpiredError extends AppError {
  constructor() {
    super(410, 'cursor_expired', 'the list snapshot behind this cursor has expired; start again without a cursor');
  }
}

/** Popularity from its inputs (the formula both adapters apply; Lua mirrors it on Redis). */
export function popularity(viewers: number, giftHeat: number, danmakuHeat: number, w: PopularityWeights): number {
  return Math.floor(viewers * w.viewer + giftHeat * w.gift + danmakuHeat * w.danmaku);
}

/** Heat decays by half every half-life: `heat · 2^(−elapsed / halfLife)`. */
export function decay(heat: number, elapsedMs: number, halfLifeMs: number): number {
  return elapsedMs <= 0 ? heat : heat * Math.pow(2, -elapsedMs / halfLifeMs);
}

/** The scopes (set suffixes) a room is listed under. */
export function scopesOf(categoryId: string, tags: string[]): string[] {
  return ['all', `c:${categoryId}`, ...tags.map((t) => `t:${t}`), ...tags.map((t) => `ct:${categoryId}:${t}`)];
}

/** The one scope a list query reads. */
export function scopeOf(scope: ListScope): string {
  if (scope.categoryId && scope.tag) return `ct:${scope.categoryId}:${scope.tag}`;
  if (scope.categoryId) return `c:${scope.categoryId}`;
  if (scope.tag) return `t:${scope.tag}`;
  return 'all';
}

/** Sorted-set key of a scope: `idx:<pop|start>:<live|off>:<scope>`. */
export function setKey(sort: ListSort, live: boolean, scope: string): string {
  return `idx:${sort === 'popularity' ? 'pop' : 'start'}:${live ? 'live' : 'off'}:${scope}`;
}

export function generation(now: number, snapshotMs: number): number {
  return Math.floor(now / snapshotMs);
}
