// The suite every TaskStore adapter passes (see task-store.ts for what it promises).
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTask, StoredVariant, TaskStore } from './task-store.js';

export interface OpenedTaskStore {
  store: TaskStore;
  close(): Promise<void>;
}

const LEASE = 1_000;
const MAX = 3;

export function newTask(sha256 = randomBytes(32).toString('hex')): NewTask {
  return {
    sha256,
    kind: 'cover',
    roomId: null,
    uploader: 'u1',
    original: { key: `originals/${sha256}`, format: 'jpeg', contentType: 'image/jpeg', bytes: 100, width: 10, height: 10 },
  };
}

const someVariants: StoredVariant[] = [
  { variant: 'avatar_128', format: 'webp', key: 'results/x/avatar_128.webp', sha256: 'a'.repeat(64), bytes: 1, width: 128, height: 128 },
];

export function taskStoreContract(name: string, open: () => Promise<OpenedTaskStore>): void {
  describe(`TaskStore contract: ${name}`, () => {
    let opened: OpenedTaskStore;
    let store: TaskStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      await store.init();
    });
    afterEach(() => opened.close());

    it('creates pending tasks with sequential ids, one per SHA-256', async () => {
      const a = await store.create(newTask(), 1);
      const b = await store.create(newTask(), 2);
      expect(a.created && b.created).toBe(true);
      expect(b.task.seq).toBe(a.task.seq + 1);
      expect(a.task.state).toBe('pending');
      const again = await store.create(newTask(a.task.sha256), 3);
      expect(again).toMatchObject({ created: false, task: { id: a.task.id } });
      expect(await store.get(a.task.id)).toMatchObject({ id: a.task.id, state: 'pending', attempts: 0 });
      expect(await store.get('999999')).toBeNull();
    });

    it('hands tasks out in order, each to one worker, under a lease', async () => {
      const first = (await store.create(newTask(), 1)).task;
      const second = (await store.create(newTask(), 1)).task;
      const [x, y, z] = await Promise.all([store.claim('w1', 10, LEASE, MAX), store.claim('w2', 10, LEASE, MAX), store.claim('w3', 10, LEASE, MAX)]);
      const ids = [x, y, z].filter(Boolean).map((c) => c!.task.id).sort();
      expect(ids).toEqual([first.id, second.id].sort());
      expect([x, y, z].filter((c) => c === null)).toHaveLength(1);
      const claimed = (await store.get(first.id))!;
      expect(claimed).toMatchObject({ state: 'in-progress', attempts: 1, leaseUntil: 10 + LEASE });
      expect(claimed.leaseId).toBeTruthy();
    });

    it('hands a task out again once its lease has passed, and only then', async () => {
      const { task } = await store.create(newTask(), 0);
      const first = (await store.claim('w1', 100, LEASE, MAX))!;
      expect(await store.claim('w2', 100 + LEASE - 1, LEASE, MAX)).toBeNull();
      const second = (await store.claim('w2', 100 + LEASE + 1, LEASE, MAX))!;
      expect(second).toMatchObject({ leaseExpired: true, task: { id: task.id, attempts: 2, worker: 'w2' } });
      expect(second.task.leaseId).not.toBe(first.task.leaseId);
      // The first worker's late report changes nothing.
      expect(await store.holds(task.id, first.task.leaseId!)).toBe(false);
      expect(await store.complete(task.id, first.task.leaseId!, someVariants, 2_000)).toBe(false);
      expect(await store.fail(task.id, first.task.leaseId!, { error: { code: 'x', message: 'x', permanent: true }, maxAttempts: MAX }, 2_000)).toBeNull();
      expect((await store.get(task.id))!.state).toBe('in-progress');
      expect(await store.complete(task.id, second.task.leaseId!, someVariants, 2_000)).toBe(true);
      expect(await store.get(task.id)).toMatchObject({ state: 'finished', variants: someVariants, leaseId: null, finishedAt: 2_000 });
    });

    it('fails a task whose lease ran out on its last attempt', async () => {
      const { task } = await store.create(newTask(), 0);
      let now = 0;
      for (let attempt = 1; attempt <= MAX; attempt++) {
        expect((await store.claim('w', now, LEASE, MAX))!.task.attempts).toBe(attempt);
        now += LEASE + 1;
      }
      expect(await store.claim('w', now, LEASE, MAX)).toBeNull();
      expect(await store.expireExhausted(now, MAX)).toBe(1);
      expect(await store.get(task.id)).toMatchObject({ state: 'failed', error: { code: 'lease_expired', permanent: false } });
      expect((await store.retry(task.id, now))!).toMatchObject({ state: 'pending', attempts: 0, error: null });
    });

    it('retries a passing failure until attempts run out, fails a permanent one at once', async () => {
      const passing = { code: 'processing_error', message: 'boom', permanent: false };
      const { task } = await store.create(newTask(), 0);
      for (let attempt = 1; attempt <= MAX; attempt++) {
        const claimed = (await store.claim('w', attempt, LEASE, MAX))!;
        const state = await store.fail(task.id, claimed.task.leaseId!, { error: passing, maxAttempts: MAX }, attempt);
        expect(state).toBe(attempt < MAX ? 'pending' : 'failed');
      }
      expect(await store.get(task.id)).toMatchObject({ state: 'failed', attempts: MAX, error: passing });

      const bomb = (await store.create(newTask(), 0)).task;
      const claimed = (await store.claim('w', 10, LEASE, MAX))!;
      expect(claimed.task.id).toBe(bomb.id);
      const permanent = { code: 'too_many_pixels', message: 'bomb', permanent: true };
      expect(await store.fail(bomb.id, claimed.task.leaseId!, { error: permanent, maxAttempts: MAX }, 11)).toBe('failed');
    });

    it('counts tasks by state', async () => {
      await store.create(newTask(), 0);
      await store.create(newTask(), 0);
      await store.claim('w', 1, LEASE, MAX);
      expect(await store.countByState()).toEqual({ pending: 1, 'in-progress': 1, finished: 0, failed: 0 });
    });
  });
}
