// One-process presence: Maps, a heap of per-source deadlines for reaping,
// and a bounded array as the transitions feed (cursor = sequence number).
import { splitByDay } from '../presence/days.js';
import { unionOf, type SourceModules } from '../presence/sources.js';
import type { Clock } from '../presence/clock.js';
import { DeadlineHeap } from './min-heap.js';
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

interface Session {
  since: number;
  /** The latest heartbeat from any source. */
  last: number;
  platform: string;
  /** A short array, not a Map: most users have one source, and a Map costs ~200 bytes each. */
  sources: SourceModules[];
}

interface Tally {
  days: Map<string, number>;
  total: number;
  expiresAt: number;
}

export function openMemoryPresence(clock: Clock, options: PresenceOptions): PresenceStore {
  return new MemoryPresence(clock, options);
}

class MemoryPresence implements PresenceStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, Session>();
  private readonly rooms = new Map<string, Set<string>>();
  private readonly tallies = new Map<string, Tally>();
  private readonly deadlines = new DeadlineHeap();
  private readonly changed = new Set<string>();
  private feed: Transition[] = [];
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: PresenceOptions,
  ) {}

  async heartbeat(beats: Heartbeat[]): Promise<void> {
    for (const beat of beats) this.beat(beat, this.clock.now());
  }

  async offline(uid: string): Promise<boolean> {
    const now = this.clock.now();
    const session = this.live(uid, now);
    if (!session) return false;
    this.count(uid, session.last, now);
    this.end(uid, session, now);
    return true;
  }

  async status(uids: string[]): Promise<UserStatus[]> {
    const now = this.clock.now();
    return uids.map((uid) => {
      const s = this.live(uid, now);
      if (!s) return { uid, online: false, since: null, lastSeen: null, modules: [], platform: null };
      return { uid, online: true, since: s.since, lastSeen: s.last, modules: modulesOf(s), platform: s.platform };
    });
  }

  async counts(modules: string[]): Promise<Record<string, number>> {
    this.reapAll(this.clock.now());
    return Object.fromEntries(modules.map((m) => [m, this.rooms.get(m)?.size ?? 0]));
  }

  async members(module: string, after: string | null, limit: number): Promise<MembersPage> {
    this.reapAll(this.clock.now());
    // O(n log n) per page: fine for one node; Redis keeps members sorted.
    const all = [...(this.rooms.get(module) ?? [])].filter((u) => after === null || u > after).sort();
    const uids = all.slice(0, limit);
    return { uids, next: all.length > limit ? uids.at(-1)! : null };
  }

  async durations(uid: string): Promise<UserDurations> {
    const tally = this.tally(uid, this.clock.now());
    return { days: Object.fromEntries(tally?.days ?? []), totalMs: tally?.total ?? 0 };
  }

  async reap(): Promise<number> {
    return this.reapDue(this.clock.now(), this.options.reapBatch);
  }

  async events(cursor: string | null, limit: number): Promise<EventsPage> {
    if (cursor !== null && !/^\d{1,15}$/.test(cursor)) throw new RangeError('malformed cursor');
    const after = cursor === null ? 0 : Number(cursor);
    const first = this.seq - this.feed.length + 1;
    const from = Math.max(0, after + 1 - first);
    const events = this.feed.slice(from, from + limit);
    return { events, next: events.at(-1)?.cursor ?? cursor ?? String(first - 1) };
  }

  async takeChanged(max: number): Promise<Array<{ uid: string } & UserDurations>> {
    const now = this.clock.now();
    const out: Array<{ uid: string } & UserDurations> = [];
    for (const uid of this.changed) {
      if (out.length >= max) break;
      this.changed.delete(uid);
      const tally = this.tally(uid, now);
      if (tally) out.push({ uid, days: Object.fromEntries(tally.days), totalMs: tally.total });
    }
    return out;
  }

  async untake(uids: string[]): Promise<void> {
    for (const uid of uids) this.changed.add(uid);
  }

  async activeModules(): Promise<string[]> {
    this.reapAll(this.clock.now());
    return [...this.rooms.keys()];
  }

  private beat({ uid, source, modules, platform }: Heartbeat, now: number): void {
    let session = this.live(uid, now);
    if (session) {
      this.count(uid, session.last, now);
      session.last = Math.max(session.last, now);
      if (platform) session.platform = platform;
    } else {
      session = { since: now, last: now, platform: platform ?? 'unknown', sources: [] };
      this.sessions.set(uid, session);
      this.emit('online', uid, now);
    }
    const old = take(session, source);
    const others = new Set(modulesOf(session));
    const next = [...new Set(modules)];
    // Only this source's own list changed: what it dropped is left unless
    // another source has it; what it added is joined unless one already had.
    for (const m of old?.modules ?? []) if (!next.includes(m) && !others.has(m)) this.leave(uid, m, now);
    for (const m of next) if (!old?.modules.includes(m) && !others.has(m)) this.join(uid, m, now);
    const last = Math.max(old?.last ?? now, now);
    // A new array of exactly the right length: push() would reserve room for 16 more.
    session.sources = [...session.sources, { source, last, modules: next }];
    this.deadlines.push(last + this.options.offlineAfterMs, uid, source);
  }

  /** The user's session with its expired sources dropped (oldest first); undefined once none is left. */
  private live(uid: string, now: number): Session | undefined {
    const session = this.sessions.get(uid);
    if (!session) return undefined;
    const due = session.sources.filter((s) => s.last + this.options.offlineAfterMs <= now);
    due.sort((x, y) => x.last - y.last || (x.source < y.source ? -1 : 1));
    for (const s of due) this.expire(uid, session, s.source, s.last + this.options.offlineAfterMs);
    return this.sessions.get(uid);
  }

  /** One source timed out at `at`: its modules no other source has are left; the last source takes the user offline. */
  private expire(uid: string, session: Session, source: string, at: number): void {
    const gone = take(session, source)!;
    const others = new Set(modulesOf(session));
    for (const m of gone.modules) if (!others.has(m)) this.leave(uid, m, at);
    if (session.sources.length > 0) return;
    this.sessions.delete(uid);
    this.emit('offline', uid, at);
  }

  /** An explicit offline: every source's modules are left at once. */
  private end(uid: string, session: Session, at: number): void {
    for (const m of modulesOf(session)) this.leave(uid, m, at);
    this.sessions.delete(uid);
    this.emit('offline', uid, at);
  }

  private reapAll(now: number): void {
    while (this.reapDue(now, this.options.reapBatch) > 0);
  }

  private reapDue(now: number, max: number): number {
    let reaped = 0;
    while (reaped < max && this.deadlines.peek() <= now) {
      const { deadline, uid, source } = this.deadlines.pop()!;
      const session = this.sessions.get(uid);
      const state = session?.sources.find((s) => s.source === source);
      // Stale entries (the source beat again since, or the user went offline) are dropped here.
      if (!session || !state || state.last + this.options.offlineAfterMs !== deadline) continue;
      this.expire(uid, session, source, deadline);
      reaped += 1;
    }
    return reaped;
  }

  private count(uid: string, from: number, to: number): void {
    const parts = splitByDay(from, to);
    if (parts.length === 0) return;
    const tally = this.tally(uid, to) ?? { days: new Map<string, number>(), total: 0, expiresAt: 0 };
    // The expiry moves with the first time counted each day (as on Redis).
    if (!tally.days.has(parts.at(-1)!.day)) tally.expiresAt = to + this.options.durationRetentionMs;
    for (const { day, ms } of parts) {
      tally.days.set(day, (tally.days.get(day) ?? 0) + ms);
      tally.total += ms;
    }
    this.tallies.set(uid, tally);
    this.changed.add(uid);
  }

  private tally(uid: string, now: number): Tally | undefined {
    const tally = this.tallies.get(uid);
    if (tally && tally.expiresAt <= now) {
      this.tallies.delete(uid);
      return undefined;
    }
    return tally;
  }

  private join(uid: string, module: string, at: number): void {
    let set = this.rooms.get(module);
    if (!set) this.rooms.set(module, (set = new Set()));
    set.add(uid);
    this.emit('join', uid, at, module);
  }

  private leave(uid: string, module: string, at: number): void {
    const set = this.rooms.get(module);
    set?.delete(uid);
    if (set?.size === 0) this.rooms.delete(module);
    this.emit('leave', uid, at, module);
  }

  private emit(type: TransitionType, uid: string, at: number, module?: string): void {
    this.seq += 1;
    this.feed.push({ cursor: String(this.seq), type, uid, ...(module ? { module } : {}), at });
    // Trim in chunks so the array is not shifted on every event.
    if (this.feed.length > this.options.eventsRetained * 1.25) this.feed = this.feed.slice(-this.options.eventsRetained);
  }
}

function modulesOf(session: Session): string[] {
  return unionOf(session.sources);
}

/** Removes and returns the source's entry. */
function take(session: Session, source: string): SourceModules | undefined {
  const i = session.sources.findIndex((s) => s.source === source);
  return i < 0 ? undefined : session.sources.splice(i, 1)[0];
}
