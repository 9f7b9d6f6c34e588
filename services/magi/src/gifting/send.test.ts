import { rm } from 'node:fs/promises';
import { AppError, NotFoundError } from '@bamboo/kit';
import { openDocumentStore, type DocumentStore } from '@bamboo/engines';
import { tempDir } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog.js';
import { MemoryBank } from '../stores/bank.memory.js';
import { topUpDraft } from '../stores/bank.contract.js';
import { CatalogRepo } from '../stores/catalog.repo.js';
import type { RoomDirectory, RoomFacts } from '../villa/rooms.js';
import { sendGift, type SendDeps } from './send.js';
import { levelFor } from './wallets.js';

describe('sendGift', () => {
  let dir: string;
  let store: DocumentStore;
  let deps: SendDeps;
  const rooms = new Map<string, RoomFacts>([
    ['r1', { roomId: 'r1', anchorId: 'star', categoryId: 'music', live: true, sessionId: 's1', closed: false }],
  ]);
  const directory: RoomDirectory = {
    room: async (id) => {
      const room = rooms.get(id);
      if (!room) throw new NotFoundError('no room', 'room_not_found');
      return room;
    },
  };
  const status = (p: Promise<unknown>) => p.then(() => 'ok', (e: AppError) => `${e.status} ${e.code}`);

  beforeAll(async () => {
    dir = await tempDir('magi-send');
    store = await openDocumentStore({ dataDir: dir, namespace: 'magi', mongoDb: 'unused' });
    const catalog = new Catalog(new CatalogRepo(store), 0);
    await catalog.put('rose', { name: 'Rose', price: 10, experience: 1, weight: 2, iconImageId: null, effectLevel: 0, sortOrder: 0, active: true });
    await catalog.putShelf('music', [{ giftId: 'rose', from: null, until: null }]);
    const bank = new MemoryBank();
    await bank.credit(topUpDraft('fan', 100), { ttlMs: 60_000 });
    deps = { bank, catalog, rooms: directory, ack: async () => undefined, requestTtlMs: 60_000, comboWindowMs: 1000 };
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prices a gift from the catalog and records the room session', async () => {
    const { entry, replayed } = await sendGift(deps, { requestId: 'a', roomId: 'r1', fromUid: 'fan', toUid: 'star', giftId: 'rose', count: 2 });
    expect(replayed).toBe(false);
    expect(entry).toMatchObject({ amount: 20, experience: 2, weight: 4, sessionId: 's1', giftVersion: 1, unitPrice: 10 });
  });

  it('answers a retry with the first result even after the gift left the shelf or the room closed', async () => {
    const req = { requestId: 'b', roomId: 'r1', fromUid: 'fan', toUid: 'star', giftId: 'rose', count: 1 };
    const first = await sendGift(deps, req);
    await deps.catalog.putShelf('music', []);
    rooms.set('r1', { ...rooms.get('r1')!, closed: true });
    try {
      const retry = await sendGift(deps, req);
      expect(retry).toEqual({ entry: first.entry, replayed: true });
      expect(await status(sendGift(deps, { ...req, count: 2 }))).toBe('409 idempotency_key_reused');
      expect(await status(sendGift(deps, { ...req, requestId: 'new' }))).toBe('409 room_closed');
    } finally {
      rooms.set('r1', { ...rooms.get('r1')!, closed: false });
      await deps.catalog.putShelf('music', [{ giftId: 'rose', from: null, until: null }]);
    }
  });

  it('refuses precisely: self-gift, not the anchor, unknown room, short balance', async () => {
    const base = { roomId: 'r1', fromUid: 'fan', toUid: 'star', giftId: 'rose', count: 1 };
    expect(await status(sendGift(deps, { ...base, requestId: 'c1', toUid: 'fan' }))).toBe('400 invalid_request');
    expect(await status(sendGift(deps, { ...base, requestId: 'c2', toUid: 'other' }))).toBe('400 invalid_request');
    expect(await status(sendGift(deps, { ...base, requestId: 'c3', roomId: 'nope' }))).toBe('404 room_not_found');
    expect(await status(sendGift(deps, { ...base, requestId: 'c4', count: 1000 }))).toBe('402 insufficient_balance');
  });
});

describe('levelFor', () => {
  it('needs base × n² experience for level n', () => {
    expect([0, 99, 100, 399, 400, 10_000].map((e) => levelFor(e, 100))).toEqual([0, 0, 1, 1, 2, 10]);
  });
});
