// Start-up on the memory engine: the bank lives in process memory, so it is
// rebuilt by re-applying the ledger in seq order. On Redis the bank keeps its
// own state; there the check is the other way round: a Redis whose seq is
// behind the ledger lost data (no AOF, or a flushed database), and magi refuses
// to start rather than hand out seqs the ledger already holds.
import type { Bank } from '../stores/bank.js';
import type { LedgerEntry } from './entry.js';
import type { LedgerSide } from './ledger-side.js';

const BATCH = 5_000;

export async function restoreBank(bank: Bank, ledger: Pick<LedgerSide, 'lastSeq' | 'scan'>, ttlMs: number): Promise<number> {
  if (bank.durable) {
    const [inBank, inLedger] = await Promise.all([bank.lastSeq(), ledger.lastSeq()]);
    if (inBank < inLedger) {
      throw new Error(
        `Redis is behind the ledger (seq ${inBank} < ${inLedger}): Redis lost data. ` +
          'Enable appendonly (see the README) and restore Redis, or point magi at the Redis it used.',
      );
    }
    return 0;
  }
  let after = 0;
  let restored = 0;
  for (;;) {
    const entries = await ledger.scan(after, BATCH);
    if (entries.length === 0) return restored;
    // The bank holds entries as applied, without the ledger's later step flags.
    await bank.restore(entries.map(({ broadcast: _flag, ...entry }) => entry as LedgerEntry), { ttlMs });
    restored += entries.length;
    after = entries[entries.length - 1]!.seq;
  }
}
