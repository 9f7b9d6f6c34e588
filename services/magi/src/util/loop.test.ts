import { describe, expect, it, vi } from 'vitest';
import { Loop } from './loop.js';

const LONG = 60_000;
const settle = () => new Promise((r) => setTimeout(r, 150));
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 5 });

describe('Loop', () => {
  it('steps again at once while more work waits, pauses when there is none, and wake() ends an idle pause', async () => {
    const more = [true, true];
    let steps = 0;
    const loop = new Loop({ step: async () => (steps++, more.shift() ?? false), idleMs: LONG, backoffMs: () => LONG, onError: () => undefined });
    loop.start();
    await eventually(() => expect(steps).toBe(3));
    await settle();
    expect(steps).toBe(3); // idle for LONG
    loop.wake();
    await eventually(() => expect(steps).toBe(4));
    await loop.stop(); // ends the idle pause instead of waiting it out
    expect(steps).toBe(4);
  });

  it('a wake() during a step skips the next idle pause', async () => {
    let steps = 0;
    let release!: () => void;
    const loop = new Loop({
      step: async () => {
        steps++;
        if (steps === 1) await new Promise<void>((r) => (release = r));
        return false;
      },
      idleMs: LONG,
      backoffMs: () => LONG,
      onError: () => undefined,
    });
    loop.start();
    await eventually(() => expect(steps).toBe(1));
    loop.wake();
    release();
    await eventually(() => expect(steps).toBe(2));
    await loop.stop();
  });

  it('backs off after a failure, reports it, and wake() does not cut the backoff short', async () => {
    const errors: Array<[unknown, number]> = [];
    const backoffs: number[] = [];
    let steps = 0;
    const loop = new Loop({
      step: async () => {
        steps++;
        throw new Error('store down');
      },
      idleMs: 1,
      backoffMs: (failures) => (backoffs.push(failures), LONG),
      onError: (err, failures) => errors.push([err, failures]),
    });
    loop.start();
    await eventually(() => expect(errors).toHaveLength(1));
    loop.wake();
    await settle();
    expect(steps).toBe(1);
    expect(backoffs).toEqual([1]);
    expect((errors[0]![0] as Error).message).toBe('store down');
    await loop.stop();
  });
});
