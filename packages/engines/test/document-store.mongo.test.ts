// Error mapping of the MongoDB adapter, checked without a server (the full
// contract runs against MongoDB when MONGO_URL is set).
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { ServiceUnavailableError } from '@bamboo/kit';
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, mapMongoError } from '../src/index.js';

describe('mapMongoError', () => {
  it('maps code 11000 to DuplicateKeyError with index and key', () => {
    const err = new MongoServerError({
      code: 11000,
      errmsg: 'E11000 duplicate key error collection: db.villa.rooms index: slug_1 dup key: { slug: "x" }',
      keyValue: { slug: 'x' },
    });
    const mapped = mapMongoError('rooms', err);
    expect(mapped).toBeInstanceOf(DuplicateKeyError);
    expect(mapped).toMatchObject({ collection: 'rooms', index: 'slug_1', key: 'x', cause: err });
  });

  it('keeps a compound key as an object', () => {
    const err = new MongoServerError({
      code: 11000,
      errmsg: 'E11000 duplicate key error collection: db.c index: a_1_b_1 dup key: { a: 1, b: 2 }',
      keyValue: { a: 1, b: 2 },
    });
    expect(mapMongoError('c', err)).toMatchObject({ index: 'a_1_b_1', key: { a: 1, b: 2 } });
  });

  it('maps connection trouble and failover codes to ServiceUnavailableError', () => {
    expect(mapMongoError('c', new MongoNetworkError('connection reset'))).toBeInstanceOf(ServiceUnavailableError);
    expect(
      mapMongoError('c', new MongoServerSelectionError('timed out', { type: 'Unknown' } as never)),
    ).toBeInstanceOf(ServiceUnavailableError);
    expect(mapMongoError('c', new MongoServerError({ code: 10107, errmsg: 'not primary' }))).toBeInstanceOf(
      ServiceUnavailableError,
    );
  });

  it('passes other errors through', () => {
    const bad = new MongoServerError({ code: 2, errmsg: 'bad value' });
    expect(mapMongoError('c', bad)).toBe(bad);
    const plain = new Error('x');
    expect(mapMongoError('c', plain)).toBe(plain);
  });
});
