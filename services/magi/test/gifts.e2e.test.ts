// magi end to end over real sockets, on the embedded engines and on Redis:
// catalog and shelves, top-ups, sending gifts (idempotency, refusals, bursts),
// queries, rankings, revenue, broadcast, reconciliation and a restart.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { deleteRedisKeys, describeRedis, readJson, tempDir, uniquePrefix } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_COUNTER, dayOf } from '../src/ledger/entry.js';
import { GIFT, admin, call, fakeHomer, fakeVilla, startMagi, until, type RunningMagi } from './helpers.js';

// Bursts on a shared machine can be slow; nothing here asserts on time.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

function suite(engine: string, engineEnv: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>) {
  describe(`magi end to end (${engine})`, () => {
    let villa: Awaited<ReturnType<typeof fakeVilla>>;
    let homer: Awaited<ReturnType<typeof fakeHomer>>;
    let running: RunningMagi;
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let dir: string;
    const base = () => running.url;
    const now = Date.now();
    const fan = `fan-${randomUUID().slice(0, 8)}`;

    const topUp = async (uid: string, amount: number, key = randomUUID()) => {
      const res = await call(base(), '/v1/wallets/topups', { body: { key, uid, amount } });
      expect(res.status).toBe(201);
    };
    const wallet = async (uid: string) => readJson(await call(base(), `/v1/wallets/${uid}`));
    const sendAs = (uid: string, body: Record<string, unknown>) => call(base(), '/v1/gifts/sends', { uid, body });
    const gift = (over: Record<string, unknown> = {}) => ({ requestId: randomUUID(), roomId: 'r1', toUid: 'anchor1', giftId: 'rose', count: 1, ...over });
    const ledgerSize = async () => {
      await running.magi.ledger.drain();
      return running.magi.ledger.count();
    };

    beforeAll(async () => {
      villa = await fakeVilla();
      homer = await fakeHomer();
      villa.rooms.set('r1', { roomId: 'r1', anchorId: 'anchor1', categoryId: 'music', live: true, sessionId: 's1', closed: false });
      villa.rooms.set('r2', { roomId: 'r2', anchorId: 'anchor2', categoryId: 'games', live: false, sessionId: null, closed: false });
      villa.rooms.set('r-closed', { roomId: 'r-closed', anchorId: 'anchor3', categoryId: 'music', live: false, sessionId: null, closed: true });
      dir = await tempDir('magi-e2e');
      ({ env, cleanup } = await engineEnv());
      // A long combo window: the combo test must not depend on how fast sends follow each other.
      env = { ...env, DATA_DIR: dir, VILLA_URL: villa.url, HOMER_URL: homer.url, MAGI_COMBO_WINDOW_MS: '600000' };
      running = await startMagi(env);
      const put = (path: string, body: unknown) => call(base(), path, { method: 'PUT', body, ...admin });
      expect((await put('/v1/gifts/rose', GIFT)).status).toBe(200);
      expect((await put('/v1/gifts/rocket', { ...GIFT, name: 'Rocket', price: 1000, sortOrder: 0 })).status).toBe(200);
      expect((await put('/v1/gifts/lantern', { ...GIFT, name: 'Lantern', price: 5, sortOrder: 2 })).status).toBe(200);
      expect((await put('/v1/gifts/firework', { ...GIFT, name: 'Firework', sortOrder: 3 })).status).toBe(200);
      expect((await put('/v1/gifts/hidden', { ...GIFT, name: 'Hidden' })).status).toBe(200);
      expect((await put('/v1/gifts/whale', { ...GIFT, name: 'Whale', price: 1_000_000_000 })).status).toBe(200);
      const shelf = await put('/v1/gifts/shelves/music', {
        items: [
          { giftId: 'rose' },
          { giftId: 'rocket' },
          { giftId: 'whale' },
          { giftId: 'lantern', from: now - 3_600_000, until: now + 3_600_000 },
          { giftId: 'firework', from: now - 7_200_000, until: now - 3_600_000 },
        ],
      });
      expect(shelf.status).toBe(200);
      expect((await put('/v1/gifts/shelves/all', { items: [{ giftId: 'rose' }] })).status).toBe(200);
    });

    afterAll(async () => {
      await running?.stop();
      await Promise.all([villa?.close(), homer?.close()]);
      await cleanup?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('documents every route in /openapi.json and reports ready', async () => {
      const doc = await readJson(await fetch(`${base()}/openapi.json`));
      for (const path of ['/v1/gifts/sends', '/v1/gifts/transactions', '/v1/gifts/shelves/{categoryId}', '/v1/wallets/topups', '/v1/gifts/rankings/rooms/{roomId}', '/internal/reconciliation']) {
        expect(doc.paths).toHaveProperty([path]);
      }
      expect((await fetch(`${base()}/readyz`)).status).toBe(200);
    });

    describe('catalog and shelves', () => {
      it('lists the on-shelf gifts of a category in display order, within their windows', async () => {
        const music = await readJson(await call(base(), '/v1/gifts/shelves/music'));
        expect(music.gifts.map((g: { _id: string }) => g._id)).toEqual(['rocket', 'rose', 'whale', 'lantern']);
        expect(music.gifts.find((g: { _id: string }) => g._id === 'lantern').until).toBe(now + 3_600_000);
        const past = await readJson(await call(base(), `/v1/gifts/shelves/music?at=${now - 5_000_000}`));
        expect(past.gifts.map((g: { _id: string }) => g._id)).toContain('firework');
        const games = await readJson(await call(base(), '/v1/gifts/shelves/games'));
        expect(games.gifts.map((g: { _id: string }) => g._id)).toEqual(['rose']);
      });

      it('keeps admin writes to admins and refuses unknown gifts on a shelf', async () => {
        expect((await call(base(), '/v1/gifts/rose', { method: 'PUT', body: GIFT, uid: fan })).status).toBe(403);
        const unknown = await call(base(), '/v1/gifts/shelves/music', { method: 'PUT', body: { items: [{ giftId: 'nope' }] }, ...admin });
        expect(unknown.status).toBe(404);
        const bad = await call(base(), '/v1/gifts/rose', { method: 'PUT', body: { ...GIFT, price: 0 }, ...admin });
        expect(bad.status).toBe(400);
        expect((await readJson(bad)).error.message).toContain('price');
        expect((await readJson(await call(base(), '/v1/gifts/shelves/music'))).gifts).toHaveLength(4);
      });
    });

    describe('top-ups and wallets', () => {
      it('credits a payment once however often it is retried; another body is 409', async () => {
        const uid = `payer-${randomUUID().slice(0, 6)}`;
        const key = randomUUID();
        const first = await call(base(), '/v1/wallets/topups', { body: { key, uid, amount: 300 } });
        expect(first.status).toBe(201);
        const firstBody = await readJson(first);
        const again = await call(base(), '/v1/wallets/topups', { body: { key, uid, amount: 300 } });
        expect(again.status).toBe(200);
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(await readJson(again)).toEqual(firstBody);
        expect((await call(base(), '/v1/wallets/topups', { body: { key, uid, amount: 301 } })).status).toBe(409);
        const me = await readJson(await call(base(), '/v1/wallets/me', { uid }));
        expect(me).toEqual({ uid, balance: 300, experience: 0, weight: 0, level: 0 });
      });

      it('refuses top-ups from end users, and wallets to strangers', async () => {
        expect((await call(base(), '/v1/wallets/topups', { uid: fan, body: { key: 'k', uid: fan, amount: 5 } })).status).toBe(403);
        expect((await call(base(), '/v1/wallets/anchor1', { uid: fan })).status).toBe(403);
        expect((await call(base(), '/v1/wallets/topups', { body: { key: 'k', uid: fan, amount: 0 } })).status).toBe(400);
      });

      it('refuses a credit that would take a balance past the largest recorded value', async () => {
        const uid = `rich-${randomUUID().slice(0, 6)}`;
        await topUp(uid, MAX_COUNTER - 1);
        const over = await call(base(), '/v1/wallets/topups', { body: { key: randomUUID(), uid, amount: 2 } });
        expect(over.status).toBe(400);
        expect((await readJson(over)).error.message).toContain('balance');
        expect((await call(base(), '/v1/wallets/topups', { body: { key: 'k', uid, amount: MAX_COUNTER + 1 } })).status).toBe(400);
        expect((await wallet(uid)).balance).toBe(MAX_COUNTER - 1);
      });

      it('records admin adjustments with a reason and never goes below zero', async () => {
        const uid = `adj-${randomUUID().slice(0, 6)}`;
        await topUp(uid, 100);
        const path = `/v1/wallets/${uid}/adjustments`;
        const down = await call(base(), path, { body: { adjustmentId: randomUUID(), delta: -40, reason: 'chargeback' }, ...admin });
        expect(down.status).toBe(201);
        expect((await readJson(down)).reason).toBe('chargeback');
        const tooMuch = await call(base(), path, { body: { adjustmentId: randomUUID(), delta: -61, reason: 'x' }, ...admin });
        expect(tooMuch.status).toBe(402);
        expect((await readJson(tooMuch)).error.details).toEqual({ balance: 60 });
        expect((await call(base(), path, { body: { adjustmentId: 'a', delta: 5, reason: 'x' }, uid })).status).toBe(403);
        expect((await wallet(uid)).balance).toBe(60);
      });
    });

    describe('sending gifts', () => {
      it('applies a gift once: 201, the same answer to a retry, 409 for another body', async () => {
        await topUp(fan, 1000);
        const body = gift({ count: 3 });
        const first = await sendAs(fan, body);
        expect(first.status).toBe(201);
        const tx = await readJson(first);
        expect(tx).toMatchObject({ kind: 'gift', fromUid: fan, toUid: 'anchor1', roomId: 'r1', sessionId: 's1', giftId: 'rose', giftVersion: 1, count: 3, unitPrice: 10, amount: 30, experience: 30, weight: 24 });
        const retry = await sendAs(fan, body);
        expect(retry.status).toBe(200);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(first.headers.get('idempotent-replayed')).toBeNull();
        expect(await readJson(retry)).toEqual(tx);
        const other = await sendAs(fan, { ...body, count: 4 });
        expect(other.status).toBe(409);
        expect((await readJson(other)).error.code).toBe('idempotency_key_reused');
        expect(await wallet(fan)).toMatchObject({ balance: 970, experience: 30 });
      });

      it('answers 402 with the balance when coins run short, and changes nothing', async () => {
        const poor = `poor-${randomUUID().slice(0, 6)}`;
        await topUp(poor, 15);
        const size = await ledgerSize();
        const anchorBefore = await wallet('anchor1');
        const res = await sendAs(poor, gift({ count: 2 }));
        expect(res.status).toBe(402);
        expect(await readJson(res)).toMatchObject({ error: { code: 'insufficient_balance', details: { balance: 15 } } });
        expect(await wallet(poor)).toMatchObject({ balance: 15, experience: 0 });
        expect(await wallet('anchor1')).toEqual(anchorBefore);
        expect(await ledgerSize()).toBe(size);
      });

      it('refuses bad input precisely and changes nothing', async () => {
        const size = await ledgerSize();
        const before = await wallet(fan);
        const cases: Array<[Record<string, unknown>, number, string]> = [
          [gift({ giftId: 'nope' }), 404, 'gift_not_found'],
          [gift({ giftId: 'hidden' }), 409, 'gift_off_shelf'],
          [gift({ giftId: 'firework' }), 409, 'gift_off_shelf'],
          [gift({ count: 0 }), 400, 'invalid_request'],
          [gift({ count: 10_000 }), 400, 'invalid_request'],
          [gift({ count: 1.5 }), 400, 'invalid_request'],
          [gift({ requestId: undefined }), 400, 'invalid_request'],
          [gift({ toUid: fan }), 400, 'invalid_request'],
          [gift({ toUid: 'anchor2' }), 400, 'invalid_request'],
          [gift({ roomId: 'nowhere' }), 404, 'room_not_found'],
          [gift({ roomId: 'r-closed', toUid: 'anchor3' }), 409, 'room_closed'],
        ];
        for (const [body, status, code] of cases) {
          const res = await sendAs(fan, body);
          const answer = await readJson(res);
          expect({ body, status: res.status, code: answer.error?.code }).toEqual({ body, status, code });
        }
        const missing = await readJson(await sendAs(fan, gift({ requestId: undefined })));
        expect(missing.error.message).toContain('requestId');
        expect(await wallet(fan)).toEqual(before);
        expect(await ledgerSize()).toBe(size);
      });

      it('needs a user, and a user sends only as themself', async () => {
        expect((await call(base(), '/v1/gifts/sends', { body: gift({ fromUid: 'someone' }), uid: fan })).status).toBe(403);
        const anonymous = await fetch(`${base()}/v1/gifts/sends`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(gift()) });
        expect(anonymous.status).toBe(401);
      });

      it('never overdraws under a burst of parallel sends', async () => {
        const whale = `whale-${randomUUID().slice(0, 6)}`;
        await topUp(whale, 1000);
        const results = await Promise.all(Array.from({ length: 250 }, () => sendAs(whale, gift())));
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 201)).toHaveLength(100);
        expect(statuses.filter((s) => s === 402)).toHaveLength(150);
        expect(await wallet(whale)).toMatchObject({ balance: 0, experience: 1000 });
      });

      it('keeps the price a gift was sent at when the catalog changes', async () => {
        const sent = await readJson(await sendAs(fan, gift({ giftId: 'rose' })));
        const changed = await call(base(), '/v1/gifts/rose', { method: 'PUT', body: { ...GIFT, price: 20 }, ...admin });
        expect(await readJson(changed)).toMatchObject({ version: 2, price: 20 });
        const v1 = await readJson(await call(base(), '/v1/gifts/rose?version=1'));
        expect(v1).toMatchObject({ version: 1, price: 10 });
        await running.magi.ledger.drain();
        const page = await readJson(await call(base(), `/v1/gifts/transactions?fromUid=${fan}&limit=1`, { uid: fan }));
        expect(page.items[0]).toMatchObject({ _id: sent._id, unitPrice: 10, giftVersion: 1 });
        await new Promise((r) => setTimeout(r, running.config.MAGI_CATALOG_CACHE_MS + 50));
        const later = await readJson(await sendAs(fan, gift({ giftId: 'rose' })));
        expect(later).toMatchObject({ unitPrice: 20, giftVersion: 2, amount: 20 });
      });
    });

    describe('ledger, rankings, revenue, broadcast, reconciliation', () => {
      const a = `qa-${randomUUID().slice(0, 6)}`;
      const b = `qb-${randomUUID().slice(0, 6)}`;
      beforeAll(async () => {
        await topUp(a, 10_000);
        await topUp(b, 10_000);
        for (const [who, room, to, giftId, count] of [
          [a, 'r1', 'anchor1', 'rocket', 1],
          [a, 'r2', 'anchor2', 'rose', 2],
          [b, 'r1', 'anchor1', 'lantern', 3],
          [b, 'r1', 'anchor1', 'lantern', 4],
        ] as const) {
          expect((await sendAs(who, gift({ roomId: room, toUid: to, giftId, count }))).status).toBe(201);
        }
        await running.magi.ledger.drain();
      });

      it('answers queries by sender, receiver, room, gift and time, with a cursor', async () => {
        const q = async (query: string, as: { uid?: string; scopes?: string[] } = admin) =>
          readJson(await call(base(), `/v1/gifts/transactions?${query}`, as));
        const bySender = await q(`fromUid=${a}`, { uid: a });
        expect(bySender.items.map((t: { giftId: string }) => t.giftId)).toEqual(['rose', 'rocket']);
        const byRoom = await q('roomId=r2');
        expect(byRoom.items.every((t: { roomId: string }) => t.roomId === 'r2')).toBe(true);
        expect(byRoom.items.some((t: { fromUid: string }) => t.fromUid === a)).toBe(true);
        const byGift = await q('giftId=lantern');
        expect(byGift.items.map((t: { count: number }) => t.count)).toEqual([4, 3]);
        const byReceiver = await q('toUid=anchor2', { uid: 'anchor2' });
        expect(byReceiver.items.length).toBeGreaterThan(0);
        const page1 = await q('giftId=lantern&limit=1');
        const page2 = await q(`giftId=lantern&limit=1&cursor=${page1.next}`);
        expect([page1.items[0].count, page2.items[0].count, page2.next]).toEqual([4, 3, null]);
        const credits = await q(`uid=${a}`, { uid: a });
        expect(credits.items.map((t: { kind: string; delta: number }) => [t.kind, t.delta])).toEqual([['topup', 10_000]]);
        const empty = await q(`giftId=lantern&until=${now - 1}`);
        expect(empty.items).toEqual([]);
        expect((await call(base(), `/v1/gifts/transactions?fromUid=${a}`, { uid: b })).status).toBe(403);
        expect((await call(base(), '/v1/gifts/transactions?roomId=r1', { uid: a })).status).toBe(403);
        expect((await call(base(), `/v1/gifts/transactions?roomId=r1&giftId=rose`, admin)).status).toBe(400);
      });

      it('ranks contributors per session, day and week, and sums anchor revenue', async () => {
        const session = await readJson(await call(base(), '/v1/gifts/rankings/rooms/r1?period=session'));
        const top = Object.fromEntries(session.entries.map((e: { uid: string; coins: number }) => [e.uid, e.coins]));
        expect(top[a]).toBe(1000);
        expect(top[b]).toBe(35);
        const day = await readJson(await call(base(), '/v1/gifts/rankings/rooms/r1?period=day'));
        expect(day.entries[0].rank).toBe(1);
        expect(day.entries.map((e: { uid: string }) => e.uid)).toEqual(expect.arrayContaining([a, b]));
        const week = await readJson(await call(base(), '/v1/gifts/rankings/rooms/r2?period=week'));
        expect(week.entries.find((e: { uid: string }) => e.uid === a).coins).toBe(2 * (await readJson(await call(base(), '/v1/gifts/rose'))).price);
        const senders = await readJson(await call(base(), '/v1/gifts/rankings/global?side=senders'));
        expect(senders.entries.map((e: { uid: string }) => e.uid)).toContain(a);
        const revenue = await readJson(await call(base(), '/v1/gifts/revenue/anchor1', { uid: 'anchor1' }));
        expect(revenue.days[0].day).toBe(dayOf(Date.now()));
        let received = 0;
        for (let cursor: number | null = null, first = true; first || cursor !== null; first = false) {
          const page = await readJson(await call(base(), `/v1/gifts/transactions?toUid=anchor1&limit=200${cursor ? `&cursor=${cursor}` : ''}`, admin));
          received += page.items.reduce((sum: number, t: { amount: number }) => sum + t.amount, 0);
          cursor = page.next;
        }
        expect(revenue.total).toBe(received);
        expect((await call(base(), '/v1/gifts/revenue/anchor1', { uid: a })).status).toBe(403);
      });

      it('broadcasts every gift into its room once, with combos', async () => {
        const combo = [1, 2, 3].map(() => gift({ giftId: 'lantern', count: 2 }));
        const txs: Array<{ _id: string; comboCount: number }> = [];
        for (const body of combo) txs.push(await readJson(await sendAs(b, body)));
        await until(() => txs.every((t) => homer.delivered.has(`gift:${t._id}`)), 'broadcasts', 60_000);
        const messages = txs.map((t) => homer.delivered.get(`gift:${t._id}`)!);
        expect(messages.map((m) => [m.roomId, m.type, m.priority])).toEqual(Array(3).fill(['r1', 'gift', 'high']));
        expect(new Set(messages.map((m) => m.body.comboId)).size).toBe(1);
        expect(messages[0]!.body).toMatchObject({ giftId: 'lantern', giftName: 'Lantern', iconImageId: 'img-rose', effectLevel: 1, count: 2, fromUid: b });
        expect(messages.map((m) => m.body.comboCount)).toEqual([
          txs[0]!.comboCount,
          txs[0]!.comboCount + 2,
          txs[0]!.comboCount + 4,
        ]);
        await until(async () => (await running.magi.ledger.unbroadcast(1)).length === 0, 'an empty outbox', 60_000);
      });

      it('keeps broadcasting while homer fails and delivers once it is back', async () => {
        homer.state.failing = true;
        const posts = homer.state.posts;
        const tx = await readJson(await sendAs(a, gift()));
        await until(() => homer.state.posts > posts + 1, 'retries', 60_000);
        expect(homer.delivered.has(`gift:${tx._id}`)).toBe(false);
        homer.state.failing = false;
        await until(() => homer.delivered.has(`gift:${tx._id}`), 'the delayed broadcast', 60_000);
      });

      it('sends the others one by one when homer refuses a batch, and when homer has no batch route', async () => {
        const bad = await readJson(await sendAs(a, gift()));
        homer.state.refused.add(`gift:${bad._id}`);
        const good = await readJson(await sendAs(a, gift()));
        await until(() => homer.delivered.has(`gift:${good._id}`), 'the good gift despite the bad one', 60_000);
        expect(homer.delivered.has(`gift:${bad._id}`)).toBe(false);
        homer.state.refused.clear();
        homer.state.batches = false;
        const old = await readJson(await sendAs(a, gift()));
        await until(() => homer.delivered.has(`gift:${bad._id}`) && homer.delivered.has(`gift:${old._id}`), 'broadcasts to an older homer', 60_000);
        homer.state.batches = true;
      });

      it('reconciles: counters and summaries equal the ledger', async () => {
        const report = await readJson(await call(base(), '/v1/gifts/reconciliation', admin));
        expect(report).toMatchObject({ ok: true, differenceCount: 0, differences: [] });
        expect(report.entries).toBe(await running.magi.ledger.count());
        expect((await call(base(), '/v1/gifts/reconciliation', { uid: fan })).status).toBe(403);
      });
    });

    describe('faults and restarts', () => {
      it('answers 503 when villa is down, and recovers', async () => {
        villa.rooms.set('r9', { roomId: 'r9', anchorId: 'anchor9', categoryId: 'music', live: true, sessionId: 's9', closed: false });
        villa.state.down = true;
        const res = await sendAs(fan, gift({ roomId: 'r9', toUid: 'anchor9' }));
        expect(res.status).toBe(503);
        villa.state.down = false;
        expect((await sendAs(fan, gift({ roomId: 'r9', toUid: 'anchor9' }))).status).toBe(201);
      });

      it('keeps every acknowledged gift and top-up across a restart', async () => {
        const body = gift();
        const tx = await readJson(await sendAs(fan, body));
        const before = await wallet(fan);
        const size = await ledgerSize();
        await running.stop();
        running = await startMagi(env);
        expect(await wallet(fan)).toEqual(before);
        const retry = await sendAs(fan, body);
        expect(retry.status).toBe(200);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(await readJson(retry)).toEqual(tx);
        expect(await ledgerSize()).toBe(size);
        expect((await readJson(await call(base(), '/v1/gifts/reconciliation', admin))).ok).toBe(true);
      });
    });
  });
}

suite('embedded', async () => ({ env: {}, cleanup: async () => undefined }));

describeRedis('on Redis', (redisUrl) => {
  suite('redis', async () => {
    const prefix = uniquePrefix('magi-e2e');
    return { env: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix }, cleanup: async () => void (await deleteRedisKeys(redisUrl, prefix)) };
  });
});
