// homer's calls to villa and sandglass, against stand-ins built on the kit
// (so the signature is checked as the real services check it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createServiceApp, listen, type RunningServer } from '@bamboo/kit';
import { DanmakuClient } from '../src/client/client.js';
import { villaRoomCatalog } from '../src/logic/rooms.js';
import { presenceBeats, sandglassPresence, type PresenceBeat } from '../src/logic/presence.js';
import { KEY, startNode, type Node } from './harness.js';

interface Fake {
  url: string;
  server: RunningServer;
  beats: Array<{ caller: string | undefined; heartbeats: PresenceBeat[] }>;
}

async function fakePeers(): Promise<Fake> {
  const { app } = createServiceApp({ service: 'fake', logger: createLogger('fake', 'silent'), internalKey: KEY });
  const beats: Fake['beats'] = [];
  app.get('/internal/rooms/:id', (c) =>
    c.req.param('id') === '42'
      ? c.json({ roomId: '42', anchorId: 'a', categoryId: 'c', shortId: '1', title: 't', live: true, sessionId: null, closed: false })
      : c.json({ error: { code: 'not_found', message: 'no such room' } }, 404),
  );
  app.get('/internal/rooms/:id/send-permission/:uid', (c) =>
    c.req.param('id') !== '42'
      ? c.json({ error: { code: 'not_found', message: 'no such room' } }, 404)
      : c.json(c.req.param('uid') === 'muted-one' ? { allowed: false, reason: 'muted', until: 123 } : { allowed: true }),
  );
  app.post('/v1/presence/heartbeats', async (c) => {
    const identity = c.get('identity');
    if (identity.method !== 'internal') return c.json({ error: { code: 'unsigned', message: 'expected a signed call' } }, 401);
    const { heartbeats } = await c.req.json<{ heartbeats: PresenceBeat[] }>();
    beats.push({ caller: identity.caller, heartbeats });
    return c.json({ intervalMs: 30_000, offlineAfterMs: 65_000, accepted: heartbeats.length });
  });
  const server = await listen('fake', app.fetch, { port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${server.port}`, server, beats };
}

describe('villa room catalog', () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakePeers();
  });
  afterAll(async () => fake.server.close(1_000));

  it('checks rooms and send permissions with signed calls', async () => {
    const villa = villaRoomCatalog({ baseUrl: fake.url, internalKey: KEY });
    await expect(villa.assertRoom('42')).resolves.toBeUndefined();
    await expect(villa.assertRoom('43')).rejects.toMatchObject({ status: 404, code: 'room_not_found' });
    expect(await villa.sendPermission('42', 'someone')).toEqual({ allowed: true });
    expect(await villa.sendPermission('42', 'muted-one')).toEqual({ allowed: false, reason: 'muted', until: 123 });
    await expect(villa.sendPermission('43', 'someone')).rejects.toMatchObject({ status: 404 });
  });

  it('fails with 502 when villa refuses homer’s key, and 503 when villa is down', async () => {
    await expect(villaRoomCatalog({ baseUrl: fake.url, internalKey: 'another-key-0123456789' }).assertRoom('42')).rejects.toMatchObject({ status: 502 });
    const down = villaRoomCatalog({ baseUrl: 'http://127.0.0.1:1', internalKey: KEY, timeoutMs: 500 });
    await expect(down.assertRoom('42')).rejects.toMatchObject({ status: 503 });
  });
});

describe('viewers reported to sandglass', () => {
  let fake: Fake;
  let node: Node;
  beforeAll(async () => {
    fake = await fakePeers();
    node = await startNode({ presence: sandglassPresence({ baseUrl: fake.url, internalKey: KEY, batchSize: 2 }) });
  });
  afterAll(async () => {
    await node.stop();
    await fake.server.close(1_000);
  });

  it('groups a user’s connections, skips what sandglass would refuse, caps modules', () => {
    const beats = presenceBeats(
      [
        { uid: 'u1', rooms: ['42', '43'], platform: 'ios' },
        { uid: 'u1', rooms: ['43', '44'] },
        { uid: 'bad uid', rooms: ['42'] },
        { uid: 'u2', rooms: [] },
      ],
      2,
    );
    expect(beats).toEqual([
      { uid: 'u1', modules: ['room:42', 'room:43'], platform: 'ios' },
      { uid: 'u2', modules: [] },
    ]);
  });

  it('sends every connected user with their rooms, signed as homer, in batches', async () => {
    const clients = [
      await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42', 'alice'), heartbeat: false }),
      await DanmakuClient.ws(node.address.ws, { ticket: await node.ticket('43', 'alice'), heartbeat: false }),
      await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('42', 'bob'), heartbeat: false }),
      await DanmakuClient.tcp(node.address.tcp, { ticket: await node.ticket('44'), heartbeat: false }),
    ];
    expect(await node.gateway.reportPresence()).toBe(3);
    expect(fake.beats.map((b) => b.caller)).toEqual(['homer', 'homer']);
    const all = fake.beats.flatMap((b) => b.heartbeats);
    expect(fake.beats.map((b) => b.heartbeats.length)).toEqual([2, 1]);
    expect(all.every((b) => (b as PresenceBeat & { source?: string }).source === 'homer')).toBe(true);
    expect(all.find((b) => b.uid === 'alice')?.modules.sort()).toEqual(['room:42', 'room:43']);
    expect(all.find((b) => b.uid === 'bob')?.modules).toEqual(['room:42']);
    expect(all.find((b) => b.uid.startsWith('anon-'))?.modules).toEqual(['room:44']);
    clients.forEach((c) => c.close());
  });
});
