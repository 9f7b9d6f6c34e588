// Play scheduling, health and overrides over real sockets, with a clock the
// test moves: plays through the public route, probes against real HTTP
// servers, QoS reports, pins and their expiry, and the audit log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readJson, userIdentity } from '@bamboo/testing';
import { OPS, startHarness, type Harness } from './support/harness.js';
import { startProbeTarget, type ProbeTarget } from './support/probe-target.js';
import { waitFor } from './support/media.js';

const HOLD_DOWN_MS = 30_000;

describe('CDN scheduling', { timeout: 60_000 }, () => {
  let h: Harness;
  let probeA: ProbeTarget;
  let probeB: ProbeTarget;
  const clock = { t: Date.UTC(2026, 0, 1) };

  const pull = (id: string, provider: string, extra: Record<string, unknown> = {}) => ({
    id,
    provider,
    pullUrlTemplates: {
      flv: `https://${id}.example/live/{room}.flv`,
      hls: `https://${id}.example/live/{room}/index.m3u8`,
    },
    reason: 'setup',
    ...extra,
  });
  const play = async (room: string, user: string, query = '') =>
    h.call(`/v1/cdn/play/${room}${query ? `?${query}` : ''}`, { identity: userIdentity(user) });
  const primary = async (room: string, user: string, query = '') => (await readJson(await play(room, user, query))).urls[0].lineId;
  const lineIdsFor = async (room: string, user: string, query = '') =>
    (await readJson(await play(room, user, query))).urls.map((u: { lineId: string }) => u.lineId);
  const audit = async (query = '') => (await readJson(await h.call(`/v1/cdn/audit?${query}`, { identity: OPS }))).entries;

  beforeAll(async () => {
    probeA = await startProbeTarget();
    probeB = await startProbeTarget();
    h = await startHarness(
      {
        PROBE_INTERVAL_MS: '3600000',
        HEALTH_EVAL_INTERVAL_MS: '3600000',
        PROBE_FAIL_THRESHOLD: '2',
        HEALTH_HOLD_DOWN_MS: String(HOLD_DOWN_MS),
        QOS_MIN_REPORTS: '5',
        CDN_REGIONS: 'cn-east,cn-north',
        CDN_ISPS: 'telecom,unicom',
      },
      (villa) => {
        villa.addRoom('42', 'k42');
        villa.addRoom('43', 'k43');
      },
      { now: () => clock.t },
    );
    for (const body of [
      pull('ali-east', 'aliyun', { regions: ['cn-east'], probeUrl: probeA.url, signKey: 'ali-secret-key' }),
      pull('ten-all', 'tencent', { probeUrl: probeB.url }),
      pull('ws-north', 'wangsu', { regions: ['cn-north'], isps: ['unicom'] }),
      pull('ks-all', 'kingsoft'),
    ]) {
      const res = await h.call('/v1/cdn/lines', { body, identity: OPS });
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.close();
    await probeA?.close();
    await probeB?.close();
  });
  beforeEach(() => {
    probeA.healthy = true;
    probeB.healthy = true;
  });

  it('answers ordered URLs by coverage, with backups from other providers and signed URLs where the line signs', async () => {
    const res = await play('42', 'u1', 'region=cn-east&isp=telecom&protocol=flv');
    expect(res.status).toBe(200);
    const answer = await readJson(res);
    expect(answer.roomId).toBe('42');
    expect(answer.urls).toHaveLength(3); // primary + 2 backups; the room is not live on the origin
    const ids = answer.urls.map((u: { lineId: string }) => u.lineId);
    expect(ids.sort()).toEqual(['ali-east', 'ks-all', 'ten-all']); // ws-north does not cover cn-east
    expect(new Set(answer.urls.map((u: { provider: string }) => u.provider)).size).toBe(3);
    const ali = answer.urls.find((u: { lineId: string }) => u.lineId === 'ali-east');
    expect(ali.url).toMatch(new RegExp(`^https://ali-east\\.example/live/42\\.flv\\?auth_key=${answer.expiresAt}-0-0-[0-9a-f]{32}$`));
    const ten = answer.urls.find((u: { lineId: string }) => u.lineId === 'ten-all');
    expect(ten.url).toBe('https://ten-all.example/live/42.flv');

    const north = await lineIdsFor('42', 'u1', 'region=cn-north&isp=unicom');
    expect(north.sort()).toEqual(['ks-all', 'ten-all', 'ws-north']);
    expect(await lineIdsFor('42', 'u1', 'region=cn-north&isp=telecom')).not.toContain('ws-north');
  });

  it('keeps a user on the same line across plays, and spreads users over lines', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const first = await lineIdsFor('42', `sticky-${i}`, 'region=cn-north&isp=unicom');
      expect(await lineIdsFor('42', `sticky-${i}`, 'region=cn-north&isp=unicom')).toEqual(first);
      seen.add(first[0]);
    }
    expect(seen.size).toBeGreaterThan(1);
    // anonymous viewers stick by their device id
    const anon = async () => readJson(await fetch(`${h.api}/v1/cdn/play/42?device=device-0001&region=cn-east`));
    expect((await anon()).urls).toEqual((await anon()).urls);
  });

  it('refuses unknown rooms (404), unknown region or ISP codes and protocols (400)', async () => {
    expect((await play('nope', 'u1')).status).toBe(404);
    const badRegion = await play('42', 'u1', 'region=mars');
    expect(badRegion.status).toBe(400);
    expect((await readJson(badRegion)).error.message).toContain('query.region');
    expect((await play('42', 'u1', 'isp=pigeon')).status).toBe(400);
    expect((await play('42', 'u1', 'protocol=webrtc')).status).toBe(400);
    expect((await play('bad.room', 'u1')).status).toBe(400);
  });

  it('degrades a line failing its probes at once, and brings it back only after the hold-down', async () => {
    // Users that land on ten-all in cn-north/unicom.
    const users: string[] = [];
    for (let i = 0; users.length < 5 && i < 500; i++) if ((await primary('43', `p-${i}`, 'region=cn-north&isp=unicom')) === 'ten-all') users.push(`p-${i}`);
    expect(users.length).toBe(5);

    probeB.healthy = false;
    await h.trafficcop.health.probeAll();
    expect(await primary('43', users[0]!, 'region=cn-north&isp=unicom')).toBe('ten-all'); // one failure is below the threshold
    clock.t += 5_000;
    await h.trafficcop.health.probeAll();
    for (const user of users) expect(await lineIdsFor('43', user, 'region=cn-north&isp=unicom')).not.toContain('ten-all');

    // the switch is audited with its figures, and room 43's viewers are told
    const degraded = (await audit('lineId=ten-all&action=line.degraded'))[0];
    expect(degraded).toMatchObject({
      actor: { kind: 'system' },
      scope: '*',
      figures: { source: 'probe', consecutiveFailures: 2, lastError: 'HTTP 503', url: probeB.url },
      notifiedRooms: expect.arrayContaining(['43']), // and 42 when earlier tests put viewers there
    });
    const notice = await waitFor('notice', () => h.homer.notices.find((n) => n.roomId === '43' && n.body.fromLine === 'ten-all'));
    expect(notice).toMatchObject({ type: 'system', priority: 'high', body: { kind: 'cdn.switch' } });
    const noticeFlv = (notice.body.urls as { flv: Array<{ lineId: string }> }).flv.map((u) => u.lineId);
    expect(noticeFlv.length).toBeGreaterThan(0);
    expect(noticeFlv).not.toContain('ten-all');
    const metrics = await (await fetch(`${h.api}/metrics`)).text();
    expect(metrics).toMatch(/trafficcop_line_health_changes_total\{line="ten-all",source="probe",status="degraded"[^}]*\} 1\n/);
    expect(metrics).toMatch(/trafficcop_line_degraded\{line="ten-all"[^}]*\} 1\n/);
    expect(metrics).toMatch(/trafficcop_switch_notices_total\{result="sent"[^}]*\} [1-9]/);

    // healthy again, but not for long enough: still out; a flap restarts the hold-down
    probeB.healthy = true;
    clock.t += 5_000;
    await h.trafficcop.health.probeAll();
    clock.t += HOLD_DOWN_MS - 1_000;
    await h.trafficcop.health.probeAll();
    expect(await lineIdsFor('43', users[0]!, 'region=cn-north&isp=unicom')).not.toContain('ten-all');
    probeB.healthy = false;
    clock.t += 1_000;
    await h.trafficcop.health.probeAll();
    probeB.healthy = true;
    clock.t += 1_000;
    await h.trafficcop.health.probeAll();
    clock.t += HOLD_DOWN_MS - 1;
    await h.trafficcop.health.probeAll();
    expect(await lineIdsFor('43', users[0]!, 'region=cn-north&isp=unicom')).not.toContain('ten-all');
    clock.t += 1;
    await h.trafficcop.health.probeAll();
    for (const user of users) expect(await primary('43', user, 'region=cn-north&isp=unicom')).toBe('ten-all');
    expect((await audit('lineId=ten-all&action=line.recovered'))[0]).toMatchObject({ actor: { kind: 'system' }, scope: '*' });
    expect((await audit('lineId=ten-all&action=line.degraded')).length).toBe(1); // no flapping in the log either
  });

  it('degrades a line for one region/ISP on bad client QoS, and ranks good-quality lines first', async () => {
    const report = (lineId: string, extra: Record<string, unknown> = {}) => ({
      roomId: '42',
      lineId,
      region: 'cn-east',
      isp: 'telecom',
      firstFrameMs: 800,
      stallCount: 0,
      stallMs: 0,
      errors: 0,
      watchedMs: 30_000,
      ...extra,
    });
    const send = (body: unknown) => h.call('/v1/cdn/qos', { body, identity: userIdentity('viewer') });
    for (let i = 0; i < 6; i++) expect((await send(report('ks-all', { firstFrameMs: 9_000, stallCount: 3, stallMs: 8_000 }))).status).toBe(202);
    const east = await readJson(await h.call('/v1/cdn/lines/ks-all', { identity: OPS }));
    expect(east.health.status).toBe('partial');
    expect(east.health.tracks.find((t: { scope: string }) => t.scope === 'cn-east/telecom')).toMatchObject({ source: 'qos', status: 'degraded' });
    for (let i = 0; i < 20; i++) expect(await lineIdsFor('42', `q-${i}`, 'region=cn-east&isp=telecom')).not.toContain('ks-all');
    // elsewhere it is still handed out
    const north = new Set<string>();
    for (let i = 0; i < 30; i++) north.add(await primary('42', `q-${i}`, 'region=cn-north&isp=unicom'));
    expect(north.has('ks-all')).toBe(true);

    // good reports make ten-all preferred in cn-north/unicom for everyone
    for (let i = 0; i < 6; i++) await send(report('ten-all', { region: 'cn-north', isp: 'unicom' }));
    for (let i = 0; i < 20; i++) expect(await primary('42', `q-${i}`, 'region=cn-north&isp=unicom')).toBe('ten-all');

    // impossible figures are refused and change nothing
    for (const [bad, field] of [
      [report('ks-all', { firstFrameMs: -1 }), 'firstFrameMs'],
      [report('ks-all', { stallMs: 40_000, stallCount: 1 }), 'stallMs'],
      [report('ks-all', { watchedMs: 3_600_000, stallMs: 61_000, stallCount: 2 }), 'watchedMs'],
      [report('ks-all', { stallCount: 2 }), 'stallCount'],
      [report('ks-all', { region: 'mars' }), 'region'],
    ] as const) {
      const res = await send(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await readJson(res)).error.message).toContain(field);
    }
    expect((await send(report('nope'))).status).toBe(404);
    expect((await send(report('ks-all', { roomId: 'nope' }))).status).toBe(404);

    // the window ages out and the hold-down passes: ks-all is back in cn-east
    clock.t += h.config.QOS_WINDOW_MS + 1;
    h.trafficcop.health.evaluate();
    clock.t += HOLD_DOWN_MS;
    h.trafficcop.health.evaluate();
    const back = new Set<string>();
    for (let i = 0; i < 40; i++) back.add(await primary('42', `q-${i}`, 'region=cn-east&isp=telecom'));
    expect(back.has('ks-all')).toBe(true);
  });

  it('pins a room, a region or an ISP to a line until the pin expires, and audits who did it and why', async () => {
    const pinRoom = await h.call('/v1/cdn/pins/room/42', { method: 'PUT', body: { lineId: 'ws-north', ttlS: 60, reason: 'vip event' }, identity: OPS });
    expect(pinRoom.status).toBe(200);
    for (let i = 0; i < 10; i++) {
      const answer = await readJson(await play('42', `pin-${i}`, 'region=cn-east&isp=telecom'));
      expect(answer.urls[0]).toMatchObject({ lineId: 'ws-north', reason: 'pinned' });
      expect(answer.urls).toHaveLength(3);
    }
    expect(await primary('43', 'pin-0', 'region=cn-east&isp=telecom')).not.toBe('ws-north'); // only room 42

    const region = await h.call('/v1/cdn/pins/region/cn-east', { method: 'PUT', body: { lineId: 'ten-all', ttlS: 120, reason: 'ali outage' }, identity: OPS });
    expect(region.status).toBe(200);
    expect(await primary('43', 'pin-0', 'region=cn-east&isp=telecom')).toBe('ten-all');
    expect(await primary('42', 'pin-0', 'region=cn-east&isp=telecom')).toBe('ws-north'); // the room's pin wins

    // bad pins: unknown line or room (404), disabled line (409), unknown region (400), no reason (400)
    const put = (path: string, body: unknown) => h.call(path, { method: 'PUT', body, identity: OPS });
    expect((await put('/v1/cdn/pins/room/42', { lineId: 'nope', ttlS: 60, reason: 'x' })).status).toBe(404);
    expect((await put('/v1/cdn/pins/room/nope', { lineId: 'ks-all', ttlS: 60, reason: 'x' })).status).toBe(404);
    expect((await put('/v1/cdn/pins/region/mars', { lineId: 'ks-all', ttlS: 60, reason: 'x' })).status).toBe(400);
    expect((await put('/v1/cdn/pins/room/42', { lineId: 'ks-all', ttlS: 60 })).status).toBe(400);
    await put('/v1/cdn/lines/ks-all/state', { state: 'disabled', reason: 'maintenance' });
    const toDisabled = await put('/v1/cdn/pins/isp/telecom', { lineId: 'ks-all', ttlS: 60, reason: 'x' });
    expect(toDisabled.status).toBe(409);
    expect((await readJson(toDisabled)).error.code).toBe('line_not_enabled');
    await put('/v1/cdn/lines/ks-all/state', { state: 'enabled', reason: 'maintenance over' });

    // the room pin expires after 60 s; the region pin is removed by hand
    clock.t += 61_000;
    expect(await primary('42', 'pin-0', 'region=cn-east&isp=telecom')).toBe('ten-all');
    const pins = (await readJson(await h.call('/v1/cdn/pins', { identity: OPS }))).pins;
    expect(pins.map((p: { id: string }) => p.id)).toEqual(['region:cn-east']);
    expect((await h.call('/v1/cdn/pins/region/cn-east', { method: 'DELETE', identity: OPS })).status).toBe(400); // no reason
    expect((await h.call('/v1/cdn/pins/region/cn-east?reason=outage%20over', { method: 'DELETE', identity: OPS })).status).toBe(200);
    expect((await h.call('/v1/cdn/pins/region/cn-east?reason=again', { method: 'DELETE', identity: OPS })).status).toBe(404);
    expect((await readJson(await h.call('/v1/cdn/pins', { identity: OPS }))).pins).toEqual([]);

    const entries = await audit('limit=20');
    const created = entries.find((e: { action: string; scope?: string }) => e.action === 'pin.create' && e.scope === 'room:42');
    expect(created).toMatchObject({ actor: { kind: 'user', id: 'ops-1', via: 'demo-app' }, reason: 'vip event', lineId: 'ws-north', roomId: '42' });
    expect(entries.find((e: { action: string }) => e.action === 'pin.remove')).toMatchObject({ reason: 'outage over', scope: 'region:cn-east' });
    const states = entries.filter((e: { action: string }) => e.action === 'line.state');
    expect(states[0]).toMatchObject({ lineId: 'ks-all', reason: 'maintenance over', before: { state: 'disabled' }, after: { state: 'enabled' } });
    expect(states[1]).toMatchObject({ reason: 'maintenance', before: { state: 'enabled' }, after: { state: 'disabled' } });
    // audit entries never show a sign key
    expect(JSON.stringify(await audit('lineId=ali-east'))).not.toContain('ali-secret-key');
  });

  it('stops handing out a draining or disabled line, changes weight with a reason, and needs cdn:admin for all of it', async () => {
    const put = (path: string, body: unknown, identity = OPS) => h.call(path, { method: 'PUT', body, identity });
    expect((await put('/v1/cdn/lines/ten-all/state', { state: 'draining', reason: 'move traffic' })).status).toBe(200);
    for (let i = 0; i < 20; i++) expect(await lineIdsFor('42', `d-${i}`, 'region=cn-north&isp=unicom')).not.toContain('ten-all');
    await put('/v1/cdn/lines/ten-all/state', { state: 'enabled', reason: 'back' });
    expect((await put('/v1/cdn/lines/ten-all/state', { state: 'disabled' })).status).toBe(400);
    expect((await put('/v1/cdn/lines/nope/state', { state: 'disabled', reason: 'x' })).status).toBe(404);
    const weight = await put('/v1/cdn/lines/ten-all/weight', { weight: 0, reason: 'cost' });
    expect((await readJson(weight)).weight).toBe(0);
    for (let i = 0; i < 20; i++) expect(await primary('43', `w-${i}`, 'region=cn-north&isp=unicom')).not.toBe('ten-all');
    await put('/v1/cdn/lines/ten-all/weight', { weight: 100, reason: 'cost ok' });
    const viewer = userIdentity('viewer-1');
    expect((await put('/v1/cdn/lines/ten-all/state', { state: 'disabled', reason: 'x' }, viewer)).status).toBe(403);
    expect((await h.call('/v1/cdn/audit', { identity: viewer })).status).toBe(403);
    expect((await h.call('/v1/cdn/switch', { body: { lineId: 'ten-all', reason: 'x' }, identity: viewer })).status).toBe(403);
  });
});
