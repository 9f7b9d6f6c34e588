// The contract every HotState adapter passes. TTLs are real and short (no
// fake timers) so both adapters are tested the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '@bamboo/kit';
import type { HotState } from '../src/index.js';

export interface HotStateHarness {
  /** Another handle on the same state (Redis: a second process's worth); omit for memory. */
  openShared?(): Promise<HotState>;
  /** A handle on the same backend under a different key prefix. */
  openIsolated(): Promise<HotState>;
  /** Removes what the suite stored. */
  destroy(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Collects messages; `settle` waits long enough for a delivery that should not come. */
function inbox(): { messages: string[]; handler: (m: string) => void } {
  const messages: string[] = [];
  return { messages, handler: (m) => messages.push(m) };
}

export function hotStateContract(
  name: string,
  /** `handlerErrors` collects what the instance's onHandlerError hook received. */
  setup: () => Promise<{ hot: HotState; harness: HotStateHarness; handlerErrors: unknown[] }>,
): void {
  describe(`HotState contract: ${name}`, () => {
    let hot: HotState;
    let harness: HotStateHarness;
    let handlerErrors: unknown[];
    let seq = 0;
    const key = (label: string): string => `${label}:${++seq}`;
    const opened: HotState[] = [];
    const track = async (h: Promise<HotState>): Promise<HotState> => {
      const x = await h;
      opened.push(x);
      return x;
    };

    beforeAll(async () => {
      ({ hot, harness, handlerErrors } = await setup());
    });
    afterAll(async () => {
      await Promise.all(opened.map((h) => h.close()));
      await hot?.close();
      await harness?.destroy();
    });

    it('pings', async () => {
      await expect(hot.ping()).resolves.toBeUndefined();
    });

    it('gets, sets and deletes', async () => {
      const k = key('kv');
      expect(await hot.get(k)).toBeNull();
      expect(await hot.set(k, 'v1')).toBe(true);
      expect(await hot.get(k)).toBe('v1');
      expect(await hot.set(k, 'v2')).toBe(true);
      expect(await hot.get(k)).toBe('v2');
      expect(await hot.del(k)).toBe(true);
      expect(await hot.del(k)).toBe(false);
      expect(await hot.get(k)).toBeNull();
    });

    it('expires keys exactly: never read back after the TTL', async () => {
      const k = key('ttl');
      expect(await hot.set(k, 'v', { ttlMs: 100 })).toBe(true);
      expect(await hot.get(k)).toBe('v');
      const ttl = await hot.ttlMs(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(100);
      await sleep(130);
      expect(await hot.get(k)).toBeNull();
      expect(await hot.ttlMs(k)).toBeNull();
      expect(await hot.del(k)).toBe(false);
    });

    it('reports no TTL for missing and persistent keys; a plain set clears a TTL', async () => {
      const k = key('ttl2');
      expect(await hot.ttlMs(k)).toBeNull();
      await hot.set(k, 'v', { ttlMs: 60_000 });
      expect(await hot.ttlMs(k)).toBeGreaterThan(59_000);
      await hot.set(k, 'w');
      expect(await hot.ttlMs(k)).toBeNull();
      expect(await hot.get(k)).toBe('w');
    });

    it('sets ifAbsent only once per live key (a nonce guard)', async () => {
      const k = key('nonce');
      expect(await hot.set(k, 'first', { ifAbsent: true, ttlMs: 100 })).toBe(true);
      expect(await hot.set(k, 'second', { ifAbsent: true, ttlMs: 100 })).toBe(false);
      expect(await hot.get(k)).toBe('first');
      await sleep(130);
      expect(await hot.set(k, 'third', { ifAbsent: true })).toBe(true);
      expect(await hot.get(k)).toBe('third');
    });

    it('lets exactly one of many parallel ifAbsent sets win', async () => {
      const k = key('race');
      const wins = await Promise.all(Array.from({ length: 30 }, (_, i) => hot.set(k, String(i), { ifAbsent: true })));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('increments, from 0 when missing, also negatively', async () => {
      const k = key('incr');
      expect(await hot.incrBy(k, 5)).toBe(5);
      expect(await hot.incrBy(k, -7)).toBe(-2);
      expect(await hot.get(k)).toBe('-2');
      await Promise.all(Array.from({ length: 100 }, () => hot.incrBy(k, 1)));
      expect(await hot.get(k)).toBe('98');
    });

    it('sets the increment TTL only when the key is created', async () => {
      const k = key('window');
      expect(await hot.incrBy(k, 1, { ttlMs: 150 })).toBe(1);
      const first = await hot.ttlMs(k);
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThanOrEqual(150);
      expect(await hot.incrBy(k, 1, { ttlMs: 60_000 })).toBe(2);
      expect(await hot.ttlMs(k)).toBeLessThanOrEqual(150);
      expect(await hot.incrBy(k, 1)).toBe(3);
      expect(await hot.ttlMs(k)).toBeLessThanOrEqual(150);
      await sleep(180);
      expect(await hot.get(k)).toBeNull();
      expect(await hot.incrBy(k, 1, { ttlMs: 60_000 })).toBe(1);
      expect(await hot.ttlMs(k)).toBeGreaterThan(59_000);

      const persistent = key('persistent');
      await hot.set(persistent, '10');
      expect(await hot.incrBy(persistent, 1, { ttlMs: 100 })).toBe(11);
      expect(await hot.ttlMs(persistent)).toBeNull();
    });

    it('rejects bad arguments and non-integer values alike', async () => {
      const k = key('bad');
      await expect(hot.set(k, 'v', { ttlMs: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(hot.incrBy(k, 1.5)).rejects.toBeInstanceOf(RangeError);
      await hot.set(k, 'not a number');
      const err = await hot.incrBy(k, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(ServiceUnavailableError);
      expect(String(err)).toMatch(/not an integer/);
    });

    it('delivers published messages to every subscriber of the channel, asynchronously', async () => {
      const channel = key('chan');
      const a = inbox();
      const b = inbox();
      const other = inbox();
      const offA = await hot.subscribe(channel, a.handler);
      const offB = await hot.subscribe(channel, b.handler);
      const offOther = await hot.subscribe(key('other'), other.handler);
      const publishing = hot.publish(channel, 'one');
      expect(a.messages).toEqual([]); // never inside publish()
      await publishing;
      await hot.publish(channel, 'two');
      await expect.poll(() => [a.messages, b.messages]).toEqual([['one', 'two'], ['one', 'two']]);
      await sleep(50);
      expect(other.messages).toEqual([]);
      await Promise.all([offA(), offB(), offOther()]);
    });

    it('stops delivery after unsubscribe, leaving other subscribers', async () => {
      const channel = key('unsub');
      const a = inbox();
      const b = inbox();
      const offA = await hot.subscribe(channel, a.handler);
      const offB = await hot.subscribe(channel, b.handler);
      await hot.publish(channel, '1');
      await expect.poll(() => a.messages).toEqual(['1']);
      await offA();
      await hot.publish(channel, '2');
      await expect.poll(() => b.messages).toEqual(['1', '2']);
      await offB();
      await hot.publish(channel, '3');
      await sleep(80);
      expect(a.messages).toEqual(['1']);
      expect(b.messages).toEqual(['1', '2']);
    });

    it('keeps delivering to other handlers when one throws', async () => {
      const channel = key('throws');
      const good = inbox();
      const offBad = await hot.subscribe(channel, () => {
        throw new Error('handler bug');
      });
      const offGood = await hot.subscribe(channel, good.handler);
      await hot.publish(channel, 'x');
      await hot.publish(channel, 'y');
      await expect.poll(() => good.messages).toEqual(['x', 'y']);
      expect(handlerErrors.map(String)).toEqual(['Error: handler bug', 'Error: handler bug']);
      await Promise.all([offBad(), offGood()]);
    });

    it('isolates instances with different key prefixes', async () => {
      const other = await track(harness.openIsolated());
      const k = key('iso');
      await hot.set(k, 'mine');
      expect(await other.get(k)).toBeNull();
      await other.set(k, 'theirs');
      expect(await hot.get(k)).toBe('mine');
      await other.del(k);
      expect(await hot.get(k)).toBe('mine');

      const channel = key('iso-chan');
      const heard = inbox();
      const off = await other.subscribe(channel, heard.handler);
      await hot.publish(channel, 'not for you');
      await sleep(80);
      expect(heard.messages).toEqual([]);
      await off();
    });

    it('shares keys and fans messages out across instances on the same prefix', async (ctx) => {
      if (!harness.openShared) ctx.skip();
      const twin = await track(harness.openShared!());
      const k = key('shared');
      await hot.set(k, 'v');
      expect(await twin.get(k)).toBe('v');
      await twin.incrBy(key('unused'), 1);

      const channel = key('fanout');
      const here = inbox();
      const there = inbox();
      const offHere = await hot.subscribe(channel, here.handler);
      const offThere = await twin.subscribe(channel, there.handler);
      await twin.publish(channel, 'from twin');
      await hot.publish(channel, 'from hot');
      const both = ['from twin', 'from hot'];
      await expect.poll(() => [here.messages, there.messages]).toEqual([both, both]);
      await offThere();
      await hot.publish(channel, 'after');
      await expect.poll(() => here.messages).toEqual([...both, 'after']);
      await sleep(80);
      expect(there.messages).toEqual(both);
      await offHere();
    });

    it('fails calls after close with ServiceUnavailableError', async () => {
      const own = await track(harness.openIsolated());
      await own.set('k', 'v');
      await own.close();
      await expect(own.get('k')).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(own.ping()).rejects.toBeInstanceOf(ServiceUnavailableError);
    });
  });
}
