// One embedded collection: a nedb datafile. Every write runs under the
// collection's mutex, so upserts with $setOnInsert and findOneAndUpdate are
// atomic within the process, and MongoDB's counts can be reported exactly.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import nedb from '@seald-io/nedb';
import { ServiceUnavailableError } from '@bamboo/kit';
import { Mutex } from '../../util/mutex.js';
import {
  defaultIndexName,
  type Collection,
  type DeleteResult,
  type Document,
  type Filter,
  type FindOneAndUpdateOptions,
  type FindOneOptions,
  type FindOptions,
  type IndexOptions,
  type InsertManyResult,
  type InsertOneResult,
  type OptionalId,
  type SortSpec,
  type Update,
  type UpdateOptions,
  type UpdateResult,
} from '../document-store.js';
import { toNedbFilter, toNedbProjection, upsertSeed } from './translate.js';
import { isUniqueViolation, toDuplicateKeyError, type UniqueIndex } from './unique.js';

// nedb is CommonJS (module.exports = Datastore) while its typings say
// `export default`: under NodeNext TypeScript sees the module where Node gives the class.
type Datastore<S> = nedb.default<S>;
const Datastore = ((nedb as { default?: unknown }).default ?? nedb) as typeof nedb.default;

type Raw = Record<string, unknown> & { _id: string };

const UPDATE_OPERATORS = new Set(['$set', '$unset', '$inc', '$min', '$max', '$push', '$pull', '$addToSet', '$setOnInsert']);

interface Applied {
  matchedCount: number;
  modifiedCount: number;
  upsertedId?: string;
  before: Raw | null;
  after: Raw | null;
}

export class EmbeddedCollection<T extends Document> implements Collection<T> {
  private readonly db: Datastore<Raw>;
  private readonly ready: Promise<void>;
  private readonly writes = new Mutex();
  private readonly uniqueIndexes: UniqueIndex[] = [{ name: '_id_', fields: ['_id'] }];

  constructor(
    readonly name: string,
    filename: string,
    private readonly isClosed: () => boolean,
  ) {
    this.db = new Datastore<Raw>({ filename });
    this.ready = this.db.loadDatabaseAsync().then(() => this.adoptIndexes());
    this.ready.catch(() => undefined); // surfaced by the first operation instead
  }

  async insertOne(doc: OptionalId<T>): Promise<InsertOneResult> {
    const raw = withId(doc);
    await this.write(() => this.db.insertAsync(raw));
    return { insertedId: raw._id };
  }

  async insertMany(docs: OptionalId<T>[]): Promise<InsertManyResult> {
    const raws = docs.map(withId);
    if (raws.length === 0) return { insertedCount: 0, insertedIds: [] };
    await this.write(async () => {
      try {
        await this.db.insertAsync(raws); // all or nothing in nedb
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Keep MongoDB's ordered semantics: documents before the duplicate stay.
        for (const raw of raws) await this.db.insertAsync(raw);
      }
    });
    return { insertedCount: raws.length, insertedIds: raws.map((r) => r._id) };
  }

  async findOne(filter: Filter, options: FindOneOptions = {}): Promise<T | null> {
    const [doc] = await this.find(filter, { ...options, limit: 1 });
    return doc ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    await this.read();
    const cursor = this.db.findAsync(toNedbFilter(filter), toNedbProjection(options.projection));
    if (options.sort) cursor.sort(options.sort);
    if (options.skip) cursor.skip(options.skip);
    if (options.limit) cursor.limit(options.limit);
    return (await cursor.execAsync()) as unknown as T[];
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return counts(await this.write(() => this.apply(filter, update, { upsert: options.upsert, multi: false })));
  }

  async updateMany(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return counts(await this.write(() => this.apply(filter, update, { upsert: options.upsert, multi: true })));
  }

  async findOneAndUpdate(filter: Filter, update: Update, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    const applied = await this.write(() =>
      this.apply(filter, update, { upsert: options.upsert, multi: false, sort: options.sort }),
    );
    return (options.returnDocument === 'before' ? applied.before : applied.after) as T | null;
  }

  async deleteOne(filter: Filter): Promise<DeleteResult> {
    const n = await this.write(() => this.db.removeAsync(toNedbFilter(filter), { multi: false }));
    return { deletedCount: n as number };
  }

  async deleteMany(filter: Filter): Promise<DeleteResult> {
    const n = await this.write(() => this.db.removeAsync(toNedbFilter(filter), { multi: true }));
    return { deletedCount: n as number };
  }

  async countDocuments(filter: Filter = {}): Promise<number> {
    await this.read();
    return (await this.db.countAsync(toNedbFilter(filter)).execAsync()) as unknown as number;
  }

  async createIndex(keys: Record<string, 1 | -1>, options: IndexOptions = {}): Promise<string> {
    const fields = Object.keys(keys);
    if (fields.length === 0) throw new Error('createIndex needs at least one field');
    const name = options.name ?? defaultIndexName(keys);
    await this.write(async () => {
      // nedb keeps one index per field set and ignores direction.
      await this.db.ensureIndexAsync({
        fieldName: fields.length === 1 ? fields[0]! : fields,
        unique: options.unique ?? false,
        sparse: options.sparse ?? false,
      });
      const sorted = [...fields].sort();
      const known = this.uniqueIndexes.find((i) => isDeepStrictEqual(i.fields, sorted));
      if (known) known.name = name;
      else if (options.unique) this.uniqueIndexes.push({ name, fields: sorted });
    });
    return name;
  }

  /** Rewrites the datafile without superseded lines. */
  async compact(): Promise<void> {
    await this.ready;
    await this.writes.run(() => this.db.compactDatafileAsync());
  }

  /** Waits for queued writes, then compacts once more (used by close). */
  async drain(): Promise<void> {
    await this.writes.idle();
    await this.compact().catch(() => undefined);
  }

  private async read(): Promise<void> {
    if (this.isClosed()) throw new ServiceUnavailableError('document store closed');
    await this.ready;
  }

  private async write<R>(fn: () => Promise<R>): Promise<R> {
    await this.read();
    return this.writes.run(async () => {
      try {
        return await fn();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw await toDuplicateKeyError(this.name, err, this.uniqueIndexes, async (field, value) => {
          const n = (await this.db.countAsync({ [field]: value }).execAsync()) as unknown as number;
          return n > 0;
        });
      }
    });
  }

  /** Indexes created in an earlier run come back from the datafile; learn their default names. */
  private adoptIndexes(): void {
    const indexes = (this.db as unknown as { indexes?: Record<string, { unique?: boolean }> }).indexes ?? {};
    for (const [key, index] of Object.entries(indexes)) {
      const fields = key.split(',');
      if (index.unique && !this.uniqueIndexes.some((i) => isDeepStrictEqual(i.fields, fields))) {
        this.uniqueIndexes.push({ name: fields.map((f) => `${f}_1`).join('_'), fields });
      }
    }
  }

  /** Runs under the write mutex: find the targets, then update them or insert. */
  private async apply(
    filter: Filter,
    update: Update,
    opts: { upsert?: boolean; multi: boolean; sort?: SortSpec },
  ): Promise<Applied> {
    const { $setOnInsert, ...ops } = checkUpdate(update);
    const cursor = this.db.findAsync(toNedbFilter(filter));
    if (opts.sort) cursor.sort(opts.sort);
    if (!opts.multi) cursor.limit(1);
    const olds = (await cursor.execAsync()) as unknown as Raw[];

    if (olds.length === 0) {
      if (!opts.upsert) return { matchedCount: 0, modifiedCount: 0, before: null, after: null };
      const inserted = await this.insertUpsert(filter, ops, $setOnInsert);
      return { matchedCount: 0, modifiedCount: 0, upsertedId: inserted._id, before: null, after: inserted };
    }
    if (Object.keys(ops).length === 0) {
      return { matchedCount: olds.length, modifiedCount: 0, before: olds[0]!, after: olds[0]! };
    }
    const ids = olds.map((d) => d._id);
    const res = await this.db.updateAsync({ _id: { $in: ids } }, ops, { multi: true, returnUpdatedDocs: true });
    const afters = (res.affectedDocuments ?? []) as Raw[];
    const byId = new Map(olds.map((d) => [d._id, d]));
    const modifiedCount = afters.filter((a) => !isDeepStrictEqual(a, byId.get(a._id))).length;
    const first = afters.find((a) => a._id === ids[0]) ?? null;
    return { matchedCount: olds.length, modifiedCount, before: olds[0]!, after: first };
  }

  /** MongoDB's upsert insert: filter equalities, then the update, then $setOnInsert. */
  private async insertUpsert(filter: Filter, ops: Update, setOnInsert: Record<string, unknown> | undefined): Promise<Raw> {
    const seed = upsertSeed(filter);
    const { _id: insertId, ...onInsert } = setOnInsert ?? {};
    const id = typeof seed._id === 'string' ? seed._id : typeof insertId === 'string' ? insertId : randomUUID();
    const base: Raw = { ...seed, _id: id };
    const modifiers: Update = { ...ops };
    if (Object.keys(onInsert).length > 0) modifiers.$set = { ...ops.$set, ...onInsert };
    if (Object.keys(modifiers).length === 0) return (await this.db.insertAsync(base)) as Raw;
    // nedb's own upsert: finds nothing (fresh _id), applies modifiers to `base`, inserts.
    const res = await this.db.updateAsync(base, modifiers, { upsert: true, returnUpdatedDocs: true });
    return res.affectedDocuments as unknown as Raw;
  }
}

function withId<T extends Document>(doc: OptionalId<T>): Raw {
  const id = (doc as { _id?: unknown })._id;
  if (id !== undefined && typeof id !== 'string') throw new TypeError('_id must be a string');
  return { ...(doc as Record<string, unknown>), _id: id ?? randomUUID() };
}

function checkUpdate(update: Update): Update {
  const keys = Object.keys(update);
  if (keys.length === 0) throw new Error('update needs at least one operator');
  for (const key of keys) {
    if (!UPDATE_OPERATORS.has(key)) throw new Error(`unsupported update operator ${key}`);
  }
  return update;
}

function counts(a: Applied): UpdateResult {
  const r: UpdateResult = { matchedCount: a.matchedCount, modifiedCount: a.modifiedCount };
  if (a.upsertedId !== undefined) r.upsertedId = a.upsertedId;
  return r;
}
