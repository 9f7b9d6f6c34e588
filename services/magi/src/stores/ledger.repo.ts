// The ledger: one document per transaction (LedgerDoc), written once and never
// changed except for the record of later steps (the broadcast flag). Several
// indexes serve the queries instead of copies of the data: by sender, receiver,
// wallet, room and gift (each a single key that sorts like (value, seq), see
// ledger.format.ts), by time, and the outbox of gifts not yet broadcast.
// `_id` (the transaction id) and `seq` are unique: a flush retried, or run by
// two processes at once, stores each entry once, and a seq clash (Redis lost
// its state) is an error. Written once in MongoDB's query language: the
// embedded store and MongoDB run the same code.
import { DuplicateKeyError, type Collection, type DocumentStore, type Filter } from '@bamboo/engines';
import type { LedgerDoc, LedgerEntry } from '../ledger/entry.js';
import { DIMENSIONS, fromStored, sortKeyField, sortKeyRange, toStored, type LedgerDimension, type StoredDoc } from './ledger.format.js';
import { migrateLedger } from './ledger.migrate.js';

export type { LedgerDimension } from './ledger.format.js';

export interface LedgerQuery {
  /** One dimension to filter on; omitted means every transaction (within the time range). */
  by?: { field: LedgerDimension; value: string };
  kind?: LedgerEntry['kind'];
  /** Epoch ms, inclusive lower and exclusive upper bound on `at`. */
  since?: number;
  until?: number;
  /** Only entries with seq below this (the previous page's `next`). */
  beforeSeq?: number;
  limit: number;
}

/** The collection of this format; the one before (compound indexes) was `ledger` and is migrated at init. */
const COLLECTION = 'transactions';

export class LedgerRepo {
  private readonly docs: Collection<StoredDoc>;

  constructor(private readonly store: DocumentStore) {
    this.docs = store.collection<StoredDoc>(COLLECTION);
  }

  async init(): Promise<void> {
    await this.docs.createIndex({ seq: 1 }, { unique: true });
    for (const dimension of DIMENSIONS) await this.docs.createIndex({ [sortKeyField(dimension)]: 1 }, { sparse: true });
    await this.docs.createIndex({ at: 1 });
    await this.docs.createIndex({ outbox: 1 }, { sparse: true });
    await migrateLedger(this.store, (docs) => this.insertStored(docs));
  }

  /**
   * Stores entries that may already be stored (a retried flush, or two magi
   * processes flushing the same journal): each ends up exactly once.
   */
  async insertIdempotent(entries: LedgerEntry[]): Promise<void> {
    await this.insertStored(entries.map((e) => toStored(e)));
  }

  private async insertStored(docs: StoredDoc[]): Promise<void> {
    try {
      await this.docs.insertMany(docs);
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      for (const doc of docs) {
        try {
          await this.docs.insertOne(doc);
        } catch (again) {
          // Stored already: fine. Another entry holding this seq: never skip it silently.
          if (!(again instanceof DuplicateKeyError) || !(await this.docs.findOne({ _id: doc._id }))) throw again;
        }
      }
    }
  }

  async query(q: LedgerQuery): Promise<{ items: LedgerDoc[]; next: number | null }> {
    const filter: Filter = {};
    if (q.kind) filter.kind = q.kind;
    if (q.since !== undefined || q.until !== undefined) {
      filter.at = { ...(q.since !== undefined ? { $gte: q.since } : {}), ...(q.until !== undefined ? { $lt: q.until } : {}) };
    }
    // The dimension's key goes last: nedb's planner takes the last indexed range it finds.
    let sort: Record<string, -1> = { seq: -1 };
    if (q.by) {
      const field = sortKeyField(q.by.field);
      filter[field] = sortKeyRange(q.by.value, q.beforeSeq);
      sort = { [field]: -1 };
    } else if (q.beforeSeq !== undefined) filter.seq = { $lt: q.beforeSeq };
    const items = await this.docs.find(filter, { sort, limit: q.limit + 1 });
    const page = items.slice(0, q.limit).map(fromStored);
    return { items: page, next: items.length > q.limit ? page[page.length - 1]!.seq : null };
  }

  /** Entries in seq order after `afterSeq` (reconciliation, restore). */
  async scan(afterSeq: number, limit: number): Promise<LedgerDoc[]> {
    return (await this.docs.find({ seq: { $gt: afterSeq } }, { sort: { seq: 1 }, limit })).map(fromStored);
  }

  async lastSeq(): Promise<number> {
    const [last] = await this.docs.find({}, { sort: { seq: -1 }, limit: 1, projection: { seq: 1 } });
    return last?.seq ?? 0;
  }

  /** The outbox: gifts whose broadcast homer has not yet accepted, oldest first. */
  async unbroadcast(limit: number): Promise<LedgerDoc[]> {
    return (await this.docs.find({ outbox: { $gte: 0 } }, { sort: { outbox: 1 }, limit })).map(fromStored);
  }

  /** Records the broadcast step: the flag set and the gift out of the outbox index, in one update. */
  async markBroadcast(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.docs.updateMany({ _id: { $in: ids } }, { $set: { broadcast: true }, $unset: { outbox: '' } });
  }

  async count(): Promise<number> {
    return this.docs.countDocuments({});
  }
}
