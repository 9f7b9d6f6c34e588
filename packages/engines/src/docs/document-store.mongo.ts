// The MongoDB document store: a thin layer over the official driver that
// keeps ids strings, maps duplicate keys to DuplicateKeyError and an
// unreachable server to ServiceUnavailableError. Collections of a service
// live in one database as `${namespace}.${name}`.
import { randomUUID } from 'node:crypto';
import {
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoClientClosedError,
  type Collection as DriverCollection,
  type Db,
  type Document as DriverDocument,
} from 'mongodb';
import { ServiceUnavailableError } from '@bamboo/kit';
import {
  defaultIndexName,
  type AnyDocument,
  DuplicateKeyError,
  type Collection,
  type DeleteResult,
  type Document,
  type DocumentStore,
  type Filter,
  type FindOneAndUpdateOptions,
  type FindOneOptions,
  type FindOptions,
  type IndexOptions,
  type InsertManyResult,
  type InsertOneResult,
  type OptionalId,
  type Update,
  type UpdateOptions,
  type UpdateResult,
} from './document-store.js';

export interface MongoDocumentStoreOptions {
  url: string;
  /** Database name; default: the one in the URL, else 'bamboo'. */
  database?: string;
  /** Collection name prefix, usually the service name. */
  namespace: string;
  /** How long an operation waits for a usable server (default 3000 ms). */
  serverSelectionTimeoutMS?: number;
}

/** Server codes that mean "not now" rather than "wrong" (failover, shutdown, network). */
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

export async function openMongoDocumentStore(options: MongoDocumentStoreOptions): Promise<DocumentStore> {
  const client = new MongoClient(options.url, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 3000,
    connectTimeoutMS: 3000,
    // Dropping undefined fields (instead of storing null) matches the embedded store.
    ignoreUndefined: true,
  });
  // No connect() here: the driver connects on first use, so a service boots
  // while MongoDB is down and /readyz reports it.
  const db = client.db(options.database ?? databaseInUrl(options.url) ?? 'bamboo');
  return new MongoDocumentStore(client, db, options.namespace);
}

function databaseInUrl(url: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(url)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}

class MongoDocumentStore implements DocumentStore {
  readonly kind = 'mongo' as const;
  private readonly collections = new Map<string, MongoCollection<Document>>();

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly namespace: string,
  ) {}

  collection<T extends Document = AnyDocument>(name: string): Collection<T> {
    let c = this.collections.get(name);
    if (!c) {
      c = new MongoCollection(name, this.db.collection<StringIdDocument>(`${this.namespace}.${name}`));
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  async ping(): Promise<void> {
    await guard('ping', () => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

class MongoCollection<T extends Document> implements Collection<T> {
  constructor(
    readonly name: string,
    // Typed with string ids: the driver's default schema assumes ObjectId.
    private readonly coll: DriverCollection<StringIdDocument>,
  ) {}

  async insertOne(doc: OptionalId<T>): Promise<InsertOneResult> {
    const raw = withId(doc);
    await guard(this.name, () => this.coll.insertOne(raw));
    return { insertedId: raw._id };
  }

  async insertMany(docs: OptionalId<T>[]): Promise<InsertManyResult> {
    const raws = docs.map(withId);
    if (raws.length === 0) return { insertedCount: 0, insertedIds: [] };
    await guard(this.name, () => this.coll.insertMany(raws, { ordered: true }));
    return { insertedCount: raws.length, insertedIds: raws.map((r) => r._id) };
  }

  async findOne(filter: Filter, options: FindOneOptions = {}): Promise<T | null> {
    return (await guard(this.name, () => this.coll.findOne(filter, options))) as T | null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return (await guard(this.name, () => this.coll.find(filter, options).toArray())) as unknown as T[];
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    const u = withInsertId(filter, update, options.upsert);
    const r = await guard(this.name, () => this.coll.updateOne(filter, u, { upsert: options.upsert ?? false }));
    return result(r.matchedCount, r.modifiedCount, r.upsertedId);
  }

  async updateMany(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    const u = withInsertId(filter, update, options.upsert);
    const r = await guard(this.name, () => this.coll.updateMany(filter, u, { upsert: options.upsert ?? false }));
    return result(r.matchedCount, r.modifiedCount, r.upsertedId);
  }

  async findOneAndUpdate(filter: Filter, update: Update, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    const u = withInsertId(filter, update, options.upsert);
    const doc = await guard(this.name, () =>
      this.coll.findOneAndUpdate(filter, u, {
        upsert: options.upsert ?? false,
        returnDocument: options.returnDocument ?? 'after',
        ...(options.sort ? { sort: options.sort } : {}),
      }),
    );
    return doc as T | null;
  }

  async deleteOne(filter: Filter): Promise<DeleteResult> {
    const r = await guard(this.name, () => this.coll.deleteOne(filter));
    return { deletedCount: r.deletedCount };
  }

  async deleteMany(filter: Filter): Promise<DeleteResult> {
    const r = await guard(this.name, () => this.coll.deleteMany(filter));
    return { deletedCount: r.deletedCount };
  }

  async countDocuments(filter: Filter = {}): Promise<number> {
    return guard(this.name, () => this.coll.countDocuments(filter));
  }

  async createIndex(keys: Record<string, 1 | -1>, options: IndexOptions = {}): Promise<string> {
    const name = options.name ?? defaultIndexName(keys);
    return guard(this.name, () =>
      this.coll.createIndex(keys, { name, unique: options.unique ?? false, sparse: options.sparse ?? false }),
    );
  }
}

type StringIdDocument = DriverDocument & { _id: string };

function withId<T extends Document>(doc: OptionalId<T>): StringIdDocument {
  const id = (doc as { _id?: unknown })._id;
  if (id !== undefined && typeof id !== 'string') throw new TypeError('_id must be a string');
  return { ...(doc as DriverDocument), _id: id ?? randomUUID() };
}

/** Without this an upsert would insert an ObjectId; ids are always strings here. */
function withInsertId(filter: Filter, update: Update, upsert: boolean | undefined): DriverDocument {
  const filterId = filter._id as { $eq?: unknown } | undefined;
  const seeded = typeof filterId === 'string' || typeof filterId?.$eq === 'string';
  if (!upsert || seeded || update.$setOnInsert?._id !== undefined) return update;
  return { ...update, $setOnInsert: { ...update.$setOnInsert, _id: randomUUID() } };
}

function result(matchedCount: number, modifiedCount: number, upsertedId: unknown): UpdateResult {
  const r: UpdateResult = { matchedCount, modifiedCount };
  if (upsertedId !== null && upsertedId !== undefined) r.upsertedId = String(upsertedId);
  return r;
}

async function guard<R>(collection: string, op: () => Promise<R>): Promise<R> {
  try {
    return await op();
  } catch (err) {
    throw mapMongoError(collection, err);
  }
}

export function mapMongoError(collection: string, err: unknown): unknown {
  if (!(err instanceof MongoError)) return err;
  const dup = duplicateInfo(err);
  if (dup) return new DuplicateKeyError(collection, dup.index, dup.key, { cause: err });
  if (isUnavailable(err)) {
    return new ServiceUnavailableError('document store unavailable', 'unavailable', { reason: err.message });
  }
  return err;
}

function isUnavailable(err: MongoError): boolean {
  return (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoServerClosedError ||
    err instanceof MongoClientClosedError ||
    err instanceof MongoOperationTimeoutError ||
    err.hasErrorLabel('RetryableWriteError') ||
    (typeof err.code === 'number' && TRANSIENT_CODES.has(err.code))
  );
}

/** Code 11000 directly, or as the first write error of a bulk insert. */
function duplicateInfo(err: MongoError): { index?: string; key?: unknown } | undefined {
  const e = err as MongoError & { keyValue?: unknown; writeErrors?: { code?: number; errmsg?: string }[] };
  const first = Array.isArray(e.writeErrors) ? e.writeErrors.find((w) => w.code === 11000) : undefined;
  if (err.code !== 11000 && !first) return undefined;
  const message = first?.errmsg ?? err.message;
  const index = /index: (\S+) dup key/.exec(message)?.[1];
  // Like the embedded store: a single field's value, or { field: value } for a compound index.
  const fields = e.keyValue && typeof e.keyValue === 'object' ? Object.entries(e.keyValue) : [];
  const key = fields.length === 1 ? fields[0]![1] : fields.length > 1 ? Object.fromEntries(fields) : undefined;
  return { ...(index ? { index } : {}), ...(key !== undefined ? { key } : {}) };
}
