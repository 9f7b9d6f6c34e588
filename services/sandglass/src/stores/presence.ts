// The presence store port: who is online, in which modules, for how long,
// and the feed of transitions. `memory` serves one process; `redis` is
// shared by every sandglass process on the same Redis and key prefix. Both
// pass presence.contract.ts.

export interface Heartbeat {
  uid: string;
  /** Modules the user is in now; any module not listed is left at once. */
  modules: string[];
  platform: string;
}

export type TransitionType = 'online' | 'offline' | 'join' | 'leave';

export interface Transition {
  /** Opaque position: reading `after` it continues past this event. */
  cursor: string;
  type: TransitionType;
  uid: string;
  /** Set on join and leave. */
  module?: string;
  /** Epoch ms the transition took effect (a timeout's offline: when the threshold ran out). */
  at: number;
}

export interface UserStatus {
  uid: string;
  online: boolean;
  /** Start of the current online stretch; null when offline. */
  since: number | null;
  /** Time of the last heartbeat of the current stretch; null when offline. */
  lastSeen: number | null;
  modules: string[];
  platform: string | null;
}

export interface UserDurations {
  /** Milliseconds online per UTC day (YYYY-MM-DD) still held in hot state. */
  days: Record<string, number>;
  /** The sum of `days`. */
  totalMs: number;
}

export interface MembersPage {
  uids: string[];
  /** Pass as `after` for the next page; null when this page is the last. */
  next: string | null;
}

export interface EventsPage {
  events: Transition[];
  /** Where to continue; equal to the input cursor when nothing new happened. */
  next: string;
}

export interface PresenceOptions {
  /** Silence after which a user is offline (< 1 day). */
  offlineAfterMs: number;
  /** Transitions retained for the feed (per shard on Redis; older ones are dropped). */
  eventsRetained: number;
  /** How long per-day durations stay in hot state after the last update. */
  durationRetentionMs: number;
  /** Most users reaped in one pass before a query (per shard on Redis). */
  reapBatch: number;
}

/**
 * Guarantees (both adapters):
 * - a user is online from a heartbeat until `offlineAfterMs` of silence or an
 *   explicit offline; an expired user is never reported online or counted,
 *   even before the reaper removes it;
 * - a heartbeat's module list replaces the previous one at once: joins and
 *   leaves take effect in the same atomic step (on Redis: one Lua call, one
 *   round trip; a batch is one call per shard, pipelined);
 * - durations add the real time between consecutive heartbeats of one online
 *   stretch (and up to an explicit offline); each instant is counted at most
 *   once, so a retried or duplicated heartbeat adds nothing twice, and a gap
 *   longer than the threshold adds nothing; time is split at UTC midnight;
 * - every online/offline/join/leave is appended to the feed in the same
 *   atomic step that causes it; the feed is read by cursor, at least once
 *   (a consumer that keeps its cursor sees every retained event); one user's
 *   events come in the order they happened, different users' by time;
 * - counts are exact: each count or page first reaps up to `reapBatch` due
 *   users (per shard), and the reaper keeps the backlog under that; member pages are ordered by uid and stable under
 *   concurrent changes (a member present throughout appears exactly once);
 * - a down Redis rejects promptly with ServiceUnavailableError.
 * Time comes from the injected clock, never from the store.
 */
export interface PresenceStore {
  readonly kind: 'memory' | 'redis';
  /** Records heartbeats (one or a batch), in order. */
  heartbeat(beats: Heartbeat[]): Promise<void>;
  /** Takes the user offline now; returns whether the user was online. */
  offline(uid: string): Promise<boolean>;
  status(uids: string[]): Promise<UserStatus[]>;
  counts(modules: string[]): Promise<Record<string, number>>;
  members(module: string, after: string | null, limit: number): Promise<MembersPage>;
  durations(uid: string): Promise<UserDurations>;
  /** Takes expired users offline (leave + offline transitions); returns how many. */
  reap(): Promise<number>;
  /** Transitions after `cursor` (from the oldest retained when null). Throws RangeError on a malformed cursor. */
  events(cursor: string | null, limit: number): Promise<EventsPage>;
  /**
   * Users whose durations changed since they were last taken, with their
   * durations; each user is handed out once per change. `untake` puts users
   * back when writing them out failed.
   */
  takeChanged(max: number): Promise<Array<{ uid: string } & UserDurations>>;
  untake(uids: string[]): Promise<void>;
  /** Modules that have at least one member. */
  activeModules(): Promise<string[]>;
}
