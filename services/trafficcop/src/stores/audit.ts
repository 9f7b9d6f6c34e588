// The audit log: every change to lines, pins and viewers' lines — who did
// it, what, when, why, and for automatic switches the figures that caused
// them. A document of record, shared by every trafficcop process.
//
// Guarantees every adapter gives (held by ops-stores.contract.ts):
// - append() resolves only once stored, and the entry survives a restart;
// - entries are never changed or removed through this port;
// - list() returns the newest first, filtered by line, room or action.

export type AuditAction =
  | 'line.create'
  | 'line.update'
  | 'line.delete'
  | 'line.state'
  | 'line.weight'
  | 'line.degraded'
  | 'line.recovered'
  | 'pin.create'
  | 'pin.remove'
  | 'switch';

export interface Actor {
  /** user: an ops person (user id); service: a signed internal caller; system: trafficcop itself. */
  kind: 'user' | 'service' | 'system';
  id: string;
  /** How they came: the API client, or `bamboo-cdn`. */
  via?: string;
}

export interface AuditEntry {
  id: string;
  at: number;
  actor: Actor;
  action: AuditAction;
  reason: string;
  lineId?: string;
  roomId?: string;
  /** Where a health change or pin applies: `*`, a region, an ISP, or `region/isp`. */
  scope?: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** For automatic changes: the measurements behind them. */
  figures?: Record<string, unknown>;
  /** Rooms told to switch. */
  notifiedRooms?: string[];
}

export interface AuditQuery {
  lineId?: string;
  roomId?: string;
  action?: AuditAction;
  limit: number;
}

export interface AuditLog {
  init(): Promise<void>;
  append(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry>;
  list(query: AuditQuery): Promise<AuditEntry[]>;
}
