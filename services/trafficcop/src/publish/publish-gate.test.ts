// The publish gate against a stand-in origin: which sessions become live
// streams, which are cut, and what the registry sees — including the
// orderings node-media-server produces (resume within the grace window, a
// session gone before its key was checked).
import { describe, expect, it } from 'vitest';
import { createLogger } from '@bamboo/kit';
import { Counter, Registry } from 'prom-client';
import type { StreamKeyVerdict } from '../clients/villa.js';
import type { NmsBroadcast, NmsEvent, NmsSession } from '../origin/nms.js';
import type { Origin } from '../origin/origin.js';
import { installPublishGate } from './publish-gate.js';
import { StreamRegistry } from './stream-registry.js';

function harness(verdicts: Record<string, StreamKeyVerdict | Error>) {
  const handlers = new Map<NmsEvent, (s: NmsSession) => void>();
  const cut: string[] = [];
  const origin = {
    on: (event: NmsEvent, listener: (s: NmsSession) => void) => void handlers.set(event, listener),
    disconnect: (s: NmsSession) => void cut.push(s.id),
  } as unknown as Origin;
  const registry = new StreamRegistry();
  const refusals = new Counter({ name: 'refusals', help: 'r', labelNames: ['reason'], registers: [new Registry()] });
  installPublishGate({
    origin,
    registry,
    verify: async (key) => {
      const v = verdicts[key] ?? { allowed: false, reason: 'unknown_key' };
      if (v instanceof Error) throw v;
      return v;
    },
    app: 'live',
    graceMs: 1234,
    logger: createLogger('test', 'silent'),
    refusals,
    now: () => 1_000,
  });
  const broadcasts = new Map<string, NmsBroadcast>();
  let n = 0;
  /** A publish as node-media-server runs it: prePublish, then it takes the publisher slot if free. */
  const publish = (room: string, query: Record<string, unknown>, app = 'live') => {
    const broadcast = broadcasts.get(room) ?? {
      streamPath: `/${app}/${room}`, publisher: null, subscribers: new Map(), publishGraceMs: 30_000,
      getPublishStatus() { return this.publisher ? 'publishing' : 'idle'; },
    } as NmsBroadcast;
    broadcasts.set(room, broadcast);
    const session = { id: `s${++n}`, ip: '127.0.0.1:1', protocol: 'rtmp', isPublisher: true, streamApp: app, streamName: room,
      streamPath: `/${app}/${room}`, streamQuery: query, inBytes: 0, outBytes: 0, createTime: 0, broadcast, close() {} } as NmsSession;
    handlers.get('prePublish')!(session);
    if (broadcast.publisher === null) broadcast.publisher = session;
    return session;
  };
  const done = (session: NmsSession) => {
    session.broadcast!.publisher = null;
    handlers.get('donePublish')!(session);
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { registry, cut, publish, done, settle, refusals, broadcasts };
}

describe('publish gate', () => {
  it('accepts a good key: one live stream with a session id, the grace window set', async () => {
    const h = harness({ good: { allowed: true, roomId: 'r1', anchorId: 'a1' } });
    const s = h.publish('r1', { key: 'good' });
    expect(h.registry.get('r1')).toBeUndefined(); // not before the key is checked
    await h.settle();
    expect(h.registry.get('r1')).toMatchObject({ roomId: 'r1', anchorId: 'a1', publisherId: s.id, startedAt: 1_000 });
    expect(h.registry.get('r1')!.sessionId).toMatch(/^0000000rs-/);
    expect(h.broadcasts.get('r1')!.publishGraceMs).toBe(1234);
    expect(h.cut).toEqual([]);
    h.done(s);
    expect(h.registry.get('r1')).toBeUndefined();
  });

  it.each([
    ['a wrong key', 'r1', { key: 'bad' }, 'live', 'unknown_key'],
    ['no key', 'r1', {}, 'live', 'missing_key'],
    ['another app', 'r1', { key: 'good' }, 'other', 'wrong_app'],
    ['a key of another room (villa did not check)', 'r2', { key: 'good' }, 'live', 'room_mismatch'],
    ['villa failing', 'r1', { key: 'boom' }, 'live', 'verify_failed'],
  ])('cuts %s', async (_what, room, query, app, reason) => {
    const h = harness({ good: { allowed: true, roomId: 'r1' }, boom: new Error('villa down') });
    const s = h.publish(room, query, app);
    await h.settle();
    expect(h.cut).toEqual([s.id]);
    expect(h.registry.list()).toEqual([]);
    expect((await h.refusals.get()).values).toEqual([expect.objectContaining({ labels: { reason }, value: 1 })]);
  });

  it('a second publisher is left to node-media-server and does not touch the live stream', async () => {
    const h = harness({ good: { allowed: true } });
    const first = h.publish('r1', { key: 'good' });
    await h.settle();
    const sessionId = h.registry.get('r1')!.sessionId;
    h.publish('r1', { key: 'good' });
    await h.settle();
    expect(h.registry.get('r1')).toMatchObject({ sessionId, publisherId: first.id });
    expect((await h.refusals.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'already_live' } })]);
  });

  it('a publisher resuming within the grace window keeps the live session', async () => {
    const h = harness({ good: { allowed: true } });
    h.publish('r1', { key: 'good' });
    await h.settle();
    const sessionId = h.registry.get('r1')!.sessionId;
    h.broadcasts.get('r1')!.publisher = null; // node-media-server freed the slot for the resuming client
    const again = h.publish('r1', { key: 'good' });
    await h.settle();
    expect(h.registry.list()).toHaveLength(1);
    expect(h.registry.get('r1')).toMatchObject({ sessionId, publisherId: again.id });
  });

  it('ignores a session that lost the publisher slot before its key was accepted', async () => {
    const h = harness({ good: { allowed: true } });
    const s = h.publish('r1', { key: 'good' });
    s.broadcast!.publisher = null;
    await h.settle();
    expect(h.registry.list()).toEqual([]);
    expect(h.cut).toEqual([]);
  });
});
