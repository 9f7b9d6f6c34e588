// Sanctions (mutes and bans) and the audit log of every role change, in the
// document store. Admins live on the room document (src/stores/rooms.ts) so
// "rooms I manage" is one indexed query. Guarantees:
// - at most one mute and one ban per (room, user): setting one again replaces
//   its expiry and reason (upsert on the natural id);
// - an expired sanction is never reported as active, whether or not it has
//   been deleted yet;
// - audit entries are append-only and listed newest first.
import { randomUUID } from 'node:crypto';
import type { Collection, DocumentStore } from '@bamboo/engines';

export type SanctionKind = 'mute' | 'ban';

export interface Sanction {
  _id: string;
  roomId: string;
  uid: string;
  kind: SanctionKind;
  /** Epoch ms when it lapses; null for until lifted. */
  until: number | null;
  by: string;
  reason: string;
  at: number;
}

export type AuditAction = 'appoint_admin' | 'dismiss_admin' | 'mute' | 'unmute' | 'ban' | 'unban';

export interface AuditEntry {
  _id: string;
  roomId: string;
  actor: string;
  target: string;
  action: AuditAction;
  until: number | null;
  reason: string;
  at: number;
}

export class RoleStore {
  private readonly sanctions: Collection<Sanction>;
  private readonly audit: Collection<AuditEntry>;

  constructor(docs: DocumentStore) {
    this.sanctions = docs.collection<Sanction>('sanctions');
    this.audit = docs.collection<AuditEntry>('audit');
  }

  async init(): Promise<void> {
    await this.sanctions.createIndex({ roomId: 1, uid: 1 });
    await this.audit.createIndex({ roomId: 1, at: -1 });
  }

  async sanction(s: Omit<Sanction, '_id'>): Promise<void> {
    const { until, by, reason, at } = s;
    await this.sanctions.updateOne(
      { _id: sanctionId(s.roomId, s.uid, s.kind) },
      { $set: { until, by, reason, at }, $setOnInsert: { roomId: s.roomId, uid: s.uid, kind: s.kind } },
      { upsert: true },
    );
  }

  /** Returns whether an active sanction was lifted. */
  async lift(roomId: string, uid: string, kind: SanctionKind, now: number): Promise<boolean> {
    const existing = await this.sanctions.findOne({ _id: sanctionId(roomId, uid, kind) });
    if (!existing) return false;
    await this.sanctions.deleteOne({ _id: existing._id });
    return isActive(existing, now);
  }

  /** The user's active sanctions in the room. */
  async active(roomId: string, uid: string, now: number): Promise<Sanction[]> {
    const found = await this.sanctions.find({ roomId, uid });
    return found.filter((s) => isActive(s, now));
  }

  async activeInRoom(roomId: string, now: number): Promise<Sanction[]> {
    const found = await this.sanctions.find({ roomId }, { sort: { at: -1 } });
    return found.filter((s) => isActive(s, now));
  }

  async record(entry: Omit<AuditEntry, '_id'>): Promise<void> {
    await this.audit.insertOne({ _id: randomUUID(), ...entry });
  }

  async history(roomId: string, limit: number, before?: number): Promise<AuditEntry[]> {
    const filter = before === undefined ? { roomId } : { roomId, at: { $lt: before } };
    return this.audit.find(filter, { sort: { at: -1, _id: 1 }, limit });
  }
}

function sanctionId(roomId: string, uid: string, kind: SanctionKind): string {
  return `${roomId}/${kind}/${uid}`;
}

function isActive(s: Sanction, now: number): boolean {
  return s.until === null || s.until > now;
}
