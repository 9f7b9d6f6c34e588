// The HTTP API over a real socket: CDN line administration with its
// validation and authorisation, stream views, origin play URLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, userIdentity } from '@bamboo/testing';
import { OPS, startHarness, type Harness } from './support/harness.js';

describe('trafficcop API', () => {
  let h: Harness;
  const line = { id: 'cdn-x', provider: 'acme', pushUrlTemplate: 'rtmp://push.x.example/live/{room}' };

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates, reads, updates and deletes a line', async () => {
    const created = await h.call('/v1/cdn/lines', { body: line, identity: OPS });
    expect(created.status).toBe(201);
    expect(await readJson(created)).toMatchObject({
      ...line,
      kind: 'push',
      state: 'enabled',
      regions: ['*'],
      weight: 100,
      relays: { connecting: 0, up: 0, retrying: 0 },
      health: { status: 'healthy' },
    });

    const got = await readJson(await h.call('/v1/cdn/lines/cdn-x', { identity: OPS }));
    expect(got.pushUrlTemplate).toBe(line.pushUrlTemplate);

    const patched = await h.call('/v1/cdn/lines/cdn-x', { method: 'PATCH', body: { regions: ['cn-east'], provider: 'other' }, identity: OPS });
    expect(patched.status).toBe(200);
    expect(await readJson(patched)).toMatchObject({ regions: ['cn-east'], provider: 'other' });

    const list = await readJson(await h.call('/v1/cdn/lines', { identity: OPS }));
    expect(list.lines.map((l: { id: string }) => l.id)).toEqual(['cdn-x']);

    expect((await h.call('/v1/cdn/lines/cdn-x', { method: 'DELETE', identity: OPS })).status).toBe(400); // no reason
    expect((await h.call('/v1/cdn/lines/cdn-x?reason=retired', { method: 'DELETE', identity: OPS })).status).toBe(204);
    expect((await h.call('/v1/cdn/lines/cdn-x', { identity: OPS })).status).toBe(404);
    expect((await h.call('/v1/cdn/lines/cdn-x?reason=again', { method: 'DELETE', identity: OPS })).status).toBe(404);
  });

  it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
    const bad: Array<[unknown, string]> = [
      [{ ...line, pushUrlTemplate: 'rtmp://push.x.example/live/fixed' }, 'json.pushUrlTemplate'],
      [{ ...line, pushUrlTemplate: 'http://push.x.example/live/{room}' }, 'json.pushUrlTemplate'],
      [{ ...line, pushUrlTemplate: 'rtmp://push.x.example/{room}' }, 'json.pushUrlTemplate'],
      [{ ...line, id: 'Has Spaces' }, 'json.id'],
      [{ ...line, provider: '' }, 'json.provider'],
      [{ ...line, state: 'on' }, 'json.state'],
      [{ ...line, regions: ['mars'] }, 'json.regions'],
      [{ ...line, kind: 'pull' }, 'json.pullUrlTemplates'],
      [{ ...line, pullUrlTemplates: { flv: 'rtmp://x.example/live/{room}' } }, 'json.pullUrlTemplates.flv'],
      [{ ...line, extra: 1 }, 'json'],
    ];
    for (const [body, field] of bad) {
      const res = await h.call('/v1/cdn/lines', { body, identity: OPS });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await readJson(res)).error.message).toContain(field);
    }
    await h.call('/v1/cdn/lines', { body: line, identity: OPS });
    const empty = await h.call('/v1/cdn/lines/cdn-x', { method: 'PATCH', body: {}, identity: OPS });
    expect(empty.status).toBe(400);
    expect((await h.call('/v1/cdn/lines/Bad!', { identity: OPS })).status).toBe(400);
    expect((await readJson(await h.call('/v1/cdn/lines', { identity: OPS }))).lines).toHaveLength(1);
    await h.call('/v1/cdn/lines/cdn-x?reason=cleanup', { method: 'DELETE', identity: OPS });
  });

  it('answers 409 for a taken id or push URL', async () => {
    await h.call('/v1/cdn/lines', { body: line, identity: OPS });
    const sameId = await h.call('/v1/cdn/lines', { body: { ...line, pushUrlTemplate: 'rtmp://y.example/live/{room}' }, identity: OPS });
    expect(sameId.status).toBe(409);
    expect((await readJson(sameId)).error.code).toBe('line_exists');
    const sameUrl = await h.call('/v1/cdn/lines', { body: { ...line, id: 'cdn-y' }, identity: OPS });
    expect(sameUrl.status).toBe(409);
    expect((await readJson(sameUrl)).error.code).toBe('push_url_taken');
    await h.call('/v1/cdn/lines/cdn-x?reason=cleanup', { method: 'DELETE', identity: OPS });
  });

  it('needs the cdn:admin scope for line and stream administration', async () => {
    const viewer = userIdentity('viewer-1');
    expect((await h.call('/v1/cdn/lines', { identity: viewer })).status).toBe(403);
    expect((await h.call('/v1/cdn/lines', { body: line, identity: viewer })).status).toBe(403);
    expect((await h.call('/v1/cdn/streams', { identity: viewer })).status).toBe(403);
    // unsigned (straight at the port, not through apollo) is anonymous
    expect((await fetch(`${h.api}/v1/cdn/lines`)).status).toBe(403);
    // internal callers (other services) are trusted
    expect((await h.call('/v1/cdn/lines', { caller: 'villa' })).status).toBe(200);
  });

  it('lists live streams, and gives origin play URLs only for live rooms to signed-in users', async () => {
    expect(await readJson(await h.call('/v1/cdn/streams', { identity: OPS }))).toEqual({ streams: [] });
    expect((await h.call('/v1/cdn/streams/nope', { identity: OPS })).status).toBe(404);
    expect((await h.call('/v1/cdn/rooms/nope/origin', { identity: userIdentity('u1') })).status).toBe(404);
    expect((await fetch(`${h.api}/v1/cdn/rooms/nope/origin`)).status).toBe(401);
    expect((await h.call('/v1/cdn/rooms/bad.id/origin', { identity: userIdentity('u1') })).status).toBe(400);
  });

  it('is ready only while the origin listens', async () => {
    const ready = await readJson(await fetch(`${h.api}/readyz`));
    expect(ready.checks['rtmp origin']).toBe('ok');
  });

  it('documents every route in /openapi.json', async () => {
    const doc = await readJson(await fetch(`${h.api}/openapi.json`));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/cdn/lines',
        '/v1/cdn/lines/{lineId}',
        '/v1/cdn/lines/{lineId}/state',
        '/v1/cdn/lines/{lineId}/weight',
        '/v1/cdn/streams',
        '/v1/cdn/streams/{roomId}',
        '/v1/cdn/rooms/{roomId}/origin',
        '/v1/cdn/play/{roomId}',
        '/v1/cdn/qos',
        '/v1/cdn/pins',
        '/v1/cdn/pins/{scope}/{value}',
        '/v1/cdn/switch',
        '/v1/cdn/audit',
        '/v1/cdn/health',
      ]),
    );
  });
});
