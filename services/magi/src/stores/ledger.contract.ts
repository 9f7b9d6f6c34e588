// The contract of the ledger repository, run on every document store
// (embedded always, MongoDB when MONGO_URL is set): the same queries, written
// once in MongoDB's language, must answer the same.
import { randomUUID } from 'node:crypto';
import type { DocumentStore } from '@bamboo/engines';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditEntry, GiftEntry, LedgerDoc, LedgerEntry } from '../ledger/entry.js';
import { LedgerRepo } from './ledger.repo.js';

const T0 = Date.UTC(2026, 0, 1);

function gift(seq: number, p: Partial<GiftEntry> = {}): GiftEntry {
  return {
    _id: randomUUID(), seq, kind: 'gift', key: `gift:${randomUUID()}`, fingerprint: 'fp', at: T0 + seq * 1000,
    fromUid: 'fan-a', toUid: 'anchor-a', roomId: 'room-a', sessionId: null, giftId: 'rose', giftVersion: 1,
    giftName: 'Rose', iconImageId: null, effectLevel: 0, count: 1, unitPrice: 10, amount: 10, experience: 1, weight: 1, comboId: 'c', comboCount: 1, ...p,
  };
}

function topup(seq: number, uid: string): CreditEntry {
  return { _id: randomUUID(), seq, kind: 'topup', key: `topup:${randomUUID()}`, fingerprint: 'fp', at: T0 + seq * 1000, uid, delta: 100, reason: null };
}

export function ledgerContract(name: string, open: () => Promise<{ store: DocumentStore; destroy(): Promise<void> }>): void {
  describe(`LedgerRepo contract: ${name}`, () => {
    let repo: LedgerRepo;
    let destroy: () => Promise<void>;
    const entries: LedgerEntry[] = [
      topup(1, 'fan-a'),
      gift(2),
      gift(3, { fromUid: 'fan-b', giftId: 'kiss' }),
      gift(4, { roomId: 'room-b', toUid: 'anchor-b' }),
      gift(5),
      topup(6, 'fan-b'),
      gift(7, { fromUid: 'fan-b', roomId: 'room-b', toUid: 'anchor-b', giftId: 'kiss' }),
      // Ids that extend another id ('room-a') must not show up in its pages.
      gift(8, { fromUid: 'fan-a.2', roomId: 'room-a.2', toUid: 'anchor-a.2', giftId: 'rose.2' }),
    ];
    let store: DocumentStore;

    beforeAll(async () => {
      const opened = await open();
      destroy = opened.destroy;
      store = opened.store;
      repo = new LedgerRepo(store);
      await repo.init();
      await repo.insertIdempotent(entries.slice(0, 4));
      // A retried flush overlapping the first: every entry ends up once.
      await repo.insertIdempotent(entries.slice(2));
    });
    afterAll(async () => destroy?.());

    it('stores each entry once, however often a batch is retried', async () => {
      expect(await repo.count()).toBe(entries.length);
      expect(await repo.lastSeq()).toBe(8);
    });

    it('refuses an entry that reuses a stored seq under another id', async () => {
      await expect(repo.insertIdempotent([gift(5)])).rejects.toThrow();
      expect(await repo.count()).toBe(entries.length);
    });

    const seqs = async (q: Parameters<LedgerRepo['query']>[0]) => (await repo.query(q)).items.map((e) => e.seq);

    it('queries by each dimension, newest first, with a cursor', async () => {
      expect(await seqs({ by: { field: 'fromUid', value: 'fan-a' }, limit: 10 })).toEqual([5, 4, 2]);
      expect(await seqs({ by: { field: 'fromUid', value: 'fan-b' }, limit: 10 })).toEqual([7, 3]);
      expect(await seqs({ by: { field: 'toUid', value: 'anchor-b' }, limit: 10 })).toEqual([7, 4]);
      expect(await seqs({ by: { field: 'roomId', value: 'room-a' }, limit: 10 })).toEqual([5, 3, 2]);
      expect(await seqs({ by: { field: 'giftId', value: 'kiss' }, limit: 10 })).toEqual([7, 3]);
      expect(await seqs({ by: { field: 'giftId', value: 'rose' }, limit: 10 })).toEqual([5, 4, 2]);
      expect(await seqs({ by: { field: 'roomId', value: 'room-a', }, kind: 'gift', since: T0 + 3000, limit: 10 })).toEqual([5, 3]);
      expect(await seqs({ by: { field: 'uid', value: 'fan-b' }, limit: 10 })).toEqual([6]);
      expect(await seqs({ kind: 'topup', limit: 10 })).toEqual([6, 1]);
      expect(await seqs({ since: T0 + 3000, until: T0 + 6000, limit: 10 })).toEqual([5, 4, 3]);
      const first = await repo.query({ by: { field: 'roomId', value: 'room-a' }, limit: 2 });
      expect(first.items.map((e) => e.seq)).toEqual([5, 3]);
      expect(first.next).toBe(3);
      const second = await repo.query({ by: { field: 'roomId', value: 'room-a' }, beforeSeq: first.next!, limit: 2 });
      expect(second.items.map((e) => e.seq)).toEqual([2]);
      expect(second.next).toBeNull();
      // Pages carry the entries, not the keys they are stored under.
      expect(Object.keys(first.items[0]!).sort()).toEqual(Object.keys({ ...entries[4], broadcast: false }).sort());
    });

    it('scans in seq order', async () => {
      expect((await repo.scan(3, 2)).map((e) => e.seq)).toEqual([4, 5]);
    });

    it('keeps the outbox of gifts not yet broadcast', async () => {
      const waiting = await repo.unbroadcast(10);
      expect(waiting.map((e) => e.seq)).toEqual([2, 3, 4, 5, 7, 8]);
      await repo.markBroadcast([waiting[0]!._id, waiting[2]!._id]);
      expect((await repo.unbroadcast(10)).map((e) => e.seq)).toEqual([3, 5, 7, 8]);
      // The step is recorded on the transaction, which every query still finds.
      const room = await repo.query({ by: { field: 'roomId', value: 'room-a' }, limit: 10 });
      expect(room.items.map((e) => [e.seq, e.broadcast])).toEqual([[5, false], [3, false], [2, true]]);
    });

    it('moves a ledger written in the earlier format (collection `ledger`) at init, once', async () => {
      const old = store.collection<LedgerDoc>('ledger');
      await old.insertMany([{ ...gift(9), broadcast: true }, { ...gift(10), broadcast: false }, topup(11, 'fan-c')]);
      await new LedgerRepo(store).init();
      expect(await old.countDocuments()).toBe(0);
      expect(await repo.count()).toBe(entries.length + 3);
      expect(await seqs({ by: { field: 'roomId', value: 'room-a' }, limit: 3 })).toEqual([10, 9, 5]);
      expect(await seqs({ by: { field: 'uid', value: 'fan-c' }, limit: 3 })).toEqual([11]);
      expect((await repo.unbroadcast(10)).map((e) => e.seq)).toEqual([3, 5, 7, 8, 10]);
      await new LedgerRepo(store).init();
      expect(await repo.count()).toBe(entries.length + 3);
    });
  });
}
