// The summaries a gift feeds, named once so the bank (which applies them with
// the gift, atomically) and reconciliation (which recomputes them from the
// ledger) agree on every key. A summary is a sorted set (a ranking: member →
// coins) or a hash (revenue: field → coins); the Redis bank stores them as
// exactly that.
import { dayOf, weekOf, type GiftEntry } from './entry.js';

export interface SummaryIncrement {
  type: 'zset' | 'hash';
  key: string;
  member: string;
  by: number;
}

export type RankingPeriod = 'session' | 'day' | 'week';

export const rankingKey = {
  /** Contributors to a room (senders by coins) within a live session, a UTC day or an ISO week. */
  room: (roomId: string, period: RankingPeriod, id: string) => `rank:room:${roomId}:${period}:${id}`,
  /** Global daily rankings: senders by coins spent, anchors by coins received. */
  globalSenders: (day: string) => `rank:senders:${day}`,
  globalAnchors: (day: string) => `rank:anchors:${day}`,
};

/** Revenue of one anchor: a hash of day → coins received. */
export const revenueKey = (anchorUid: string) => `revenue:${anchorUid}`;

export function summaryIncrements(gift: Pick<GiftEntry, 'fromUid' | 'toUid' | 'roomId' | 'sessionId' | 'amount' | 'at'>): SummaryIncrement[] {
  const day = dayOf(gift.at);
  const out: SummaryIncrement[] = [
    { type: 'zset', key: rankingKey.room(gift.roomId, 'day', day), member: gift.fromUid, by: gift.amount },
    { type: 'zset', key: rankingKey.room(gift.roomId, 'week', weekOf(gift.at)), member: gift.fromUid, by: gift.amount },
    { type: 'zset', key: rankingKey.globalSenders(day), member: gift.fromUid, by: gift.amount },
    { type: 'zset', key: rankingKey.globalAnchors(day), member: gift.toUid, by: gift.amount },
    { type: 'hash', key: revenueKey(gift.toUid), member: day, by: gift.amount },
  ];
  if (gift.sessionId) {
    out.push({ type: 'zset', key: rankingKey.room(gift.roomId, 'session', gift.sessionId), member: gift.fromUid, by: gift.amount });
  }
  return out;
}

/** What kind of summary a key names: rankings are sorted sets, revenue hashes. */
export function summaryType(key: string): SummaryIncrement['type'] {
  return key.startsWith('revenue:') ? 'hash' : 'zset';
}
