// The master's lease rules end to end: a task whose worker vanished (or was
// killed) is handed out again after the lease, a late completion is ignored,
// attempts run out into `failed`, and no two workers hold one task at once.
import { once } from 'node:events';
import { readJson } from '@bamboo/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { photo } from './fixtures.js';
import { settled, spawnWorker, startImage, status, upload, waitFor, workerEnv, workerFromSource, type Harness } from './harness.js';
import { createLogger } from '@bamboo/kit';
import { superviseWorkers } from '../src/worker/supervisor.js';
import type { WorkItem } from '../src/worker/master-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function uploadId(url: string, bytes: Uint8Array): Promise<string> {
  const res = await upload(url, bytes);
  expect(res.status).toBe(202);
  return (await readJson(res)).id;
}

describe('leases', { timeout: 180_000 }, () => {
  it('hands a task out again when its worker vanished, and ignores the late completion', async () => {
    h = await startImage({ IMAGE_LEASE_MS: '300' });
    const id = await uploadId(h.url, await photo(320, 180, 60));
    const vanished = (await h.client.claim('vanishing-worker'))!;
    expect(vanished.id).toBe(id);
    expect((await status(h.url, id)).status).toBe('in-progress');

    h.worker();
    const done = await waitFor(h.url, id, settled);
    expect(done).toMatchObject({ status: 'finished', attempts: 2 });
    const served = await fetch(`${h.url}/v1/images/${id}/avatar_128.webp`);
    const etag = served.headers.get('etag');

    // The first worker comes back with results: refused, and what is served stays.
    await expect(h.client.putResult(vanished, 'avatar_128', 'webp', Buffer.from('stale'))).rejects.toMatchObject({ status: 409 });
    const variants = ['cover_1280x720', 'cover_640x360', 'thumb_320x180', 'avatar_128'].flatMap((variant) =>
      (['avif', 'webp', 'jpeg'] as const).map((format) => ({ variant: variant as 'avatar_128', format, sha256: 'f'.repeat(64), bytes: 5, width: 1, height: 1 })),
    );
    expect(await h.client.complete(vanished, variants, {})).toBe(false);
    expect(await h.client.fail(vanished, { code: 'x', message: 'late', permanent: true })).toBe(false);
    expect(await status(h.url, id)).toMatchObject({ status: 'finished', attempts: 2, error: null });
    expect((await fetch(`${h.url}/v1/images/${id}/avatar_128.webp`)).headers.get('etag')).toBe(etag);
    expect(await (await fetch(`${h.url}/metrics`)).text()).toMatch(/image_lease_expiries_total\{[^}]*\} 1/);
  });

  it('a worker process killed mid-task loses nothing: another finishes the task after the lease', async () => {
    h = await startImage({ IMAGE_LEASE_MS: '1500' });
    // Twelve encodes (AVIF among them) take far longer than one status poll, so the kill lands mid-task.
    const id = await uploadId(h.url, await photo(1600, 1200, 70));
    const doomed = spawnWorker(h.url);
    await waitFor(h.url, id, (s) => s.status === 'in-progress' || settled(s));
    doomed.kill('SIGKILL');
    await once(doomed, 'exit');
    const afterKill = await status(h.url, id);
    expect(afterKill).toMatchObject({ status: 'in-progress', attempts: 1 });

    const survivor = spawnWorker(h.url);
    try {
      expect(await waitFor(h.url, id, settled)).toMatchObject({ status: 'finished', attempts: 2 });
    } finally {
      survivor.kill('SIGTERM');
      await once(survivor, 'exit');
    }
  });

  it('a waiting claim (long poll) gets the task an upload creates', async () => {
    h = await startImage();
    const waiting = h.client.claim('long-poller', 20_000);
    const id = await uploadId(h.url, await photo(64, 48, 130));
    expect(await waiting).toMatchObject({ id, attempt: 1 });
    expect(await status(h.url, id)).toMatchObject({ status: 'in-progress' });
  });

  it('fails a task after its attempts run out, with the last error', async () => {
    h = await startImage({ IMAGE_LEASE_MS: '100', IMAGE_MAX_ATTEMPTS: '2' });
    const bytes = await photo(64, 64, 80);
    const id = await uploadId(h.url, bytes);
    const first = (await h.client.claim('w1'))!;
    expect(await h.client.fail(first, { code: 'processing_error', message: 'out of memory', permanent: false })).toBe(true);
    expect(await status(h.url, id)).toMatchObject({ status: 'pending', error: { code: 'processing_error' } });
    const second = (await h.client.claim('w2'))!;
    expect(second).toMatchObject({ id, attempt: 2 });
    // The second worker vanishes: its lease runs out on the last attempt.
    await new Promise((r) => setTimeout(r, 150));
    expect(await h.client.claim('w3')).toBeNull();
    expect(await status(h.url, id)).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'lease_expired' } });

    // Re-uploading the same bytes after a passing failure tries again.
    expect(await readJson(await upload(h.url, bytes))).toMatchObject({ id, status: 'pending' });
  });

  it('fails a bomb the header did not reveal with the reason, and the worker carries on', async () => {
    h = await startImage();
    h.worker({ limits: { maxPixels: 100 * 100, maxFrames: 10 } });
    const bomb = await uploadId(h.url, await photo(400, 300, 90));
    expect(await waitFor(h.url, bomb, settled)).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'too_many_pixels' } });
    const fine = await uploadId(h.url, await photo(90, 90, 91));
    expect((await waitFor(h.url, fine, settled)).status).toBe('finished');
  });

  it('never lets two workers hold the same task at once', async () => {
    h = await startImage();
    const holders = new Map<string, number>();
    const seen: string[] = [];
    let overlaps = 0;
    const track = (item: WorkItem) => {
      const now = (holders.get(item.id) ?? 0) + 1;
      if (now > 1) overlaps++;
      holders.set(item.id, now);
      seen.push(item.id);
    };
    const claim = h.client.claim.bind(h.client);
    h.client.claim = async (worker) => {
      const item = await claim(worker);
      if (item) track(item);
      return item;
    };
    const onTask = (item: WorkItem) => holders.set(item.id, holders.get(item.id)! - 1);
    for (let i = 0; i < 3; i++) h.worker({ onTask });
    const ids = await Promise.all(Array.from({ length: 4 }, async (_, i) => uploadId(h!.url, await photo(200 + i, 120, 100 + i))));
    for (const id of ids) expect(await waitFor(h.url, id, settled)).toMatchObject({ status: 'finished', attempts: 1 });
    expect(overlaps).toBe(0);
    expect(seen.sort()).toEqual([...ids].sort());
  });
});

describe('worker supervisor', { timeout: 180_000 }, () => {
  it('restarts a worker process that dies and stops them all on shutdown', async () => {
    h = await startImage();
    const supervisor = superviseWorkers({
      count: 2,
      ...workerFromSource,
      execArgv: [],
      env: workerEnv(h.url),
      logger: createLogger('image-test', 'silent'),
    });
    try {
      expect(supervisor.pids()).toHaveLength(2);
      const [victim] = supervisor.pids();
      process.kill(victim!, 'SIGKILL');
      const id = await uploadId(h.url, await photo(300, 200, 120));
      expect((await waitFor(h.url, id, settled)).status).toBe('finished');
      for (let i = 0; i < 2_000 && (supervisor.pids().length < 2 || supervisor.pids().includes(victim!)); i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(supervisor.pids()).toHaveLength(2);
      expect(supervisor.pids()).not.toContain(victim);
    } finally {
      const pids = supervisor.pids();
      await supervisor.stop(5_000);
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    }
  });
});
