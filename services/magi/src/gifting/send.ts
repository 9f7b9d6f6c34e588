// Sending a gift: the rules, then one atomic bank operation. Checks that need
// other services or the catalog (the room's anchor and category, the gift and
// its shelf) come first and change nothing; the bank then checks the
// idempotency key and the balance and applies everything at once. A retry of
// an applied request returns the first result even if the room or the shelf
// changed since.
import { randomUUID } from 'node:crypto';
import { AppError, ConflictError, ValidationError } from '@bamboo/kit';
import type { Catalog } from '../catalog/catalog.js';
import { MAX_COUNTER, type GiftEntry } from '../ledger/entry.js';
import { summaryIncrements } from '../ledger/summaries.js';
import type { Bank, GiftDraft } from '../stores/bank.js';
import { fingerprint } from '../util/fingerprint.js';
import type { RoomDirectory } from '../villa/rooms.js';
import { refusal, type Acknowledger } from './outcome.js';

export interface SendRequest {
  requestId: string;
  roomId: string;
  fromUid: string;
  toUid: string;
  giftId: string;
  count: number;
}

export interface SendDeps {
  bank: Bank;
  catalog: Catalog;
  rooms: RoomDirectory;
  ack: Acknowledger;
  requestTtlMs: number;
  comboWindowMs: number;
}

export interface SendResult {
  entry: GiftEntry;
  /** True when this answered a retry of an earlier request. */
  replayed: boolean;
}

export const giftKey = (requestId: string) => `gift:${requestId}`;

export function sendFingerprint(r: SendRequest): string {
  return fingerprint([r.requestId, r.roomId, r.fromUid, r.toUid, r.giftId, r.count]);
}

export async function sendGift(deps: SendDeps, req: SendRequest, now = Date.now()): Promise<SendResult> {
  const key = giftKey(req.requestId);
  const print = sendFingerprint(req);
  let draft: GiftDraft;
  try {
    draft = await prepare(deps, req, key, print, now);
  } catch (err) {
    // A refused retry of an applied request still gets its first answer.
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const earlier = await deps.bank.recall(key);
    if (!earlier) throw err;
    if (earlier.fingerprint !== print) throw reused();
    return { entry: earlier as GiftEntry, replayed: true };
  }
  const result = await deps.bank.send(draft, {
    ttlMs: deps.requestTtlMs,
    comboWindowMs: deps.comboWindowMs,
    summaries: summaryIncrements(draft),
  });
  if (result.status === 'conflict') throw reused();
  if (!('entry' in result)) throw refusal(result);
  await deps.ack(result.entry.seq);
  return { entry: result.entry, replayed: result.status === 'replayed' };
}

async function prepare(deps: SendDeps, req: SendRequest, key: string, print: string, at: number): Promise<GiftDraft> {
  if (req.fromUid === req.toUid) throw new ValidationError('toUid: a user cannot send a gift to themselves');
  const room = await deps.rooms.room(req.roomId);
  if (room.closed) throw new ConflictError(`room ${req.roomId} is closed`, 'room_closed');
  if (req.toUid !== room.anchorId) {
    throw new ValidationError(`toUid: ${req.toUid} is not the anchor of room ${req.roomId}`);
  }
  const gift = await deps.catalog.gift(req.giftId);
  if (!(await deps.catalog.onShelf(gift, room.categoryId, at))) {
    throw new ConflictError(`gift ${req.giftId} is not on offer in room ${req.roomId}`, 'gift_off_shelf');
  }
  const amount = gift.price * req.count;
  const experience = gift.experience * req.count;
  const weight = gift.weight * req.count;
  if (amount > MAX_COUNTER || experience > MAX_COUNTER || weight > MAX_COUNTER) {
    throw new ValidationError(`count: ${req.count} × gift ${req.giftId} exceeds the largest amount magi records`);
  }
  return {
    _id: randomUUID(),
    kind: 'gift',
    key,
    fingerprint: print,
    at,
    fromUid: req.fromUid,
    toUid: req.toUid,
    roomId: req.roomId,
    sessionId: room.live ? room.sessionId : null,
    giftId: gift._id,
    giftVersion: gift.version,
    giftName: gift.name,
    iconImageId: gift.iconImageId,
    effectLevel: gift.effectLevel,
    count: req.count,
    unitPrice: gift.price,
    amount,
    experience,
    weight,
  };
}

function reused(): ConflictError {
  return new ConflictError('requestId was already used for a different gift', 'idempotency_key_reused');
}
