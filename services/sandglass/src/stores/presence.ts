// The presence store port: who is online, in which modules, for how long,
// and the feed of transitions. Several sources report one user's modules
// (the app its pages, homer the rooms it holds the user's connections in);
// each source's list is kept apart and the user is in their union.
// `memory` serves one process; `redis` is shared by every sandglass process
// on the same Redis and key prefix. Both pass presence.contract.ts.

export interface Heartbeat {
  uid: string;
  /** Who reports `modules` (e.g. 'app', 'homer'); each source's list is kept apart. */
  source: string;
  /** The modules the user is in now as this source sees them: replaces its previous list. */
  modules: string[];
  /** The client's platform; when left out the user's last known one stays ('unknown' at first). */
  platform?: string | undefined;
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
  /** The union of the live sources' modules: the latest source's first, each once. */
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
  /** How long per-day durations stay in hot state after the first update of the user's latest day. */
  durationRetentionMs: number;
  /** Most users reaped in one pass before a query (per shard on Redis). */
  reapBatch: number;
}

/**
 * Guarantees (both adapters):
 * - a user is online from a heartbeat until `offlineAfterMs` of silence or an
 *   explicit offline; an expired user is never reported online or counted,
 *   even before the reaper removes it;
 * - a user is in the union of their sources' modules; a heartbeat replaces
 *   its source's list at once: a module it drops is left unless another
 *   live source still lists it, a module no source listed before is joined;
 *   joins and leaves take effect in the same atomic step (on Redis: one Lua
 *   call, one round trip; a batch is one call per shard, pipelined);
 * - each source expires on its own after `offlineAfterMs` without a
 *   heartbeat from it (its modules are left as above, stamped with its
 *   deadline); the user is offline when the last source expires, or at once
 *   on an explicit offline, which clears every source;
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
  /** Expires sources past their deadline (leave, and offline with the user's last); returns how many sources. */
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
