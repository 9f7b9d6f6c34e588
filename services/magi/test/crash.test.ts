// A crash mid-burst: magi (the built dist/main.js, as deployed) is killed with
// SIGKILL while gifts pour in, then restarted on the same stores. Every
// acknowledged gift must still be there exactly once (a retry replays it), the
// requests cut off may be retried safely, and reconciliation finds no
// difference. Run on the embedded engines and on Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { deleteRedisKeys, describeRedis, freePort, readJson, tempDir, uniquePrefix } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GIFT, KEY, call, fakeHomer, fakeVilla, until } from './helpers.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const SENDERS = 20;
const KILL_AFTER_ACKS = 150;
/** Generous: the machine may be shared; nothing here asserts on time. */
const TIMEOUT_MS = 180_000;

function crashSuite(engine: string, engineEnv: () => { env: Record<string, string>; cleanup(): Promise<void> }) {
  describe(`a kill mid-burst (${engine})`, () => {
    let villa: Awaited<ReturnType<typeof fakeVilla>>;
    let homer: Awaited<ReturnType<typeof fakeHomer>>;
    let dir: string;
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let child: ChildProcess | undefined;
    let base: string;

    let stderr = '';
    const boot = async () => {
      child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        await until(async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200, 'magi to start', 60_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}; magi's stderr: ${stderr || '(empty)'}`);
      }
    };
    const exited = (p: ChildProcess) =>
      new Promise<void>((r) => (p.exitCode !== null || p.signalCode ? r() : p.once('exit', () => r())));

    beforeAll(async () => {
      if (!existsSync(MAIN)) throw new Error('build magi first (npm run build -w services/magi): this test runs dist/main.js');
      villa = await fakeVilla();
      homer = await fakeHomer();
      villa.rooms.set('big', { roomId: 'big', anchorId: 'star', categoryId: 'music', live: true, sessionId: 'live-1', closed: false });
      dir = await tempDir('magi-crash');
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      ({ env, cleanup } = engineEnv());
      env = { ...env, PORT: String(port), DATA_DIR: dir, VILLA_URL: villa.url, HOMER_URL: homer.url, BAMBOO_INTERNAL_KEY: KEY, LOG_LEVEL: 'silent' };
      await boot();
    }, TIMEOUT_MS);

    afterAll(async () => {
      if (child) {
        child.kill('SIGTERM');
        await exited(child);
      }
      await Promise.all([villa?.close(), homer?.close()]);
      await cleanup?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('loses no acknowledged gift, applies none twice, and reconciles', async () => {
      expect((await call(base, '/v1/gifts/rose', { method: 'PUT', body: GIFT })).status).toBe(200);
      expect((await call(base, '/v1/gifts/shelves/music', { method: 'PUT', body: { items: [{ giftId: 'rose' }] } })).status).toBe(200);
      const senders = Array.from({ length: SENDERS }, (_, i) => `s${i}-${randomUUID().slice(0, 4)}`);
      for (const uid of senders) {
        expect((await call(base, '/v1/wallets/topups', { body: { key: `pay-${uid}`, uid, amount: 1_000_000 } })).status).toBe(201);
      }

      const acked = new Map<string, { body: Record<string, unknown>; uid: string; txId: string }>();
      const cutOff: Array<{ body: Record<string, unknown>; uid: string }> = [];
      let killed = false;
      const worker = async (uid: string) => {
        while (!killed) {
          const body = { requestId: randomUUID(), roomId: 'big', toUid: 'star', giftId: 'rose', count: 1 };
          try {
            const res = await call(base, '/v1/gifts/sends', { uid, body });
            if (res.status !== 201) throw new Error(`status ${res.status}`);
            acked.set(body.requestId, { body, uid, txId: (await readJson(res))._id });
            if (acked.size >= KILL_AFTER_ACKS && !killed) {
              killed = true;
              child!.kill('SIGKILL');
            }
          } catch {
            cutOff.push({ body, uid });
            return;
          }
        }
      };
      await Promise.all(senders.map(worker));
      expect(killed).toBe(true);
      await exited(child!);

      await boot();
      // Every acknowledged gift replays (stored once, with its id); none is applied again.
      for (const { body, uid, txId } of acked.values()) {
        const res = await call(base, '/v1/gifts/sends', { uid, body });
        expect(res.status).toBe(200);
        expect((await readJson(res))._id).toBe(txId);
      }
      // Requests cut off by the kill are safe to retry: applied or not, they end up applied once.
      for (const { body, uid } of cutOff) {
        expect([200, 201]).toContain((await call(base, '/v1/gifts/sends', { uid, body })).status);
      }
      const report = await readJson(await call(base, '/internal/reconciliation', { method: 'POST' }));
      expect(report).toMatchObject({ ok: true, differenceCount: 0 });
      const gifts = acked.size + cutOff.length;
      expect(report.entries).toBe(SENDERS + gifts);
      const anchor = await readJson(await call(base, '/v1/wallets/star'));
      expect(anchor.weight).toBe(gifts * GIFT.weight);
    }, TIMEOUT_MS);
  });
}

crashSuite('embedded', () => ({ env: {}, cleanup: async () => undefined }));

describeRedis('on Redis', (redisUrl) => {
  crashSuite('redis', () => {
    const prefix = uniquePrefix('magi-crash');
    return { env: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix }, cleanup: async () => void (await deleteRedisKeys(redisUrl, prefix)) };
  });
});
