// How a ledger entry is stored: the entry, the record of its later steps, and
// the keys its indexes sort by. Every index is on ONE field whose value sorts
// like (dimension, seq) — `<value>\0<seq, zero-padded>` — instead of a
// compound index {dimension, seq}: nedb (the embedded store) compares a
// compound key as an object (its keys sorted at every comparison), which made
// the ledger insert magi's largest cost in a burst, and its planner never
// used one for these queries anyway; a range on one string field serves the
// same cursor pagination on nedb and MongoDB. Each key is unique to its
// document, so updating a document (the broadcast step) moves it in each
// index by one tree lookup, however many documents share a room or a gift.
import type { LedgerDoc, LedgerEntry } from '../ledger/entry.js';

export type LedgerDimension = 'fromUid' | 'toUid' | 'roomId' | 'giftId' | 'uid';
export const DIMENSIONS: readonly LedgerDimension[] = ['fromUid', 'toUid', 'roomId', 'giftId', 'uid'];

/** The indexed field holding a dimension's sort key, e.g. `roomIdSeq`. */
export type SortKeyField = `${LedgerDimension}Seq`;
export const sortKeyField = (dimension: LedgerDimension): SortKeyField => `${dimension}Seq`;

export type StoredDoc = LedgerDoc &
  Partial<Record<SortKeyField, string>> & {
    /** The gift's seq while its broadcast waits (indexed: the outbox); removed once homer accepted it. */
    outbox?: number;
  };

// NUL sorts below every character an id can hold (ids come from validated
// bodies and HTTP headers, neither of which carries NUL), so one value's keys
// are contiguous and never interleave with another value that extends it.
const SEPARATOR = '\u0000';
const AFTER_SEPARATOR = '\u0001';
/** Seqs are integers below 10¹⁶ (Redis INCR, exact in doubles): 16 digits sort as numbers. */
const SEQ_DIGITS = 16;

export function sortKey(value: string, seq: number): string {
  return value + SEPARATOR + String(seq).padStart(SEQ_DIGITS, '0');
}

/** The range of a value's sort keys, below `beforeSeq` when given (a cursor). */
export function sortKeyRange(value: string, beforeSeq?: number): { $gt: string; $lt: string } {
  return { $gt: value + SEPARATOR, $lt: beforeSeq === undefined ? value + AFTER_SEPARATOR : sortKey(value, beforeSeq) };
}

/** The document to store for an entry: gifts start in the outbox. */
export function toStored(entry: LedgerEntry, broadcast = false): StoredDoc {
  if (entry.kind !== 'gift') return { ...entry, uidSeq: sortKey(entry.uid, entry.seq) };
  return {
    ...entry,
    broadcast,
    ...(broadcast ? {} : { outbox: entry.seq }),
    fromUidSeq: sortKey(entry.fromUid, entry.seq),
    toUidSeq: sortKey(entry.toUid, entry.seq),
    roomIdSeq: sortKey(entry.roomId, entry.seq),
    giftIdSeq: sortKey(entry.giftId, entry.seq),
  };
}

/** The ledger document as callers see it: without the storage-only fields. */
export function fromStored(doc: StoredDoc): LedgerDoc {
  const { fromUidSeq: _f, toUidSeq: _t, roomIdSeq: _r, giftIdSeq: _g, uidSeq: _u, outbox: _o, ...entry } = doc;
  return entry as LedgerDoc;
}
