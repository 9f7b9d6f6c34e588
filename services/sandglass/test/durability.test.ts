// What must survive and what must fail cleanly: flushed records outlive the
// hot state (a restart on the memory engine), a failed flush loses nothing,
// and a Redis that does not answer is a prompt 503.
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, readJson, tempDir } from '@bamboo/testing';
import { createLogger } from '@bamboo/kit';
import { startBackground } from '../src/presence/background.js';
import { ManualClock } from '../src/presence/clock.js';
import { dayOf } from '../src/presence/days.js';
import { flushDurations, peakSampler } from '../src/presence/flush.js';
import { openMemoryPresence } from '../src/stores/presence.memory.js';
import { CONTRACT_OPTIONS } from '../src/stores/presence.contract.js';
import type { Records } from '../src/stores/records.js';
import { post, startSandglass, type Running } from './harness.js';

describe('durability', () => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });

  it('durations and module peaks flushed to the document store outlive a restart', async () => {
    const dataDir = await tempDir('sandglass-restart');
    try {
      const first = await startSandglass({ dataDir });
      running.push(first);
      const heartbeats = ['a', 'b', 'c'].map((uid) => ({ uid, modules: ['room:5'] }));
      await post(`${first.url}/v1/presence/heartbeats`, { heartbeats });
      first.clock.advance(20_000);
      await post(`${first.url}/v1/presence/heartbeats`, { heartbeats: heartbeats.slice(0, 1) });
      const day = dayOf(first.clock.now());
      const deps = { store: first.store, records: first.records, clock: first.clock, batch: 1, countChunk: 500 };
      expect(await flushDurations(deps)).toBe(1);
      const sample = peakSampler(deps);
      expect(await sample()).toEqual({ modules: 1, written: 1 });
      expect(await sample()).toEqual({ modules: 1, written: 0 }); // not higher: no write
      await post(`${first.url}/v1/presence/offline`, { uid: 'b' });
      expect(await sample()).toEqual({ modules: 1, written: 0 });
      expect(await first.records.peak('room:5', day)).toBe(3);
      await running.pop()!.close();

      const second = await startSandglass({ dataDir });
      running.push(second);
      expect(await readJson(await fetch(`${second.url}/v1/presence/users/a/durations?day=${day}`))).toEqual({
        uid: 'a',
        day,
        dayMs: 20_000,
        totalMs: 20_000,
      });
      expect(await second.records.peak('room:5', day)).toBe(3);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a flush whose write fails puts the users back for the next one', async () => {
    const clock = new ManualClock();
    const store = openMemoryPresence(clock, CONTRACT_OPTIONS);
    await store.heartbeat([{ uid: 'a', source: 'app', modules: [], platform: 'ios' }]);
    clock.advance(5000);
    await store.heartbeat([{ uid: 'a', source: 'app', modules: [], platform: 'ios' }]);
    const saved: Array<{ uid: string; days: Record<string, number> }> = [];
    let fail = true;
    const records: Records = {
      async saveDurations(users) {
        if (fail) throw new Error('disk full');
        saved.push(...users);
      },
      durations: async () => ({}),
      savePeaks: async () => undefined,
      peak: async () => 0,
    };
    const deps = { store, records, clock, batch: 10 };
    await expect(flushDurations(deps)).rejects.toThrow('disk full');
    fail = false;
    expect(await flushDurations(deps)).toBe(1);
    expect(saved).toEqual([{ uid: 'a', days: { [dayOf(clock.now())]: 5000 } }]);
  });

  it('a clean shutdown flushes what was counted since the last flush', async () => {
    const s = await startSandglass();
    running.push(s);
    const background = startBackground({
      store: s.store,
      records: s.records,
      clock: s.clock,
      logger: createLogger('sandglass', 'silent'),
      batch: 10,
      countChunk: 500,
      reapEveryMs: 60_000,
      peaksEveryMs: 60_000,
      flushEveryMs: 60_000,
    });
    await post(`${s.url}/v1/presence/heartbeat`, { uid: 'z', modules: ['room:8'] });
    s.clock.advance(7000);
    await post(`${s.url}/v1/presence/heartbeat`, { uid: 'z', modules: ['room:8'] });
    await background.stop();
    const day = dayOf(s.clock.now());
    expect(await s.records.durations('z')).toEqual({ [day]: 7000 });
    expect(await s.records.peak('room:8', day)).toBe(1);
  });

  it('answers 503 promptly when Redis does not answer, and /readyz says so', async () => {
    const deadUrl = `redis://127.0.0.1:${await freePort()}`;
    const s = await startSandglass({ redisUrl: deadUrl });
    running.push(s);
    const res = await post(`${s.url}/v1/presence/heartbeat`, { uid: 'a', modules: ['room:1'] });
    expect(res.status).toBe(503);
    expect((await readJson(res)).error.code).toBe('unavailable');
    const count = await fetch(`${s.url}/v1/presence/modules/room:1/count`);
    expect(count.status).toBe(503);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
  });
});
