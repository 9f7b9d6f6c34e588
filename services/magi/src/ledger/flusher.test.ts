import { rm } from 'node:fs/promises';
import { createLogger, ServiceUnavailableError } from '@bamboo/kit';
import { openDocumentStore, type DocumentStore } from '@bamboo/engines';
import { tempDir } from '@bamboo/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBank } from '../stores/bank.memory.js';
import { topUpDraft } from '../stores/bank.contract.js';
import { LedgerRepo } from '../stores/ledger.repo.js';
import { Flusher } from './flusher.js';
import { reconcile } from './reconcile.js';
import { restoreBank } from './restore.js';

const logger = createLogger('magi', 'silent');

describe('Flusher', () => {
  let dir: string;
  let store: DocumentStore;
  let ledger: LedgerRepo;
  beforeEach(async () => {
    dir = await tempDir('magi-flusher');
    store = await openDocumentStore({ dataDir: dir, namespace: 'magi', mongoDb: 'unused' });
    ledger = new LedgerRepo(store);
    await ledger.init();
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves the journal into the ledger in one batch and confirms each seq once stored', async () => {
    const bank = new MemoryBank();
    const flusher = new Flusher(bank, ledger, { batch: 100, idleMs: 5, logger });
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await bank.credit(topUpDraft('u', 10), { ttlMs: 60_000 });
      if (r.status === 'applied') seqs.push(r.entry.seq);
    }
    const confirmed = Promise.all(seqs.map((s) => flusher.committedThrough(s, 10_000)));
    flusher.start();
    await confirmed;
    expect(await ledger.count()).toBe(5);
    expect(await bank.readJournal(10)).toEqual([]);
    await flusher.stop();
  });

  it('answers 503 not_confirmed when the ledger does not confirm in time, and the entry still lands later', async () => {
    const bank = new MemoryBank();
    const flusher = new Flusher(bank, ledger, { batch: 100, idleMs: 5, logger });
    const r = await bank.credit(topUpDraft('u', 10), { ttlMs: 60_000 });
    const seq = r.status === 'applied' ? r.entry.seq : -1;
    const waiting = flusher.committedThrough(seq, 1); // the flusher is not running
    await expect(waiting).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(waiting).rejects.toMatchObject({ code: 'not_confirmed' });
    await flusher.drain();
    expect(await ledger.count()).toBe(1);
    await expect(flusher.committedThrough(seq, 1)).resolves.toBeUndefined();
  });

  it('finishes a flush cut between the ledger write and the journal ack exactly once', async () => {
    const bank = new MemoryBank();
    for (let i = 0; i < 4; i++) await bank.credit(topUpDraft('u', 10), { ttlMs: 60_000 });
    // The crashed process wrote the first three to the ledger and died before ackJournal.
    await ledger.insertIdempotent((await bank.readJournal(3)));
    const flusher = new Flusher(bank, ledger, { batch: 100, idleMs: 5, logger });
    await flusher.drain();
    expect(await ledger.count()).toBe(4);
    expect(await bank.readJournal(10)).toEqual([]);
    const report = await reconcile(bank, { scan: (after, limit) => ledger.scan(after, limit), drain: () => flusher.drain() });
    expect(report).toMatchObject({ ok: true, entries: 4, differenceCount: 0 });
  });

  it('rebuilds a memory bank from the ledger, and refuses a Redis bank behind it', async () => {
    const bank = new MemoryBank();
    const flusher = new Flusher(bank, ledger, { batch: 2, idleMs: 5, logger });
    for (let i = 0; i < 5; i++) await bank.credit(topUpDraft('u', 10), { ttlMs: 60_000 });
    await flusher.drain();
    const fresh = new MemoryBank();
    expect(await restoreBank(fresh, ledger, 60_000)).toBe(5);
    expect(await fresh.wallet('u')).toEqual(await bank.wallet('u'));
    const lostRedis = Object.assign(new MemoryBank(), { durable: true });
    await expect(restoreBank(lostRedis, ledger, 60_000)).rejects.toThrow(/behind the ledger/);
  });
});
