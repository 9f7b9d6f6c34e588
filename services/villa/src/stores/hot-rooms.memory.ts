// In-process hot store: one node. Sorted sets are Maps of member → score; a
// list snapshot sorts one set once per window and keeps the array.
import {
  CursorExpiredError,
  decay,
  generation,
  popularity,
  scopeOf,
  scopesOf,
  setKey,
  type HeatInput,
  type HotFields,
  type HotRooms,
  type HotRoomsOptions,
  type HotSeed,
  type ListPage,
  type ListScope,
  type RoomIndexEntry,
} from './hot-rooms.js';

interface RoomState extends RoomIndexEntry, HotFields {
  giftHeat: number;
  danmakuHeat: number;
  heatAt: number;
}

interface Snapshot {
  members: string[];
  expiresAt: number;
}

export function openMemoryHotRooms(options: HotRoomsOptions): HotRooms {
  return new MemoryHotRooms(options);
}

class MemoryHotRooms implements HotRooms {
  readonly kind = 'memory' as const;
  private readonly rooms = new Map<string, RoomState>();
  private readonly sets = new Map<string, Map<string, number>>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly dirty = new Set<string>();
  /** Revisions of unindexed rooms, so a late index() of an older one is refused. */
  private readonly tombstones = new Map<string, number>();
  private built = false;

  constructor(private readonly options: HotRoomsOptions) {}

  async index(roomId: string, entry: RoomIndexEntry, seed?: HotSeed): Promise<void> {
    const old = this.rooms.get(roomId);
    if ((old?.rev ?? this.tombstones.get(roomId) ?? -1) > entry.rev) return;
    this.tombstones.delete(roomId);
    if (old) this.removeFromSets(roomId, old);
    const viewers = old?.viewers ?? seed?.viewers ?? 0;
    const state: RoomState = {
      ...entry,
      tags: [...entry.tags],
      viewers,
      likes: old?.likes ?? seed?.likes ?? 0,
      giftHeat: old?.giftHeat ?? 0,
      danmakuHeat: old?.danmakuHeat ?? 0,
      heatAt: old?.heatAt ?? 0,
      popularity: old?.popularity ?? popularity(viewers, 0, 0, this.options.weights),
    };
    this.rooms.set(roomId, state);
    this.addToSets(roomId, state);
  }

  async unindex(roomId: string, rev: number): Promise<void> {
    const old = this.rooms.get(roomId);
    if ((old?.rev ?? this.tombstones.get(roomId) ?? -1) > rev) return;
    this.tombstones.set(roomId, rev);
    if (!old) return;
    this.removeFromSets(roomId, old);
    this.rooms.delete(roomId);
    this.dirty.delete(roomId);
  }

  async setViewers(roomId: string, viewers: number, now: number): Promise<HotFields | null> {
    return this.update(roomId, now, (s) => (s.viewers = viewers));
  }

  async addLikes(roomId: string, likes: number, now: number): Promise<HotFields | null> {
    return this.update(roomId, now, (s) => (s.likes += likes));
  }

  async addHeat(roomId: string, heat: HeatInput, now: number): Promise<HotFields | null> {
    return this.update(roomId, now, (s) => {
      s.giftHeat += heat.gift ?? 0;
      s.danmakuHeat += heat.danmaku ?? 0;
    });
  }

  async fields(roomIds: string[]): Promise<(HotFields | null)[]> {
    return roomIds.map((id) => {
      const s = this.rooms.get(id);
      return s ? { viewers: s.viewers, likes: s.likes, popularity: s.popularity } : null;
    });
  }

  async list(scope: ListScope, page: { gen?: number; offset: number; limit: number }, now: number): Promise<ListPage> {
    const gen = page.gen ?? generation(now, this.options.snapshotMs);
    const key = `${gen}:${setKey(scope.sort, scope.live, scopeOf(scope))}`;
    let snap = this.snapshots.get(key);
    if (snap && snap.expiresAt <= now) {
      this.snapshots.delete(key);
      snap = undefined;
    }
    if (!snap) {
      if (page.gen !== undefined && page.offset > 0) throw new CursorExpiredError();
      this.sweepSnapshots(now);
      snap = { members: this.sorted(setKey(scope.sort, scope.live, scopeOf(scope))), expiresAt: now + this.options.snapshotTtlMs };
      // Like Redis (where an empty set leaves no snapshot key), an empty list is not frozen.
      if (snap.members.length > 0) this.snapshots.set(key, snap);
    }
    const rooms = snap.members.slice(page.offset, page.offset + page.limit).flatMap((roomId) => {
      const s = this.rooms.get(roomId);
      return s ? [{ roomId, card: s.card, fields: { viewers: s.viewers, likes: s.likes, popularity: s.popularity } }] : [];
    });
    return { gen, rooms, more: page.offset + page.limit < snap.members.length };
  }

  async liveRooms(afterId: string, limit: number): Promise<string[]> {
    const live = [...(this.sets.get(setKey('popularity', true, 'all'))?.keys() ?? [])];
    return live.filter((id) => id > afterId).sort().slice(0, limit);
  }

  async takeDirty(max: number): Promise<string[]> {
    const taken: string[] = [];
    for (const id of this.dirty) {
      if (taken.length >= max) break;
      taken.push(id);
    }
    for (const id of taken) this.dirty.delete(id);
    return taken;
  }

  async markDirty(roomIds: string[]): Promise<void> {
    for (const id of roomIds) if (this.rooms.has(id)) this.dirty.add(id);
  }

  async isBuilt(): Promise<boolean> {
    return this.built;
  }

  async markBuilt(): Promise<void> {
    this.built = true;
  }

  private update(roomId: string, now: number, change: (s: RoomState) => void): HotFields | null {
    const s = this.rooms.get(roomId);
    if (!s) return null;
    const { weights } = this.options;
    s.giftHeat = decay(s.giftHeat, now - s.heatAt, weights.halfLifeMs);
    s.danmakuHeat = decay(s.danmakuHeat, now - s.heatAt, weights.halfLifeMs);
    s.heatAt = Math.max(s.heatAt, now);
    change(s);
    const pop = popularity(s.viewers, s.giftHeat, s.danmakuHeat, weights);
    if (pop !== s.popularity) {
      s.popularity = pop;
      for (const scope of scopesOf(s.categoryId, s.tags)) this.set(setKey('popularity', s.live, scope)).set(roomId, pop);
    }
    this.dirty.add(roomId);
    return { viewers: s.viewers, likes: s.likes, popularity: s.popularity };
  }

  private addToSets(roomId: string, s: RoomState): void {
    for (const scope of scopesOf(s.categoryId, s.tags)) {
      this.set(setKey('popularity', s.live, scope)).set(roomId, s.popularity);
      if (s.live) this.set(setKey('started', true, scope)).set(roomId, s.startedAt ?? 0);
    }
  }

  private removeFromSets(roomId: string, s: RoomState): void {
    for (const scope of scopesOf(s.categoryId, s.tags)) {
      for (const key of [setKey('popularity', s.live, scope), setKey('started', true, scope)]) {
        const set = this.sets.get(key);
        set?.delete(roomId);
        if (set?.size === 0) this.sets.delete(key);
      }
    }
  }

  private set(key: string): Map<string, number> {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Map()));
    return set;
  }

  /** Highest score first; ties by member, descending — Redis ZREVRANGE order. */
  private sorted(key: string): string[] {
    const entries = [...(this.sets.get(key) ?? new Map<string, number>()).entries()];
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
    return entries.map(([member]) => member);
  }

  private sweepSnapshots(now: number): void {
    for (const [key, snap] of this.snapshots) if (snap.expiresAt <= now) this.snapshots.delete(key);
  }
}
