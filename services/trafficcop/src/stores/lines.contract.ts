// The LineStore contract: one suite every adapter passes (see lines.ts).
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { AppError } from '@bamboo/kit';
import type { LineStore, NewCdnLine } from './lines.js';

export interface LineStoreHarness {
  open(): Promise<LineStore>;
  /** Closes and opens the same data again (a restart). */
  reopen(): Promise<LineStore>;
  close(): Promise<void>;
}

const line = (id: string, extra: Partial<NewCdnLine> = {}): NewCdnLine => ({
  id,
  provider: 'acme',
  kind: 'both',
  pushUrlTemplate: `rtmp://push.${id}.example/live/{room}`,
  pullUrlTemplates: { flv: `https://pull.${id}.example/live/{room}.flv` },
  regions: ['cn-east'],
  isps: ['*'],
  weight: 100,
  capacity: 0,
  state: 'enabled',
  ...extra,
});
const pullOnly = (id: string): NewCdnLine => {
  const { pushUrlTemplate: _p, ...rest } = line(id, { kind: 'pull' });
  return rest;
};

async function conflictCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError && error.status === 409) return error.code;
    throw error;
  }
  throw new Error('expected a conflict');
}

export function lineStoreContract(name: string, harness: () => LineStoreHarness): void {
  describe(`LineStore contract: ${name}`, () => {
    let h: LineStoreHarness;
    let store: LineStore;

    beforeEach(async () => {
      h = harness();
      store = await h.open();
      await store.init();
    });
    afterEach(async () => {
      await h.close();
    });

    it('creates, reads and lists lines in creation order', async () => {
      const b = await store.create(line('cdn-b'), 2000);
      await store.create(line('cdn-a'), 1000);
      expect(b).toEqual({ ...line('cdn-b'), createdAt: 2000, updatedAt: 2000 });
      expect(await store.get('cdn-b')).toEqual(b);
      expect((await store.list()).map((l) => l.id)).toEqual(['cdn-a', 'cdn-b']);
      expect(await store.get('nope')).toBeNull();
    });

    it('refuses a taken id and a taken push URL, changing nothing', async () => {
      await store.create(line('cdn-a'), 1);
      expect(await conflictCode(store.create(line('cdn-a', { provider: 'other', pushUrlTemplate: 'rtmp://x/live/{room}' }), 2))).toBe(
        'line_exists',
      );
      expect(await conflictCode(store.create(line('cdn-b', { pushUrlTemplate: line('cdn-a').pushUrlTemplate }), 3))).toBe(
        'push_url_taken',
      );
      expect(await store.list()).toEqual([{ ...line('cdn-a'), createdAt: 1, updatedAt: 1 }]);
    });

    it('updates fields, refuses a taken URL on update, and knows unknown ids', async () => {
      await store.create(line('cdn-a'), 1);
      await store.create(line('cdn-b'), 2);
      const updated = await store.update('cdn-a', { state: 'disabled', provider: 'tencent', weight: 7, probeUrl: 'http://probe.example/' }, 5);
      expect(updated).toEqual({
        ...line('cdn-a'),
        state: 'disabled',
        provider: 'tencent',
        weight: 7,
        probeUrl: 'http://probe.example/',
        createdAt: 1,
        updatedAt: 5,
      });
      // null removes an optional field
      expect(await store.update('cdn-a', { probeUrl: null }, 6)).not.toHaveProperty('probeUrl');
      expect(await conflictCode(store.update('cdn-a', { pushUrlTemplate: line('cdn-b').pushUrlTemplate }, 6))).toBe('push_url_taken');
      expect((await store.get('cdn-a'))?.pushUrlTemplate).toBe(line('cdn-a').pushUrlTemplate);
      expect(await store.update('nope', { state: 'enabled' }, 7)).toBeNull();
      expect(await store.get('nope')).toBeNull();
    });

    it('removes a line once', async () => {
      await store.create(line('cdn-a'), 1);
      expect(await store.remove('cdn-a')).toBe(true);
      expect(await store.remove('cdn-a')).toBe(false);
      expect(await store.list()).toEqual([]);
      // the URL is free again
      await store.create(line('cdn-c', { pushUrlTemplate: line('cdn-a').pushUrlTemplate }), 2);
    });

    it('keeps lines across a restart', async () => {
      await store.create(line('cdn-a', { state: 'draining', signKey: 'secret-key-1' }), 1);
      store = await h.reopen();
      await store.init();
      expect(await store.get('cdn-a')).toEqual({ ...line('cdn-a', { state: 'draining', signKey: 'secret-key-1' }), createdAt: 1, updatedAt: 1 });
    });

    it('lets any number of pull-only lines go without a push URL', async () => {
      await store.create(pullOnly('pull-a'), 1);
      await store.create(pullOnly('pull-b'), 2);
      const lines = await store.list();
      expect(lines.map((l) => [l.id, l.kind, l.pushUrlTemplate])).toEqual([
        ['pull-a', 'pull', undefined],
        ['pull-b', 'pull', undefined],
      ]);
    });
  });
}
