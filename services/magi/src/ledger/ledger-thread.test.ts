// The ledger side in its own thread, as magi runs it on Redis: the thread
// flushes what the main thread's bank journals, answers the ledger calls, and
// passes errors back with their HTTP status.
import { rm } from 'node:fs/promises';
import { AppError, createLogger, loadConfig } from '@bamboo/kit';
import { openHotState } from '@bamboo/engines';
import { deleteRedisKeys, describeRedis, tempDir, uniquePrefix } from '@bamboo/testing';
import { expect, it } from 'vitest';
import { configShape } from '../config.js';
import { topUpDraft } from '../stores/bank.contract.js';
import { RedisBank } from '../stores/bank.redis.js';
import { openLedgerThread } from './ledger-thread.js';

describeRedis('the ledger thread', (redisUrl) => {
  it('flushes the journal, answers reads, passes a 503 back as a 503, and ends on close', async () => {
    const prefix = uniquePrefix('magi-thread');
    const dataDir = await tempDir('magi-thread');
    const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: 'k'.repeat(32), LOG_LEVEL: 'silent', DATA_DIR: dataDir, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, MAGI_BROADCAST: 'off' });
    const hot = await openHotState({ redisUrl, keyPrefix: `${prefix}magi:` });
    const ledger = await openLedgerThread({ config, background: true }, createLogger('magi', 'silent'));
    try {
      const bank = new RedisBank(hot.redis!);
      const applied = await bank.credit(topUpDraft('fan', 100), { ttlMs: 60_000 });
      if (applied.status !== 'applied') throw new Error(`not applied: ${applied.status}`);
      await ledger.committedThrough(applied.entry.seq, 30_000);
      expect(await ledger.count()).toBe(1);
      expect((await ledger.query({ by: { field: 'uid', value: 'fan' }, limit: 5 })).items).toEqual([applied.entry]);

      const unconfirmed = await ledger.committedThrough(applied.entry.seq + 1, 1).catch((err: unknown) => err);
      expect(unconfirmed).toBeInstanceOf(AppError);
      expect(unconfirmed).toMatchObject({ status: 503, code: 'not_confirmed' });
    } finally {
      await ledger.close();
      await hot.close();
      await deleteRedisKeys(redisUrl, prefix);
      await rm(dataDir, { recursive: true, force: true });
    }
    await expect(ledger.count()).rejects.toMatchObject({ status: 503 });
  });
});
