// The ledger: one document per transaction (LedgerDoc), written once and never
// changed except for the record of later steps (the broadcast flag). Several
// indexes serve the queries instead of copies of the data: by sender, receiver,
// wallet, room and gift (each with seq for cursor order on MongoDB), by time,
// and the outbox of gifts not yet broadcast. `_id` (the transaction id) and
// `seq` are unique: a flush retried, or run by two processes at once, stores
// each entry once, and a seq clash (Redis lost its state) is an error.
// Written once in MongoDB's query language: the embedded store and MongoDB
// run the same code.
import { DuplicateKeyError, type Collection, type DocumentStore, type Filter } from '@bamboo/engines';
import type { LedgerDoc, LedgerEntry } from '../ledger/entry.js';

export type LedgerDimension = 'fromUid' | 'toUid' | 'roomId' | 'giftId' | 'uid';

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

export class LedgerRepo {
  private readonly docs: Collection<LedgerDoc>;
  private readonly kind: DocumentStore['kind'];

  constructor(store: DocumentStore) {
    this.docs = store.collection<LedgerDoc>('ledger');
    this.kind = store.kind;
  }

  /**
   * On the embedded store (nedb) an index serves a query only when the query
   * gives every one of its fields an exact value, so {broadcast: false}
   * never used {broadcast, seq} there and each outbox poll read the whole
   * ledger: there the flag is indexed alone. The dimension indexes keep the
   * seq on both engines although nedb's planner does not use them: nedb
   * rewrites every index of a document it updates (the broadcast flag), and
   * taking one document out of a key shared by many (a hot room's id alone)
   * costs as much as that key holds; with the seq it is one tree lookup.
   */
  async init(): Promise<void> {
    await this.docs.createIndex({ seq: 1 }, { unique: true });
    for (const field of ['fromUid', 'toUid', 'roomId', 'giftId', 'uid'] as const) {
      await this.docs.createIndex({ [field]: 1, seq: -1 }, { sparse: true });
    }
    await this.docs.createIndex({ at: 1 });
    await this.docs.createIndex(this.kind === 'mongo' ? { broadcast: 1, seq: 1 } : { broadcast: 1 }, { sparse: true });
  }

  /**
   * Stores entries that may already be stored (a retried flush, or two magi
   * processes flushing the same journal): each ends up exactly once.
   */
  async insertIdempotent(entries: LedgerEntry[]): Promise<void> {
    const docs: LedgerDoc[] = entries.map((e) => (e.kind === 'gift' ? { ...e, broadcast: false } : e));
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
    if (q.by) filter[q.by.field] = q.by.value;
    if (q.kind) filter.kind = q.kind;
    if (q.since !== undefined || q.until !== undefined) {
      filter.at = { ...(q.since !== undefined ? { $gte: q.since } : {}), ...(q.until !== undefined ? { $lt: q.until } : {}) };
    }
    if (q.beforeSeq !== undefined) filter.seq = { $lt: q.beforeSeq };
    const items = await this.docs.find(filter, { sort: { seq: -1 }, limit: q.limit + 1 });
    const page = items.slice(0, q.limit);
    return { items: page, next: items.length > q.limit ? page[page.length - 1]!.seq : null };
  }

  /** Entries in seq order after `afterSeq` (reconciliation, restore). */
  async scan(afterSeq: number, limit: number): Promise<LedgerDoc[]> {
    return this.docs.find({ seq: { $gt: afterSeq } }, { sort: { seq: 1 }, limit });
  }

  async lastSeq(): Promise<number> {
    const [last] = await this.docs.find({}, { sort: { seq: -1 }, limit: 1, projection: { seq: 1 } });
    return last?.seq ?? 0;
  }

  /** The outbox: gifts whose broadcast homer has not yet accepted, oldest first. */
  async unbroadcast(limit: number): Promise<LedgerDoc[]> {
    return this.docs.find({ broadcast: false }, { sort: { seq: 1 }, limit });
  }

  async markBroadcast(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.docs.updateMany({ _id: { $in: ids } }, { $set: { broadcast: true } });
  }

  async count(): Promise<number> {
    return this.docs.countDocuments({});
  }
}
