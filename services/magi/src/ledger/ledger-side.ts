// The ledger side of magi: the ledger store, the flusher that fills it from
// the bank's journal and the broadcaster that reads its outbox. The rest of
// magi (routes, reconciliation, acknowledgements, restore) uses it only
// through LedgerSide, so it can run in this thread (LocalLedger, always on the
// memory engine, whose journal lives in this process) or in a thread of its
// own (ledger-thread.ts, on Redis: the flush then costs the HTTP thread
// nothing).
import { createServiceClient, type Logger } from '@bamboo/kit';
import type { DocumentStore } from '@bamboo/engines';
import { Broadcaster } from '../broadcast/outbox.js';
import type { Config } from '../config.js';
import type { Bank } from '../stores/bank.js';
import { LedgerRepo, type LedgerQuery } from '../stores/ledger.repo.js';
import type { LedgerDoc } from './entry.js';
import { Flusher } from './flusher.js';

export interface LedgerSide {
  query(q: LedgerQuery): Promise<{ items: LedgerDoc[]; next: number | null }>;
  /** Entries in seq order after `afterSeq` (reconciliation, restore). */
  scan(afterSeq: number, limit: number): Promise<LedgerDoc[]>;
  lastSeq(): Promise<number>;
  count(): Promise<number>;
  /** The outbox: gifts whose broadcast homer has not yet accepted, oldest first. */
  unbroadcast(limit: number): Promise<LedgerDoc[]>;
  /** Resolves once the entry with `seq` is in the ledger; 503 after timeoutMs. */
  committedThrough(seq: number, timeoutMs: number): Promise<void>;
  /** Returns once the journal is empty (flushed here or by the process holding the lease). */
  drain(timeoutMs?: number): Promise<void>;
  /** Stops the loops after a last flush. */
  close(): Promise<void>;
}

export interface LocalLedgerOptions {
  config: Config;
  logger: Logger;
  bank: Bank;
  docs: DocumentStore;
  /** Run the flusher and broadcaster loops (the reconcile command does not). */
  background: boolean;
}

export async function openLocalLedger({ config, logger, bank, docs, background }: LocalLedgerOptions): Promise<LedgerSide> {
  const repo = new LedgerRepo(docs);
  await repo.init();
  const flusher = new Flusher(bank, repo, { batch: config.MAGI_FLUSH_BATCH, idleMs: config.MAGI_FLUSH_IDLE_MS, logger });
  const broadcaster =
    config.MAGI_BROADCAST === 'on'
      ? new Broadcaster(
          repo,
          createServiceClient({ target: 'homer', baseUrl: config.HOMER_URL, caller: 'magi', internalKey: config.BAMBOO_INTERNAL_KEY, timeoutMs: 2_000 }),
          { idleMs: config.MAGI_BROADCAST_IDLE_MS, concurrency: config.MAGI_BROADCAST_CONCURRENCY, logger },
        )
      : undefined;
  if (background) {
    flusher.start();
    broadcaster?.start();
  }
  return {
    query: (q) => repo.query(q),
    scan: (afterSeq, limit) => repo.scan(afterSeq, limit),
    lastSeq: () => repo.lastSeq(),
    count: () => repo.count(),
    unbroadcast: (limit) => repo.unbroadcast(limit),
    committedThrough: (seq, timeoutMs) => flusher.committedThrough(seq, timeoutMs),
    drain: (timeoutMs) => flusher.drain(timeoutMs),
    close: async () => {
      await broadcaster?.stop();
      await flusher.stop();
    },
  };
}
