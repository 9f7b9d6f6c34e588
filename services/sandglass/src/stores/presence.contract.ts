// The one suite every PresenceStore adapter passes (memory always, Redis via
// describeRedis). Time is a ManualClock, so timeouts are exact, not waited for.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../presence/clock.js';
import { DAY_MS, dayOf, dayStart } from '../presence/days.js';
import type { PresenceOptions, PresenceStore, Transition } from './presence.js';

export const CONTRACT_OPTIONS: PresenceOptions = {
  offlineAfterMs: 65_000,
  eventsRetained: 10_000,
  durationRetentionMs: 35 * DAY_MS,
  reapBatch: 1_000,
};

export interface Opened {
  store: PresenceStore;
  close(): Promise<void>;
}

export function presenceContract(name: string, open: (clock: ManualClock, options: PresenceOptions) => Promise<Opened>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    const T = CONTRACT_OPTIONS.offlineAfterMs;
    let clock: ManualClock;
    let store: PresenceStore;
    let opened: Opened;

    beforeEach(async () => {
      // Mid-day, so only the midnight test crosses a day.
      clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
      opened = await open(clock, CONTRACT_OPTIONS);
      store = opened.store;
    });
    afterEach(() => opened.close());

    const beat = (uid: string, modules: string[] = [], platform = 'ios', source = 'app') =>
      store.heartbeat([{ uid, source, modules, platform }]);

    async function allEvents(): Promise<Transition[]> {
      const out: Transition[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = await store.events(cursor, 7);
        out.push(...page.events);
        if (page.events.length === 0) return out;
        cursor = page.next;
      }
    }

    it('a heartbeat puts a user online in its modules; an unknown user is offline', async () => {
      const t0 = clock.now();
      await beat('alice', ['room:1', 'page:home'], 'android');
      clock.advance(1000);
      const [alice, bob] = await store.status(['alice', 'bob']);
      expect(alice).toEqual({
        uid: 'alice',
        online: true,
        since: t0,
        lastSeen: t0,
        modules: ['room:1', 'page:home'],
        platform: 'android',
      });
      expect(bob).toEqual({ uid: 'bob', online: false, since: null, lastSeen: null, modules: [], platform: null });
      expect(await store.counts(['room:1', 'page:home', 'room:2'])).toEqual({ 'room:1': 1, 'page:home': 1, 'room:2': 0 });
    });

    it('goes offline after the threshold of silence, and not a millisecond before', async () => {
      await beat('alice', ['room:1']);
      clock.advance(T - 1);
      expect((await store.status(['alice']))[0]!.online).toBe(true);
      expect(await store.counts(['room:1'])).toEqual({ 'room:1': 1 });
      clock.advance(1);
      expect((await store.status(['alice']))[0]!.online).toBe(false);
      expect(await store.counts(['room:1'])).toEqual({ 'room:1': 0 });
      expect((await store.members('room:1', null, 10)).uids).toEqual([]);
    });

    it('the reaper takes expired users offline with leave and offline stamped at the deadline', async () => {
      const t0 = clock.now();
      await beat('alice', ['room:1']);
      await beat('bob', ['room:1']);
      clock.advance(10_000);
      await beat('bob', ['room:1']);
      clock.advance(T - 10_000);
      expect(await store.reap()).toBe(1);
      expect(await store.reap()).toBe(0);
      const tail = (await allEvents()).filter((e) => e.uid === 'alice').slice(-2);
      expect(tail.map(({ type, module, at }) => ({ type, module, at }))).toEqual([
        { type: 'leave', module: 'room:1', at: t0 + T },
        { type: 'offline', module: undefined, at: t0 + T },
      ]);
      expect(await store.counts(['room:1'])).toEqual({ 'room:1': 1 });
      expect(await store.activeModules()).toEqual(['room:1']);
    });

    it('an explicit offline takes effect at once and reports whether the user was online', async () => {
      await beat('alice', ['room:1', 'room:2']);
      clock.advance(5000);
      expect(await store.offline('alice')).toBe(true);
      expect(await store.offline('alice')).toBe(false);
      expect((await store.status(['alice']))[0]!.online).toBe(false);
      expect(await store.counts(['room:1', 'room:2'])).toEqual({ 'room:1': 0, 'room:2': 0 });
      expect(await store.activeModules()).toEqual([]);
      expect((await store.durations('alice')).totalMs).toBe(5000);
    });

    it('a heartbeat without a module leaves it at once; one with a new module joins it', async () => {
      await beat('alice', ['room:1', 'page:home']);
      clock.advance(1000);
      await beat('alice', ['room:2', 'page:home']);
      expect(await store.counts(['room:1', 'room:2', 'page:home'])).toEqual({ 'room:1': 0, 'room:2': 1, 'page:home': 1 });
      const events = (await allEvents()).map(({ type, module }) => `${type}${module ? ` ${module}` : ''}`);
      expect(events).toEqual(['online', 'join room:1', 'join page:home', 'leave room:1', 'join room:2']);
      expect((await store.status(['alice']))[0]!.modules).toEqual(['room:2', 'page:home']);
    });

    it("keeps each source's modules apart: a user is in the union, a module stays while any source has it", async () => {
      await beat('alice', ['page:home', 'room:1'], 'ios', 'app');
      clock.advance(1000);
      await beat('alice', ['room:1', 'room:2'], 'ios', 'homer');
      expect(await store.counts(['page:home', 'room:1', 'room:2'])).toEqual({ 'page:home': 1, 'room:1': 1, 'room:2': 1 });
      // The latest source's modules first.
      expect((await store.status(['alice']))[0]!.modules).toEqual(['room:1', 'room:2', 'page:home']);
      clock.advance(1000);
      await beat('alice', ['page:home'], 'ios', 'app'); // the app left room:1, homer still has it
      expect(await store.counts(['room:1'])).toEqual({ 'room:1': 1 });
      clock.advance(1000);
      await beat('alice', ['room:2'], 'ios', 'homer'); // now no source has room:1
      expect(await store.counts(['page:home', 'room:1', 'room:2'])).toEqual({ 'page:home': 1, 'room:1': 0, 'room:2': 1 });
      await beat('alice', [], 'ios', 'app');
      expect(await store.counts(['page:home', 'room:2'])).toEqual({ 'page:home': 0, 'room:2': 1 });
      const events = (await allEvents()).map(({ type, module }) => `${type}${module ? ` ${module}` : ''}`);
      expect(events).toEqual(['online', 'join page:home', 'join room:1', 'join room:2', 'leave room:1', 'leave page:home']);
      expect((await store.status(['alice']))[0]).toMatchObject({ online: true, modules: ['room:2'] });
    });

    it('each source times out on its own; the last one takes the user offline, time counted once', async () => {
      const t0 = clock.now();
      await beat('alice', ['page:home', 'room:1'], 'ios', 'app');
      await beat('alice', ['room:1'], 'ios', 'homer');
      for (let i = 0; i < 3; i++) {
        clock.advance(30_000); // homer keeps reporting, the app went quiet
        await beat('alice', ['room:1'], 'ios', 'homer');
      }
      const homerLast = clock.now();
      // Past the app's deadline, before any reaping: its modules are gone from the status.
      expect((await store.status(['alice']))[0]).toMatchObject({ online: true, since: t0, modules: ['room:1'] });
      expect(await store.counts(['page:home', 'room:1'])).toEqual({ 'page:home': 0, 'room:1': 1 });
      clock.advance(T);
      expect(await store.reap()).toBe(1);
      expect((await store.status(['alice']))[0]!.online).toBe(false);
      expect(await store.counts(['room:1'])).toEqual({ 'room:1': 0 });
      const tail = (await allEvents()).slice(3).map(({ type, module, at }) => ({ type, module, at }));
      expect(tail).toEqual([
        { type: 'leave', module: 'page:home', at: t0 + T },
        { type: 'leave', module: 'room:1', at: homerLast + T },
        { type: 'offline', module: undefined, at: homerLast + T },
      ]);
      // Two sources beating at once count each instant once.
      expect((await store.durations('alice')).totalMs).toBe(homerLast - t0);
    });

    it('an explicit offline clears every source at once', async () => {
      await beat('alice', ['page:home'], 'ios', 'app');
      await beat('alice', ['room:1'], 'ios', 'homer');
      clock.advance(2000);
      expect(await store.offline('alice')).toBe(true);
      expect(await store.counts(['page:home', 'room:1'])).toEqual({ 'page:home': 0, 'room:1': 0 });
      expect(await store.activeModules()).toEqual([]);
      clock.advance(1000);
      await beat('alice', ['room:1'], 'ios', 'homer');
      expect((await store.status(['alice']))[0]).toMatchObject({ online: true, since: clock.now(), modules: ['room:1'] });
      expect(await store.reap()).toBe(0);
    });

    it("keeps the last platform given when a heartbeat names none ('unknown' at first)", async () => {
      await store.heartbeat([{ uid: 'alice', source: 'homer', modules: [] }]);
      expect((await store.status(['alice']))[0]!.platform).toBe('unknown');
      await beat('alice', [], 'android', 'app');
      await store.heartbeat([{ uid: 'alice', source: 'homer', modules: ['room:1'] }]);
      expect((await store.status(['alice']))[0]).toMatchObject({ platform: 'android', modules: ['room:1'] });
    });

    it('counts are exact across many users and modules, and batches act like single heartbeats', async () => {
      const beats = Array.from({ length: 300 }, (_, i) => ({
        uid: `u${i}`,
        source: 'app',
        modules: [`room:${i % 3}`, ...(i % 2 === 0 ? ['page:even'] : [])],
        platform: 'web',
      }));
      await store.heartbeat(beats);
      expect(await store.counts(['room:0', 'room:1', 'room:2', 'page:even'])).toEqual({
        'room:0': 100,
        'room:1': 100,
        'room:2': 100,
        'page:even': 150,
      });
      await store.heartbeat(beats.slice(0, 30).map((b) => ({ ...b, modules: [] })));
      expect(await store.counts(['room:0', 'page:even'])).toEqual({ 'room:0': 90, 'page:even': 135 });
      expect((await store.activeModules()).sort()).toEqual(['page:even', 'room:0', 'room:1', 'room:2']);
    });

    it('pages members by uid with a cursor; each member present throughout appears once', async () => {
      const uids = Array.from({ length: 25 }, (_, i) => `user${String(i).padStart(2, '0')}`);
      await store.heartbeat(uids.map((uid) => ({ uid, source: 'app', modules: ['room:9'], platform: 'ios' })));
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await store.members('room:9', after, 10);
        seen.push(...page.uids);
        after = page.next;
        pages += 1;
        // Churn behind and ahead of the cursor must not disturb the others.
        if (pages === 1) {
          await beat('user00', []);
          await beat('user99', ['room:9']);
        }
      } while (after !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual([...uids, 'user99']);
      expect(await store.members('room:9', 'user24', 10)).toEqual({ uids: ['user99'], next: null });
    });

    it('durations add real time once: duplicates add nothing twice, and a long gap adds nothing', async () => {
      await beat('alice');
      clock.advance(30_000);
      await beat('alice');
      await beat('alice'); // a retried duplicate at the same instant
      await store.heartbeat([{ uid: 'alice', source: 'app', modules: [], platform: 'ios' }, { uid: 'alice', source: 'app', modules: [], platform: 'ios' }]);
      clock.advance(20_000);
      await beat('alice');
      expect(await store.durations('alice')).toEqual({ days: { [dayOf(clock.now())]: 50_000 }, totalMs: 50_000 });
      clock.advance(T); // silent past the threshold: offline, adds nothing
      await beat('alice');
      clock.advance(1000);
      await beat('alice');
      expect((await store.durations('alice')).totalMs).toBe(51_000);
      expect(await store.durations('nobody')).toEqual({ days: {}, totalMs: 0 });
    });

    it('splits a stretch that crosses UTC midnight between the two days', async () => {
      const midnight = dayStart(clock.now()) + DAY_MS;
      clock.set(midnight - 10_000);
      await beat('alice');
      clock.set(midnight + 25_000);
      await beat('alice');
      expect(await store.durations('alice')).toEqual({
        days: { [dayOf(midnight - 1)]: 10_000, [dayOf(midnight)]: 25_000 },
        totalMs: 35_000,
      });
    });

    it('counts a stretch that timed out up to its last heartbeat, on the day it ran, however late it is reaped', async () => {
      const midnight = dayStart(clock.now()) + DAY_MS;
      clock.set(midnight - 20_000);
      await beat('alice');
      clock.set(midnight - 5_000);
      await beat('alice');
      clock.set(midnight + DAY_MS);
      expect(await store.reap()).toBe(1);
      expect(await store.durations('alice')).toEqual({ days: { [dayOf(midnight - 1)]: 15_000 }, totalMs: 15_000 });
    });

    it('publishes every transition in order, readable by cursor at least once', async () => {
      await beat('alice', ['room:1']);
      clock.advance(1);
      await beat('bob', ['room:1']);
      const first = await store.events(null, 3);
      expect(first.events.map((e) => [e.type, e.uid, e.module ?? null])).toEqual([
        ['online', 'alice', null],
        ['join', 'alice', 'room:1'],
        ['online', 'bob', null],
      ]);
      expect(first.next).toBe(first.events[2]!.cursor);
      // Resuming from any event's cursor continues right after it.
      const fromSecond = await store.events(first.events[1]!.cursor, 10);
      expect(fromSecond.events.map((e) => e.type)).toEqual(['online', 'join']);
      const rest = await store.events(first.next, 10);
      expect(rest.events).toHaveLength(1);
      expect(rest.events[0]).toMatchObject({ type: 'join', uid: 'bob', module: 'room:1', at: clock.now() });
      const idle = await store.events(rest.next, 10);
      expect(idle).toEqual({ events: [], next: rest.next });
      await expect(store.events('not a cursor', 10)).rejects.toThrow(RangeError);
    });

    it('hands out users whose durations changed once per change, and takes them back on failure', async () => {
      await beat('alice');
      await beat('bob');
      clock.advance(4000);
      await store.heartbeat([{ uid: 'alice', source: 'app', modules: [], platform: 'ios' }, { uid: 'bob', source: 'app', modules: [], platform: 'ios' }]);
      const taken = await store.takeChanged(100);
      expect(taken.map((t) => t.uid).sort()).toEqual(['alice', 'bob']);
      expect(taken[0]).toMatchObject({ totalMs: 4000, days: { [dayOf(clock.now())]: 4000 } });
      expect(await store.takeChanged(100)).toEqual([]);
      await store.untake(['alice']);
      expect((await store.takeChanged(100)).map((t) => t.uid)).toEqual(['alice']);
      // Taken while online: the next heartbeat's time makes the user changed again, counted once.
      clock.advance(3000);
      await beat('alice');
      expect(await store.takeChanged(100)).toEqual([{ uid: 'alice', days: { [dayOf(clock.now())]: 7000 }, totalMs: 7000 }]);
      expect((await store.durations('alice')).totalMs).toBe(7000);
    });
  });
}
