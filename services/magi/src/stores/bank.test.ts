import { openHotState } from '@bamboo/engines';
import { deleteRedisKeys, describeRedis, uniquePrefix } from '@bamboo/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DRAFT_AT, bankContract, giftDraft, topUpDraft } from './bank.contract.js';
import { MemoryBank } from './bank.memory.js';
import { RedisBank } from './bank.redis.js';
import { summaryIncrements } from '../ledger/summaries.js';

bankContract('memory', async () => ({ bank: new MemoryBank(), destroy: async () => undefined }));

describeRedis('on Redis', (redisUrl) => {
  bankContract('redis', async () => {
    const prefix = uniquePrefix('magi-bank');
    const hot = await openHotState({ redisUrl, keyPrefix: prefix });
    const otherHot = await openHotState({ redisUrl, keyPrefix: prefix });
    return {
      bank: new RedisBank(hot.redis!),
      other: new RedisBank(otherHot.redis!),
      destroy: async () => {
        await Promise.all([hot.close(), otherHot.close()]);
        await deleteRedisKeys(redisUrl, prefix);
      },
    };
  });
});

describe('MemoryBank.restore', () => {
  afterEach(() => vi.useRealTimers());

  it('rebuilds counters, summaries and idempotency from ledger entries, once', async () => {
    // The clock is set to the drafts' fixed date, so their idempotency window
    // is not over by the time this runs.
    vi.useFakeTimers({ toFake: ['Date'], now: DRAFT_AT });
    const live = new MemoryBank();
    await live.credit(topUpDraft('fan', 100, 'pay-1'), { ttlMs: 60_000 });
    const draft = giftDraft({ fromUid: 'fan', toUid: 'anchor', count: 2 });
    await live.send(draft, { ttlMs: 60_000, comboWindowMs: 1000, summaries: summaryIncrements(draft) });
    const entries = await live.readJournal(100);

    const restored = new MemoryBank();
    await restored.restore(entries, { ttlMs: 7 * 86_400_000 });
    await restored.restore(entries, { ttlMs: 7 * 86_400_000 }); // a second pass changes nothing
    expect(await restored.wallets()).toEqual(await live.wallets());
    for (const key of await live.summaryKeys()) expect(await restored.summary(key)).toEqual(await live.summary(key));
    expect(await restored.lastSeq()).toBe(2);
    expect(await restored.readJournal(10)).toEqual([]);
    const retry = await restored.send({ ...draft, _id: 'other' }, { ttlMs: 60_000, comboWindowMs: 1000, summaries: [] });
    expect(retry).toEqual({ status: 'replayed', entry: entries[1] });
  });
});
