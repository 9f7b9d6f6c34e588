// Moves the bank's journal into the ledger in batches (group commit, as
// TigerBeetle batches transfers): one insertMany per batch instead of one
// document write per gift. It also tells a request when its entry is in the
// ledger, for acknowledgements that must wait for it (always on the memory
// engine). Processes sharing a Redis journal take turns through a lease; if
// two ever flush at once (a lease that expired mid-flush), the ledger still
// stores each entry once (see LedgerRepo.insertIdempotent).
import { randomUUID } from 'node:crypto';
import { ServiceUnavailableError, type Logger } from '@bamboo/kit';
import type { Bank } from '../stores/bank.js';
import type { LedgerRepo } from '../stores/ledger.repo.js';
import { Loop } from '../util/loop.js';

export interface FlusherOptions {
  batch: number;
  idleMs: number;
  logger: Logger;
}

interface Waiter {
  seq: number;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const MAX_BACKOFF_MS = 2_000;
/** How long a flusher's lease lasts without renewal (a dead holder blocks others this long). */
const LEASE_MS = 5_000;

export class Flusher {
  /** Every entry with seq ≤ this is in the ledger. */
  private committed = 0;
  private waiters: Waiter[] = [];
  private readonly holder = randomUUID();
  private readonly loop: Loop;

  constructor(
    private readonly bank: Bank,
    private readonly ledger: LedgerRepo,
    private readonly options: FlusherOptions,
  ) {
    this.loop = new Loop({
      // A full batch means more is waiting; otherwise the journal gathers for
      // idleMs (a waiting acknowledgement wakes it), so batches stay large.
      step: async () => (await this.flushOnce()) >= options.batch,
      idleMs: options.idleMs,
      backoffMs: (failures) => Math.min(100 * 2 ** failures, MAX_BACKOFF_MS),
      onError: (err) => options.logger.error({ err }, 'flushing the journal to the ledger failed; retrying'),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    // A last flush so a graceful stop leaves the journal empty.
    await this.flushOnce().catch((err) => this.options.logger.warn({ err }, 'final flush failed'));
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new ServiceUnavailableError('magi is shutting down; retry with the same key'));
    }
  }

  /** Resolves once the entry with `seq` is in the ledger; 503 after timeoutMs. */
  committedThrough(seq: number, timeoutMs: number): Promise<void> {
    if (seq <= this.committed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        seq,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(
            new ServiceUnavailableError(
              'the ledger did not confirm this operation in time; retry with the same key to learn its outcome',
              'not_confirmed',
            ),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      // Its entry may be in the journal now: no idle pause before the next flush.
      this.loop.wake();
    });
  }

  /**
   * Returns once the journal is empty: flushing it here, or waiting for the
   * process that holds the lease (reconciliation, tests). 503 after timeoutMs.
   */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.flushOnce()) > 0) continue;
      if ((await this.bank.readJournal(1)).length === 0) return;
      if (Date.now() > deadline) throw new ServiceUnavailableError('the journal did not empty into the ledger in time');
      await new Promise((r) => setTimeout(r, this.options.idleMs));
    }
  }

  /** One batch; returns how many entries it moved. */
  async flushOnce(): Promise<number> {
    // Read the last seq before the journal: if the journal is then empty,
    // everything up to that seq is in the ledger.
    const last = await this.bank.lastSeq();
    if (!(await this.bank.lease('flusher', this.holder, LEASE_MS))) {
      // Another process flushes: what precedes the journal's head is in the ledger.
      const [head] = await this.bank.readJournal(1);
      this.advance(head ? head.seq - 1 : last);
      return 0;
    }
    const entries = await this.bank.readJournal(this.options.batch);
    if (entries.length === 0) {
      this.advance(last);
      return 0;
    }
    await this.ledger.insertIdempotent(entries);
    const through = entries[entries.length - 1]!.seq;
    await this.bank.ackJournal(through);
    this.advance(through);
    return entries.length;
  }

  private advance(seq: number): void {
    if (seq <= this.committed) return;
    this.committed = seq;
    const [done, waiting] = partition(this.waiters, (w) => w.seq <= seq);
    this.waiters = waiting;
    for (const w of done) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }
}

function partition<T>(items: T[], pick: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const t of items) (pick(t) ? yes : no).push(t);
  return [yes, no];
}
