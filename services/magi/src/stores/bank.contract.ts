// The contract every Bank adapter passes (see bank.ts for the guarantees).
// Concurrency is real: many operations are started at once, and on Redis
// spread over two connections as two magi processes would.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COUNTER, type GiftEntry } from '../ledger/entry.js';
import { summaryIncrements, rankingKey, revenueKey } from '../ledger/summaries.js';
import type { Bank, CreditDraft, GiftDraft } from './bank.js';

export interface BankHarness {
  bank: Bank;
  /** A second handle on the same state (another process), when the adapter is shared. */
  other?: Bank;
  destroy(): Promise<void>;
}

const TTL = 60_000;
const COMBO_MS = 60_000;
/** The date of every draft: a fixed day, so the summary keys the contract expects are fixed. */
export const DRAFT_AT = Date.UTC(2026, 10, 25, 12, 0, 0);

let n = 0;
const uid = (label: string) => `${label}-${++n}-${randomUUID().slice(0, 6)}`;

export function topUpDraft(to: string, delta: number, key: string = randomUUID()): CreditDraft {
  return { _id: randomUUID(), kind: 'topup', key: `topup:${key}`, fingerprint: `fp-${to}-${delta}`, at: DRAFT_AT, uid: to, delta, reason: null };
}

export function giftDraft(p: Partial<GiftDraft> & { fromUid: string; toUid: string }): GiftDraft {
  const count = p.count ?? 1;
  const unitPrice = p.unitPrice ?? 10;
  return {
    _id: randomUUID(),
    kind: 'gift',
    key: `gift:${randomUUID()}`,
    fingerprint: 'fp',
    at: DRAFT_AT,
    roomId: 'room-1',
    sessionId: 'session-1',
    giftId: 'rose',
    giftVersion: 1,
    giftName: 'Rose',
    iconImageId: null,
    effectLevel: 0,
    count,
    unitPrice,
    amount: unitPrice * count,
    experience: 2 * count,
    weight: 3 * count,
    ...p,
  };
}

const gift = (bank: Bank, draft: GiftDraft) =>
  bank.send(draft, { ttlMs: TTL, comboWindowMs: COMBO_MS, summaries: summaryIncrements(draft) });

export function bankContract(name: string, setup: () => Promise<BankHarness>): void {
  describe(`Bank contract: ${name}`, () => {
    let h: BankHarness;
    let bank: Bank;
    beforeAll(async () => {
      h = await setup();
      bank = h.bank;
    });
    afterAll(async () => {
      await h?.destroy();
    });

    it('credits a top-up once per key: a retry replays, another body conflicts', async () => {
      const u = uid('u');
      const key = randomUUID();
      const first = await bank.credit(topUpDraft(u, 500, key), { ttlMs: TTL });
      expect(first.status).toBe('applied');
      const again = await bank.credit(topUpDraft(u, 500, key), { ttlMs: TTL });
      expect(again).toEqual({ status: 'replayed', entry: (first as { entry: unknown }).entry });
      expect(await bank.credit(topUpDraft(u, 700, key), { ttlMs: TTL })).toEqual({ status: 'conflict' });
      expect(await bank.wallet(u)).toEqual({ uid: u, balance: 500, experience: 0, weight: 0 });
      expect(await bank.recall(`topup:${key}`)).toEqual((first as { entry: unknown }).entry);
      expect(await bank.recall(`topup:${randomUUID()}`)).toBeNull();
    });

    it('applies a gift: debit, experience, weight, summaries, journal, in one step', async () => {
      const from = uid('fan');
      const to = uid('anchor');
      await bank.credit(topUpDraft(from, 100), { ttlMs: TTL });
      const before = await bank.lastSeq();
      const draft = giftDraft({ fromUid: from, toUid: to, count: 3, roomId: `room-${from}` });
      const r = await gift(bank, draft);
      expect(r.status).toBe('applied');
      const entry = (r as { entry: GiftEntry }).entry;
      expect(entry).toMatchObject({ ...draft, seq: before + 1, comboId: draft._id, comboCount: 3 });
      expect(await bank.wallet(from)).toEqual({ uid: from, balance: 70, experience: 6, weight: 0 });
      expect(await bank.wallet(to)).toEqual({ uid: to, balance: 0, experience: 0, weight: 9 });
      expect(await bank.top(rankingKey.room(draft.roomId, 'session', 'session-1'), 10)).toEqual([{ member: from, score: 30 }]);
      expect(await bank.hash(revenueKey(to))).toEqual({ '2026-11-25': 30 });
      expect(await bank.summaryKeys()).toEqual(expect.arrayContaining([rankingKey.room(draft.roomId, 'day', '2026-11-25'), revenueKey(to)]));
      const journal = await bank.readJournal(100_000);
      expect(journal.find((e) => e._id === draft._id)).toEqual(entry);
    });

    it('refuses a gift the balance does not cover and changes nothing', async () => {
      const from = uid('fan');
      const to = uid('anchor');
      await bank.credit(topUpDraft(from, 25), { ttlMs: TTL });
      const seq = await bank.lastSeq();
      const draft = giftDraft({ fromUid: from, toUid: to, count: 3 });
      expect(await gift(bank, draft)).toEqual({ status: 'insufficient', balance: 25 });
      expect(await bank.wallet(from)).toEqual({ uid: from, balance: 25, experience: 0, weight: 0 });
      expect(await bank.wallet(to)).toEqual({ uid: to, balance: 0, experience: 0, weight: 0 });
      expect(await bank.lastSeq()).toBe(seq);
      expect(await bank.hash(revenueKey(to))).toEqual({});
      expect(await bank.recall(draft.key)).toBeNull();
    });

    it('replays a gift with the same fingerprint and refuses another body', async () => {
      const from = uid('fan');
      const to = uid('anchor');
      await bank.credit(topUpDraft(from, 100), { ttlMs: TTL });
      const draft = giftDraft({ fromUid: from, toUid: to });
      const first = await gift(bank, draft);
      const retry = await gift(bank, { ...draft, _id: randomUUID() });
      expect(retry).toEqual({ status: 'replayed', entry: (first as { entry: unknown }).entry });
      expect(await gift(bank, { ...draft, _id: randomUUID(), fingerprint: 'other' })).toEqual({ status: 'conflict' });
      expect((await bank.wallet(from)).balance).toBe(90);
    });

    it('groups repeated sends into a combo with a running count', async () => {
      const from = uid('fan');
      const to = uid('anchor');
      await bank.credit(topUpDraft(from, 1000), { ttlMs: TTL });
      const a = (await gift(bank, giftDraft({ fromUid: from, toUid: to, count: 2 }))) as { entry: GiftEntry };
      const b = (await gift(bank, giftDraft({ fromUid: from, toUid: to, count: 5 }))) as { entry: GiftEntry };
      const other = (await gift(bank, giftDraft({ fromUid: from, toUid: to, giftId: 'kiss' }))) as { entry: GiftEntry };
      expect(b.entry.comboId).toBe(a.entry._id);
      expect(b.entry.comboCount).toBe(7);
      expect(other.entry.comboId).toBe(other.entry._id);
      expect(other.entry.comboCount).toBe(1);
      // A short window ends the combo.
      const shortA = (await bank.send(giftDraft({ fromUid: from, toUid: to, giftId: 'star' }), { ttlMs: TTL, comboWindowMs: 1, summaries: [] })) as { entry: GiftEntry };
      await new Promise((r) => setTimeout(r, 20));
      const shortB = (await bank.send(giftDraft({ fromUid: from, toUid: to, giftId: 'star' }), { ttlMs: TTL, comboWindowMs: 1, summaries: [] })) as { entry: GiftEntry };
      expect(shortB.entry.comboId).toBe(shortB.entry._id);
      expect(shortA.entry.comboId).toBe(shortA.entry._id);
    });

    it('never overdraws under a concurrent burst (across processes where shared)', async () => {
      const from = uid('whale');
      const to = uid('anchor');
      await bank.credit(topUpDraft(from, 1000), { ttlMs: TTL });
      const banks = h.other ? [bank, h.other] : [bank];
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => gift(banks[i % banks.length]!, giftDraft({ fromUid: from, toUid: to, unitPrice: 10 }))),
      );
      const applied = results.filter((r) => r.status === 'applied');
      expect(applied).toHaveLength(100);
      expect(results.filter((r) => r.status === 'insufficient')).toHaveLength(200);
      expect(await bank.wallet(from)).toEqual({ uid: from, balance: 0, experience: 200, weight: 0 });
      expect((await bank.wallet(to)).weight).toBe(300);
      const seqs = applied.map((r) => (r as { entry: GiftEntry }).entry.seq);
      expect(new Set(seqs).size).toBe(100);
    });

    it('applies one request id once under concurrent retries', async () => {
      const from = uid('fan');
      const to = uid('anchor');
      await bank.credit(topUpDraft(from, 1000), { ttlMs: TTL });
      const draft = giftDraft({ fromUid: from, toUid: to });
      const banks = h.other ? [bank, h.other] : [bank];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => gift(banks[i % banks.length]!, { ...draft, _id: randomUUID() })),
      );
      expect(results.filter((r) => r.status === 'applied')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'replayed')).toHaveLength(49);
      expect(new Set(results.map((r) => (r as { entry: GiftEntry }).entry._id)).size).toBe(1);
      expect((await bank.wallet(from)).balance).toBe(990);
    });

    it('refuses counters past MAX_COUNTER and adjustments below zero, changing nothing', async () => {
      const u = uid('rich');
      await bank.credit(topUpDraft(u, MAX_COUNTER - 5), { ttlMs: TTL });
      expect(await bank.credit(topUpDraft(u, 6), { ttlMs: TTL })).toEqual({ status: 'overflow', counter: 'balance', uid: u });
      const debit: CreditDraft = { ...topUpDraft(u, -(MAX_COUNTER - 4)), kind: 'adjust', reason: 'test' };
      expect(await bank.credit(debit, { ttlMs: TTL })).toEqual({ status: 'insufficient', balance: MAX_COUNTER - 5 });
      expect((await bank.wallet(u)).balance).toBe(MAX_COUNTER - 5);
      const anchor = uid('anchor');
      const big = giftDraft({ fromUid: u, toUid: anchor, unitPrice: 1, count: 1, weight: MAX_COUNTER + 1 });
      expect(await gift(bank, big)).toEqual({ status: 'overflow', counter: 'weight', uid: anchor });
      expect((await bank.wallet(u)).balance).toBe(MAX_COUNTER - 5);
    });

    it('journals in seq order and forgets only what was acknowledged', async () => {
      const u = uid('u');
      const drafts = [topUpDraft(u, 1), topUpDraft(u, 2), topUpDraft(u, 3)];
      for (const d of drafts) await bank.credit(d, { ttlMs: TTL });
      const journal = await bank.readJournal(100_000);
      const seqs = journal.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const mine = journal.filter((e) => e.kind !== 'gift' && e.uid === u);
      expect(mine.map((e) => e._id)).toEqual(drafts.map((d) => d._id));
      const last = await bank.lastSeq();
      expect(last).toBe(mine[2]!.seq);
      await bank.ackJournal(mine[1]!.seq);
      const rest = await bank.readJournal(100_000);
      expect(rest.map((e) => e._id)).toEqual([drafts[2]!._id]);
      await bank.ackJournal(last);
      expect(await bank.readJournal(10)).toEqual([]);
    });

    it('lists wallets and summaries for reconciliation', async () => {
      const from = uid('fan');
      const to = uid('anchor');
      await bank.credit(topUpDraft(from, 50), { ttlMs: TTL });
      await gift(bank, giftDraft({ fromUid: from, toUid: to, roomId: 'room-list' }));
      const wallets = await bank.wallets();
      expect(wallets).toEqual(expect.arrayContaining([
        { uid: from, balance: 40, experience: 2, weight: 0 },
        { uid: to, balance: 0, experience: 0, weight: 3 },
      ]));
      expect((await bank.summary(revenueKey(to)))['2026-11-25']).toBe(10);
      expect((await bank.summary(rankingKey.room('room-list', 'day', '2026-11-25')))[from]).toBe(10);
    });

    it('grants a lease to one holder at a time, renewable by it, free again after expiry', async () => {
      const name = uid('lease');
      expect(await bank.lease(name, 'a', 200)).toBe(true);
      expect(await bank.lease(name, 'a', 200)).toBe(true);
      if (h.other) {
        expect(await h.other.lease(name, 'b', 200)).toBe(false);
        await new Promise((r) => setTimeout(r, 300));
        expect(await h.other.lease(name, 'b', 200)).toBe(true);
        expect(await bank.lease(name, 'a', 200)).toBe(false);
      }
    });

    it('replaces a summary wholesale, or removes it, for rebuilding from the ledger', async () => {
      const rank = rankingKey.room(uid('room'), 'day', '2026-11-25');
      const revenue = revenueKey(uid('anchor'));
      await bank.replaceSummary(rank, new Map([['a', 5], ['b', 7]]));
      await bank.replaceSummary(revenue, new Map([['2026-11-25', 12]]));
      expect(await bank.top(rank, 10)).toEqual([{ member: 'b', score: 7 }, { member: 'a', score: 5 }]);
      expect(await bank.hash(revenue)).toEqual({ '2026-11-25': 12 });
      expect(await bank.summaryKeys()).toEqual(expect.arrayContaining([rank, revenue]));
      await bank.replaceSummary(rank, new Map([['c', 1]]));
      expect(await bank.summary(rank)).toEqual({ c: 1 });
      await bank.replaceSummary(rank, new Map());
      expect(await bank.summary(rank)).toEqual({});
      expect(await bank.summaryKeys()).not.toContain(rank);
    });
  });
}
