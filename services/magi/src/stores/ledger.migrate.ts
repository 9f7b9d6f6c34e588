// The ledger before the single-key indexes (ledger.format.ts) lived in the
// collection `ledger` with compound indexes. A store written then is moved at
// start, in seq order and in batches, into the current collection with its
// sort keys and outbox; the old collection is emptied only after everything
// is copied, so a crash mid-way copies again (the insert stores each entry
// once) and loses nothing. Its compound indexes stay behind with it, unused.
import type { DocumentStore } from '@bamboo/engines';
import type { LedgerDoc, LedgerEntry } from '../ledger/entry.js';
import { toStored, type StoredDoc } from './ledger.format.js';

const OLD_COLLECTION = 'ledger';
const BATCH = 5_000;

/** Returns how many entries it moved (0 once done, or on a store that never had the old format). */
export async function migrateLedger(store: DocumentStore, insert: (docs: StoredDoc[]) => Promise<void>): Promise<number> {
  const old = store.collection<LedgerDoc>(OLD_COLLECTION);
  let moved = 0;
  for (let after = 0; ; ) {
    const batch = await old.find({ seq: { $gt: after } }, { sort: { seq: 1 }, limit: BATCH });
    if (batch.length === 0) break;
    await insert(batch.map(({ broadcast, ...entry }) => toStored(entry as LedgerEntry, broadcast === true)));
    moved += batch.length;
    after = batch[batch.length - 1]!.seq;
  }
  if (moved > 0) await old.deleteMany({});
  return moved;
}
