// One ledger entry: the single copy of a money movement. Everything else
// (wallet counters, rankings, revenue) is derived from these and can be
// recomputed from them (see reconcile.ts).

/** Largest value any counter may reach: well inside exact double precision (Lua and JS). */
export const MAX_COUNTER = 1e15;

interface EntryBase {
  /** The transaction id; also the ledger document's _id. */
  _id: string;
  /** Global order of application, assigned atomically with the counters. */
  seq: number;
  /** The idempotency key as stored: `gift:<requestId>`, `topup:<key>`, `adjust:<id>`. */
  key: string;
  /** Hash of the request that made it: a repeat of the key with another body is refused. */
  fingerprint: string;
  /** Epoch ms when applied. */
  at: number;
}

export interface GiftEntry extends EntryBase {
  kind: 'gift';
  fromUid: string;
  toUid: string;
  roomId: string;
  /** The room's live session when sent; null when the room was not live. */
  sessionId: string | null;
  giftId: string;
  /** The catalog version whose price applied: a later price change never alters this record. */
  giftVersion: number;
  giftName: string;
  /** How the room shows it (from the same catalog version). */
  iconImageId: string | null;
  effectLevel: number;
  count: number;
  unitPrice: number;
  /** Coins debited from the sender: unitPrice × count. */
  amount: number;
  /** Experience credited to the sender. */
  experience: number;
  /** Weight credited to the receiver. */
  weight: number;
  /** The first transaction of the combo this send belongs to, and the running count. */
  comboId: string;
  comboCount: number;
}

export interface CreditEntry extends EntryBase {
  /** topup: a payment credited; adjust: an admin's correction (delta may be negative). */
  kind: 'topup' | 'adjust';
  uid: string;
  delta: number;
  reason: string | null;
}

export type LedgerEntry = GiftEntry | CreditEntry;

/** A ledger document: the entry plus the record of later steps applied to it. */
export type LedgerDoc = LedgerEntry & {
  /** Gifts only: whether homer accepted the broadcast (the outbox flag). */
  broadcast?: boolean;
};

const DAY_MS = 86_400_000;
/** The names of the last UTC day asked about: a burst asks about the same day thousands of times. */
let lastDay = { number: Number.NaN, day: '', week: '' };

function calendar(at: number): { day: string; week: string } {
  const number = Math.floor(at / DAY_MS);
  if (number !== lastDay.number) lastDay = { number, day: new Date(at).toISOString().slice(0, 10), week: isoWeek(at) };
  return lastDay;
}

/** UTC day as `YYYY-MM-DD`. */
export function dayOf(at: number): string {
  return calendar(at).day;
}

/** ISO week as `YYYY-Www` (weeks start on Monday; week 1 holds the first Thursday). */
export function weekOf(at: number): string {
  return calendar(at).week;
}

function isoWeek(at: number): string {
  const d = new Date(at);
  const date = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
