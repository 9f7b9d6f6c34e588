// The document store port: the subset of MongoDB's collection API that
// repositories use. Write queries once, in MongoDB's query language; the
// embedded adapter (nedb, one process, files under DATA_DIR) and the MongoDB
// adapter both pass test/document-store.contract.ts.

/** Every stored document has a string `_id` (a random UUID unless you give one). */
export interface Document {
  _id: string;
}

/** A document of no particular shape: the default when a collection is not typed. */
export type AnyDocument = Document & Record<string, unknown>;

/** A document as given to insert: `_id` may be left out. */
export type OptionalId<T extends Document> = Omit<T, '_id'> & { _id?: string };

/**
 * A MongoDB query filter. Supported on both backends: equality (also on
 * dotted paths and array elements; `null` matches missing), `$eq`, `$ne`,
 * `$gt`, `$gte`, `$lt`, `$lte`, `$in`, `$nin`, `$exists`, `$regex` (+ `$options`),
 * `$size`, `$elemMatch`, `$all`, field-level `$not`, and `$and`, `$or`, `$nor`.
 */
export type Filter = Record<string, unknown>;

/**
 * Update operators supported on both backends. A replacement document is not
 * supported; positional paths (`a.$.b`) are not either.
 */
export interface Update {
  $set?: Record<string, unknown>;
  $unset?: Record<string, unknown>;
  $inc?: Record<string, number>;
  $min?: Record<string, unknown>;
  $max?: Record<string, unknown>;
  /** `{ field: value }` or `{ field: { $each: [...], $slice?: n } }`. */
  $push?: Record<string, unknown>;
  /** `{ field: value }` or `{ field: { <query on the element> } }`. */
  $pull?: Record<string, unknown>;
  /** `{ field: value }` or `{ field: { $each: [...] } }`. */
  $addToSet?: Record<string, unknown>;
  /** Applied only when an upsert inserts. */
  $setOnInsert?: Record<string, unknown>;
}

export type SortSpec = Record<string, 1 | -1>;
/** Inclusion (`{ a: 1 }`) or exclusion (`{ a: 0 }`); `_id` may be excluded in either. */
export type Projection = Record<string, 0 | 1 | boolean>;

export interface FindOneOptions {
  projection?: Projection;
  sort?: SortSpec;
}

export interface FindOptions extends FindOneOptions {
  limit?: number;
  skip?: number;
}

export interface UpdateOptions {
  upsert?: boolean;
}

export interface UpdateResult {
  matchedCount: number;
  /** Documents whose content actually changed (as MongoDB counts). */
  modifiedCount: number;
  /** Set when an upsert inserted. */
  upsertedId?: string;
}

export interface FindOneAndUpdateOptions {
  upsert?: boolean;
  /** Default 'after'. With 'before', an upsert that inserts returns null. */
  returnDocument?: 'before' | 'after';
  /** Which document to update when several match. */
  sort?: SortSpec;
}

export interface InsertOneResult {
  insertedId: string;
}

export interface InsertManyResult {
  insertedCount: number;
  insertedIds: string[];
}

export interface DeleteResult {
  deletedCount: number;
}

export interface IndexOptions {
  unique?: boolean;
  /** Skip documents that lack every indexed field. */
  sparse?: boolean;
  /** Default: MongoDB's, e.g. `a_1_b_-1`. */
  name?: string;
}

/**
 * One collection. Guarantees on both backends:
 * - each single-document write is atomic, and a write resolves only once
 *   stored (embedded: appended to the data file; MongoDB: acknowledged);
 * - updateOne / findOneAndUpdate with `upsert` never create two documents for
 *   one filter when a unique index covers it (MongoDB) or at all (embedded:
 *   writes of a collection are serialised within the process);
 * - unique index violations throw DuplicateKeyError, whether from insert,
 *   update or upsert;
 * - an unreachable MongoDB throws ServiceUnavailableError (503) promptly.
 * updateMany / deleteMany / insertMany are not transactions: on MongoDB they
 * may apply partly (insertMany is ordered: documents before a duplicate stay).
 */
export interface Collection<T extends Document> {
  readonly name: string;
  insertOne(doc: OptionalId<T>): Promise<InsertOneResult>;
  insertMany(docs: OptionalId<T>[]): Promise<InsertManyResult>;
  findOne(filter: Filter, options?: FindOneOptions): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  updateOne(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult>;
  findOneAndUpdate(filter: Filter, update: Update, options?: FindOneAndUpdateOptions): Promise<T | null>;
  deleteOne(filter: Filter): Promise<DeleteResult>;
  deleteMany(filter: Filter): Promise<DeleteResult>;
  countDocuments(filter?: Filter): Promise<number>;
  /** Idempotent; creating it over existing duplicates throws DuplicateKeyError. */
  createIndex(keys: Record<string, 1 | -1>, options?: IndexOptions): Promise<string>;
}

/**
 * A service's documents of record. `embedded` is one process per data
 * directory and namespace (never point two processes at the same files);
 * `mongo` is shared by every process of the service.
 */
export interface DocumentStore {
  readonly kind: 'embedded' | 'mongo';
  collection<T extends Document = AnyDocument>(name: string): Collection<T>;
  /** Resolves when the store answers; throws ServiceUnavailableError otherwise (for /readyz). */
  ping(): Promise<void>;
  /** Waits for in-flight writes, then releases files or connections. Later calls fail. */
  close(): Promise<void>;
}

/**
 * A unique index rejected a write. A plain Error (not an AppError): a
 * repository decides what it means, e.g. a 409 ConflictError or a retry.
 */
export class DuplicateKeyError extends Error {
  constructor(
    readonly collection: string,
    /** The index name when known, e.g. `_id_` or `roomId_1_userId_1`. */
    readonly index?: string,
    /** The duplicated key value when known. */
    readonly key?: unknown,
    options?: { cause?: unknown },
  ) {
    super(`duplicate key in ${collection}${index ? ` (index ${index})` : ''}`, options);
    this.name = 'DuplicateKeyError';
  }
}

/** MongoDB's default index name for a key spec, e.g. `{ a: 1, b: -1 }` → `a_1_b_-1`. */
export function defaultIndexName(keys: Record<string, 1 | -1>): string {
  return Object.entries(keys)
    .map(([field, dir]) => `${field}_${dir}`)
    .join('_');
}
