// The contract every DocumentStore adapter passes. Each test works in its own
// collection, so one store (and one data location) serves the whole suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateKeyError, type Collection, type Document, type DocumentStore } from '../src/index.js';

export interface DocumentStoreHarness {
  /** Opens a store over the same data every time (same dataDir, same database). */
  open(): Promise<DocumentStore>;
  /** Removes everything the suite stored. */
  destroy(): Promise<void>;
}

interface Item extends Document {
  name: string;
  n?: number;
  tags?: string[];
  meta?: { color?: string; size?: number };
  [field: string]: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function documentStoreContract(name: string, makeHarness: () => Promise<DocumentStoreHarness>): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let harness: DocumentStoreHarness;
    let store: DocumentStore;
    let seq = 0;
    const coll = <T extends Document = Item>(label: string): Collection<T> => store.collection<T>(`${label}_${++seq}`);

    beforeAll(async () => {
      harness = await makeHarness();
      store = await harness.open();
    });
    afterAll(async () => {
      await store?.close();
      await harness?.destroy();
    });

    async function seeded(): Promise<Collection<Item>> {
      const c = coll('seeded');
      await c.insertMany([
        { _id: 'a', name: 'apple', n: 3, tags: ['red', 'fruit'], meta: { color: 'red', size: 2 } },
        { _id: 'b', name: 'banana', n: 1, tags: ['yellow', 'fruit'], meta: { color: 'yellow', size: 3 } },
        { _id: 'c', name: 'cherry', n: 5, tags: ['red'], meta: { color: 'red', size: 1 } },
        { _id: 'd', name: 'date', n: 2 },
        { _id: 'e', name: 'elder', n: 4, meta: { size: 5 }, gone: null },
      ]);
      return c;
    }
    const ids = (docs: Item[]): string[] => docs.map((d) => d._id);

    it('pings', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('insert and read', () => {
      it('assigns a string UUID _id when missing and keeps a given one', async () => {
        const c = coll('insert');
        const { insertedId } = await c.insertOne({ name: 'x' });
        expect(insertedId).toMatch(UUID);
        expect(await c.findOne({ _id: insertedId })).toEqual({ _id: insertedId, name: 'x' });
        expect(await c.insertOne({ _id: 'mine', name: 'y' })).toEqual({ insertedId: 'mine' });
        expect(await c.findOne({ name: 'y' })).toEqual({ _id: 'mine', name: 'y' });
      });

      it('does not change the caller’s object nor add fields of its own', async () => {
        const c = coll('pure');
        const doc = { name: 'x', at: new Date('2024-01-02T03:04:05.678Z') };
        const { insertedId } = await c.insertOne(doc);
        expect(doc).toEqual({ name: 'x', at: new Date('2024-01-02T03:04:05.678Z') });
        const back = await c.findOne({ _id: insertedId });
        expect(Object.keys(back!).sort()).toEqual(['_id', 'at', 'name']);
        expect(back!.at).toBeInstanceOf(Date);
        expect((back!.at as Date).toISOString()).toBe('2024-01-02T03:04:05.678Z');
      });

      it('inserts many', async () => {
        const c = coll('many');
        const r = await c.insertMany([{ name: 'a' }, { _id: 'b', name: 'b' }]);
        expect(r.insertedCount).toBe(2);
        expect(r.insertedIds[0]).toMatch(UUID);
        expect(r.insertedIds[1]).toBe('b');
        expect(await c.countDocuments()).toBe(2);
        expect(await c.insertMany([])).toEqual({ insertedCount: 0, insertedIds: [] });
      });

      it('rejects a duplicate _id with DuplicateKeyError', async () => {
        const c = coll('dupid');
        await c.insertOne({ _id: 'x', name: 'one' });
        const err = await c.insertOne({ _id: 'x', name: 'two' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateKeyError);
        expect(err).toMatchObject({ collection: c.name, index: '_id_' });
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ name: 'one' });
      });

      it('findOne returns null when nothing matches, honours sort and projection', async () => {
        const c = await seeded();
        expect(await c.findOne({ name: 'kiwi' })).toBeNull();
        expect(await c.findOne({}, { sort: { n: -1 } })).toMatchObject({ _id: 'c' });
        expect(await c.findOne({ _id: 'a' }, { projection: { name: 1 } })).toEqual({ _id: 'a', name: 'apple' });
      });
    });

    describe('find', () => {
      it('sorts, skips and limits', async () => {
        const c = await seeded();
        expect(ids(await c.find({}, { sort: { n: 1 } }))).toEqual(['b', 'd', 'a', 'e', 'c']);
        expect(ids(await c.find({}, { sort: { n: -1 }, skip: 1, limit: 2 }))).toEqual(['e', 'a']);
        expect(ids(await c.find({}, { sort: { name: 1 }, limit: 2 }))).toEqual(['a', 'b']);
        expect(ids(await c.find({ tags: 'red' }, { sort: { 'meta.size': 1 } }))).toEqual(['c', 'a']);
        expect(await c.find({}, { sort: { n: 1 }, skip: 10 })).toEqual([]);
      });

      it('sorts by several keys', async () => {
        const c = coll('sort2');
        await c.insertMany([
          { _id: '1', name: 'x', n: 1 },
          { _id: '2', name: 'y', n: 2 },
          { _id: '3', name: 'x', n: 3 },
          { _id: '4', name: 'y', n: 0 },
        ]);
        expect(ids(await c.find({}, { sort: { name: 1, n: -1 } }))).toEqual(['3', '1', '2', '4']);
      });

      it('projects by inclusion, exclusion, dotted paths and without _id', async () => {
        const c = await seeded();
        expect(await c.find({ _id: 'a' }, { projection: { name: 1, n: 1 } })).toEqual([{ _id: 'a', name: 'apple', n: 3 }]);
        expect(await c.find({ _id: 'a' }, { projection: { name: 1, _id: 0 } })).toEqual([{ name: 'apple' }]);
        expect(await c.find({ _id: 'a' }, { projection: { tags: 0, meta: 0 } })).toEqual([{ _id: 'a', name: 'apple', n: 3 }]);
        expect(await c.find({ _id: 'a' }, { projection: { 'meta.color': 1 } })).toEqual([{ _id: 'a', meta: { color: 'red' } }]);
        expect(await c.find({ _id: 'a' }, { projection: { _id: 1 } })).toEqual([{ _id: 'a' }]);
        expect(await c.find({ _id: 'a' }, { projection: { _id: 0, name: true } })).toEqual([{ name: 'apple' }]);
      });

      it('filters with comparison, set and logical operators', async () => {
        const c = await seeded();
        const q = async (filter: Record<string, unknown>): Promise<string[]> =>
          ids(await c.find(filter, { sort: { _id: 1 } }));
        expect(await q({ n: { $gt: 3 } })).toEqual(['c', 'e']);
        expect(await q({ n: { $gte: 3, $lt: 5 } })).toEqual(['a', 'e']);
        expect(await q({ n: { $lte: 1 } })).toEqual(['b']);
        expect(await q({ _id: { $in: ['a', 'c', 'z'] } })).toEqual(['a', 'c']);
        expect(await q({ _id: { $nin: ['a', 'c'] } })).toEqual(['b', 'd', 'e']);
        expect(await q({ name: { $eq: 'date' } })).toEqual(['d']);
        expect(await q({ n: { $ne: 3 } })).toEqual(['b', 'c', 'd', 'e']);
        expect(await q({ $or: [{ n: 1 }, { name: 'date' }] })).toEqual(['b', 'd']);
        expect(await q({ $and: [{ n: { $gt: 1 } }, { n: { $lt: 4 } }] })).toEqual(['a', 'd']);
        expect(await q({ $nor: [{ n: 1 }, { n: 2 }] })).toEqual(['a', 'c', 'e']);
        expect(await q({ n: { $not: { $gt: 2 } } })).toEqual(['b', 'd']);
        expect(await q({ tags: { $exists: true } })).toEqual(['a', 'b', 'c']);
        expect(await q({ tags: { $exists: false } })).toEqual(['d', 'e']);
        expect(await q({ name: { $regex: '^b' } })).toEqual(['b']);
        expect(await q({ name: { $regex: '^B', $options: 'i' } })).toEqual(['b']);
        expect(await q({ name: /rr/ })).toEqual(['c']);
      });

      it('filters on nested dotted fields and arrays', async () => {
        const c = await seeded();
        const q = async (filter: Record<string, unknown>): Promise<string[]> =>
          ids(await c.find(filter, { sort: { _id: 1 } }));
        expect(await q({ 'meta.color': 'red' })).toEqual(['a', 'c']);
        expect(await q({ 'meta.size': { $gte: 3 } })).toEqual(['b', 'e']);
        expect(await q({ tags: 'fruit' })).toEqual(['a', 'b']);
        expect(await q({ tags: { $in: ['yellow', 'nope'] } })).toEqual(['b']);
        expect(await q({ tags: { $all: ['red', 'fruit'] } })).toEqual(['a']);
        expect(await q({ tags: { $size: 1 } })).toEqual(['c']);
        expect(await q({ tags: { $ne: 'red' } })).toEqual(['b', 'd', 'e']);
        expect(await q({ tags: { $nin: ['red'] } })).toEqual(['b', 'd', 'e']);
        expect(await q({ tags: ['red'] })).toEqual(['c']);
      });

      it('treats null as null-or-missing, as MongoDB does', async () => {
        const c = await seeded();
        const q = async (filter: Record<string, unknown>): Promise<string[]> =>
          ids(await c.find(filter, { sort: { _id: 1 } }));
        expect(await q({ gone: null })).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(await q({ meta: null })).toEqual(['d']);
        expect(await q({ meta: { $ne: null } })).toEqual(['a', 'b', 'c', 'e']);
        expect(await q({ 'meta.color': { $in: [null, 'yellow'] } })).toEqual(['b', 'd', 'e']);
      });

      it('matches array elements with $elemMatch', async () => {
        const c = coll('elem');
        await c.insertMany([
          { _id: '1', name: 'x', lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }] },
          { _id: '2', name: 'y', lines: [{ sku: 'a', qty: 5 }] },
        ]);
        expect(ids(await c.find({ lines: { $elemMatch: { sku: 'a', qty: { $gte: 2 } } } }))).toEqual(['2']);
        expect(ids(await c.find({ 'lines.sku': 'b' }))).toEqual(['1']);
      });
    });

    describe('update operators', () => {
      it('$set (also dotted, creating parents), $unset, $inc, $min, $max', async () => {
        const c = coll('ops');
        await c.insertOne({ _id: 'x', name: 'x', n: 5, meta: { color: 'red' } });
        const r = await c.updateOne(
          { _id: 'x' },
          {
            $set: { name: 'y', 'meta.size': 2, 'deep.er.field': true },
            $unset: { 'meta.color': '' },
            $inc: { n: 2, fresh: 3 },
            $min: { low: 1 },
            $max: { high: 9 },
          },
        );
        expect(r).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await c.findOne({ _id: 'x' })).toEqual({
          _id: 'x',
          name: 'y',
          n: 7,
          fresh: 3,
          meta: { size: 2 },
          deep: { er: { field: true } },
          low: 1,
          high: 9,
        });
        await c.updateOne({ _id: 'x' }, { $min: { low: 0, high: 99 }, $max: { low2: 1 }, $inc: { n: -10 } });
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ low: 0, high: 9, low2: 1, n: -3 });
      });

      it('$push, $pull, $addToSet, with $each', async () => {
        const c = coll('arrays');
        await c.insertOne({ _id: 'x', name: 'x', tags: ['a'], nums: [1, 5, 9] });
        await c.updateOne({ _id: 'x' }, { $push: { tags: 'b', fresh: 'z' } });
        await c.updateOne({ _id: 'x' }, { $push: { tags: { $each: ['c', 'a'] } } });
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ tags: ['a', 'b', 'c', 'a'], fresh: ['z'] });
        await c.updateOne({ _id: 'x' }, { $pull: { tags: 'a', nums: { $gte: 5 } } });
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ tags: ['b', 'c'], nums: [1] });
        await c.updateOne({ _id: 'x' }, { $addToSet: { tags: 'b', more: 'm' } });
        await c.updateOne({ _id: 'x' }, { $addToSet: { tags: { $each: ['c', 'd', 'd'] } } });
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ tags: ['b', 'c', 'd'], more: ['m'] });
        await c.updateOne({ _id: 'x' }, { $push: { nums: { $each: [2, 3, 4], $slice: -2 } } });
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ nums: [3, 4] });
      });

      it('counts matched and actually modified documents', async () => {
        const c = await seeded();
        expect(await c.updateOne({ _id: 'a' }, { $set: { name: 'apple' } })).toEqual({ matchedCount: 1, modifiedCount: 0 });
        expect(await c.updateOne({ _id: 'zz' }, { $set: { name: 'q' } })).toEqual({ matchedCount: 0, modifiedCount: 0 });
        expect(await c.updateOne({ 'meta.color': 'red' }, { $set: { seen: true } })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await c.countDocuments({ seen: true })).toBe(1);
        expect(await c.updateMany({ 'meta.color': 'red' }, { $set: { seen: true } })).toEqual({ matchedCount: 2, modifiedCount: 1 });
        expect(await c.updateMany({ n: { $gte: 2 } }, { $inc: { n: 10 } })).toEqual({ matchedCount: 4, modifiedCount: 4 });
        expect(ids(await c.find({ n: { $gte: 12 } }, { sort: { _id: 1 } }))).toEqual(['a', 'c', 'd', 'e']);
        expect(await c.updateMany({ name: 'none' }, { $set: { x: 1 } })).toEqual({ matchedCount: 0, modifiedCount: 0 });
      });
    });

    describe('upsert', () => {
      it('inserts from the filter’s equalities, $set and $setOnInsert, with a string id', async () => {
        const c = coll('upsert');
        const r = await c.updateOne(
          { roomId: 'r1', 'owner.id': 'u1', n: { $gt: 0 } },
          { $set: { name: 'first' }, $setOnInsert: { createdBy: 'me' }, $inc: { hits: 1 } },
          { upsert: true },
        );
        expect(r.matchedCount).toBe(0);
        expect(r.modifiedCount).toBe(0);
        expect(r.upsertedId).toMatch(UUID);
        expect(await c.findOne({ _id: r.upsertedId })).toEqual({
          _id: r.upsertedId,
          roomId: 'r1',
          owner: { id: 'u1' },
          name: 'first',
          createdBy: 'me',
          hits: 1,
        });
      });

      it('updates a match without applying $setOnInsert', async () => {
        const c = coll('upsert2');
        await c.insertOne({ _id: 'k', name: 'old', hits: 1 });
        const r = await c.updateOne(
          { _id: 'k' },
          { $set: { name: 'new' }, $setOnInsert: { createdBy: 'me' }, $inc: { hits: 1 } },
          { upsert: true },
        );
        expect(r).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await c.findOne({ _id: 'k' })).toEqual({ _id: 'k', name: 'new', hits: 2 });
      });

      it('takes _id from the filter and upserts with updateMany too', async () => {
        const c = coll('upsert3');
        expect(await c.updateOne({ _id: 'fixed' }, { $setOnInsert: { name: 'f' } }, { upsert: true })).toEqual({
          matchedCount: 0,
          modifiedCount: 0,
          upsertedId: 'fixed',
        });
        expect(await c.findOne({ _id: 'fixed' })).toEqual({ _id: 'fixed', name: 'f' });
        const r = await c.updateMany({ kind: 'm' }, { $set: { name: 'm' } }, { upsert: true });
        expect(r.upsertedId).toMatch(UUID);
        expect(await c.findOne({ kind: 'm' })).toEqual({ _id: r.upsertedId, kind: 'm', name: 'm' });
      });
    });

    describe('findOneAndUpdate', () => {
      it('returns the document after the update by default, before on request', async () => {
        const c = coll('fau');
        await c.insertOne({ _id: 'x', name: 'x', n: 1 });
        expect(await c.findOneAndUpdate({ _id: 'x' }, { $inc: { n: 1 } })).toEqual({ _id: 'x', name: 'x', n: 2 });
        expect(await c.findOneAndUpdate({ _id: 'x' }, { $inc: { n: 1 } }, { returnDocument: 'before' })).toEqual({
          _id: 'x',
          name: 'x',
          n: 2,
        });
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ n: 3 });
      });

      it('returns null without a match, and upserts on request', async () => {
        const c = coll('fau2');
        expect(await c.findOneAndUpdate({ name: 'none' }, { $set: { n: 1 } })).toBeNull();
        expect(await c.countDocuments()).toBe(0);
        const after = await c.findOneAndUpdate(
          { name: 'new' },
          { $inc: { n: 1 }, $setOnInsert: { born: true } },
          { upsert: true },
        );
        expect(after).toMatchObject({ name: 'new', n: 1, born: true });
        expect(after!._id).toMatch(UUID);
        expect(
          await c.findOneAndUpdate({ name: 'other' }, { $set: { n: 1 } }, { upsert: true, returnDocument: 'before' }),
        ).toBeNull();
        expect(await c.findOne({ name: 'other' })).toMatchObject({ n: 1 });
        expect(await c.findOneAndUpdate({ name: 'new' }, { $inc: { n: 1 }, $setOnInsert: { born: false } }, { upsert: true })).toMatchObject({
          n: 2,
          born: true,
        });
      });

      it('updates the first document in sort order', async () => {
        const c = await seeded();
        expect(await c.findOneAndUpdate({ tags: 'red' }, { $set: { picked: true } }, { sort: { n: -1 } })).toMatchObject({
          _id: 'c',
          picked: true,
        });
        expect(await c.findOneAndUpdate({}, { $set: { picked: true } }, { sort: { n: 1 } })).toMatchObject({ _id: 'b' });
        expect(await c.countDocuments({ picked: true })).toBe(2);
      });
    });

    describe('delete and count', () => {
      it('deletes one or many and counts', async () => {
        const c = await seeded();
        expect(await c.countDocuments()).toBe(5);
        expect(await c.countDocuments({ tags: 'red' })).toBe(2);
        expect(await c.deleteOne({ tags: 'red' })).toEqual({ deletedCount: 1 });
        expect(await c.countDocuments({ tags: 'red' })).toBe(1);
        expect(await c.deleteMany({ n: { $gte: 2 } })).toEqual({ deletedCount: 3 });
        expect(await c.deleteOne({ name: 'none' })).toEqual({ deletedCount: 0 });
        expect(ids(await c.find({}))).toEqual(['b']);
        expect(await c.deleteMany({})).toEqual({ deletedCount: 1 });
        expect(await c.countDocuments()).toBe(0);
      });
    });

    describe('unique indexes', () => {
      it('reject duplicates on insert, update and upsert', async () => {
        const c = coll('uniq');
        expect(await c.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
        expect(await c.createIndex({ email: 1 }, { unique: true })).toBe('email_1'); // idempotent
        await c.insertOne({ _id: '1', name: 'a', email: 'a@x' });
        await c.insertOne({ _id: '2', name: 'b', email: 'b@x' });
        const onInsert = await c.insertOne({ name: 'c', email: 'a@x' }).catch((e: unknown) => e);
        expect(onInsert).toBeInstanceOf(DuplicateKeyError);
        expect(onInsert).toMatchObject({ collection: c.name, index: 'email_1', key: 'a@x' });
        const onUpdate = await c.updateOne({ _id: '2' }, { $set: { email: 'a@x' } }).catch((e: unknown) => e);
        expect(onUpdate).toBeInstanceOf(DuplicateKeyError);
        expect(onUpdate).toMatchObject({ index: 'email_1' });
        const onUpsert = await c
          .updateOne({ name: 'new' }, { $set: { email: 'b@x' } }, { upsert: true })
          .catch((e: unknown) => e);
        expect(onUpsert).toBeInstanceOf(DuplicateKeyError);
        const onFau = await c
          .findOneAndUpdate({ name: 'new' }, { $setOnInsert: { email: 'b@x' } }, { upsert: true })
          .catch((e: unknown) => e);
        expect(onFau).toBeInstanceOf(DuplicateKeyError);
        expect(await c.countDocuments()).toBe(2);
        expect(await c.findOne({ _id: '2' })).toMatchObject({ email: 'b@x' });
      });

      it('compound unique index rejects only the same combination', async () => {
        const c = coll('uniq2');
        expect(await c.createIndex({ roomId: 1, userId: -1 }, { unique: true })).toBe('roomId_1_userId_-1');
        await c.insertOne({ name: 'a', roomId: 'r1', userId: 'u1' });
        await c.insertOne({ name: 'b', roomId: 'r1', userId: 'u2' });
        await c.insertOne({ name: 'c', roomId: 'r2', userId: 'u1' });
        const err = await c.insertOne({ name: 'd', roomId: 'r1', userId: 'u1' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateKeyError);
        expect(err).toMatchObject({ index: 'roomId_1_userId_-1' });
        const onUpdate = await c.updateOne({ name: 'b' }, { $set: { userId: 'u1' } }).catch((e: unknown) => e);
        expect(onUpdate).toBeInstanceOf(DuplicateKeyError);
        expect(await c.countDocuments()).toBe(3);
      });

      it('custom names, sparse indexes, and creation over existing duplicates', async () => {
        const c = coll('uniq3');
        expect(await c.createIndex({ code: 1 }, { unique: true, sparse: true, name: 'by_code' })).toBe('by_code');
        await c.insertMany([{ name: 'a' }, { name: 'b' }, { name: 'c', code: 'x' }]);
        const err = await c.insertOne({ name: 'd', code: 'x' }).catch((e: unknown) => e);
        expect(err).toMatchObject({ name: 'DuplicateKeyError', index: 'by_code' });
        const over = await c.createIndex({ name: 1, tag: 1 }, { unique: true }).then(
          () => c.createIndex({ code2: 1 }, { unique: true }),
        ).catch((e: unknown) => e);
        // All docs lack code2: a non-sparse unique index over them is a duplicate.
        expect(over).toBeInstanceOf(DuplicateKeyError);
      });

      it('insertMany stops at a duplicate, keeping the documents before it', async () => {
        const c = coll('uniq4');
        await c.insertOne({ _id: 'b', name: 'b' });
        const err = await c
          .insertMany([{ _id: 'a', name: 'a' }, { _id: 'b', name: 'dup' }, { _id: 'c', name: 'c' }])
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateKeyError);
        expect(ids(await c.find({}, { sort: { _id: 1 } }))).toEqual(['a', 'b']);
        expect(await c.findOne({ _id: 'b' })).toMatchObject({ name: 'b' });
      });
    });

    describe('concurrency', () => {
      it('50 parallel $inc on one document sum exactly', async () => {
        const c = coll('inc');
        await c.insertOne({ _id: 'x', name: 'x', n: 0 });
        await Promise.all(Array.from({ length: 50 }, () => c.updateOne({ _id: 'x' }, { $inc: { n: 1 } })));
        expect(await c.findOne({ _id: 'x' })).toMatchObject({ n: 50 });
      });

      it('20 parallel upserts of one key make one document', async () => {
        const c = coll('upserts');
        await c.createIndex({ key: 1 }, { unique: true }); // MongoDB retries a racing upsert only on a unique key
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            c.updateOne({ key: 'k' }, { $inc: { n: 1 }, $setOnInsert: { name: 'k' } }, { upsert: true }),
          ),
        );
        expect(results.filter((r) => r.upsertedId !== undefined)).toHaveLength(1);
        expect(await c.find({ key: 'k' })).toEqual([expect.objectContaining({ key: 'k', name: 'k', n: 20 })]);
      });

      it('parallel findOneAndUpdate hands out distinct values', async () => {
        const c = coll('seq');
        const values = await Promise.all(
          Array.from({ length: 20 }, () => c.findOneAndUpdate({ _id: 'seq' }, { $inc: { n: 1 } }, { upsert: true })),
        );
        expect(new Set(values.map((v) => v!.n)).size).toBe(20);
      });
    });

    describe('durability', () => {
      it('keeps documents and indexes across close and reopen', async () => {
        const name = `durable_${++seq}`;
        const c = store.collection<Item>(name);
        await c.createIndex({ email: 1 }, { unique: true });
        await c.insertMany([
          { _id: '1', name: 'a', email: 'a@x' },
          { _id: '2', name: 'b', email: 'b@x' },
        ]);
        await c.updateOne({ _id: '1' }, { $set: { name: 'a2' } });
        await c.deleteOne({ _id: '2' });
        await store.close();
        store = await harness.open();
        const again = store.collection<Item>(name);
        expect(await again.find({})).toEqual([{ _id: '1', name: 'a2', email: 'a@x' }]);
        await expect(again.insertOne({ name: 'c', email: 'a@x' })).rejects.toBeInstanceOf(DuplicateKeyError);
      });
    });
  });
}
