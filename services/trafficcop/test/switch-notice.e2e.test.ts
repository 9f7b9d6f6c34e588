// A line failing its probes makes trafficcop tell the rooms watching it to
// switch: the notice goes through a real homer (its built service in a
// child process) and reaches a real homer client joined to the room, with a
// URL list that leaves the bad line out. An ops switch does the same.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, readJson, tempDir, userIdentity } from '@bamboo/testing';
import { DanmakuClient } from '@bamboo/homer/dist/client/client.js';
import { INTERNAL_KEY, OPS, startHarness, type Harness } from './support/harness.js';
import { startFakeVilla, type FakeVilla } from './support/fake-villa.js';
import { startProbeTarget, type ProbeTarget } from './support/probe-target.js';
import { waitFor } from './support/media.js';

const homerMain = join(dirname(createRequire(import.meta.url).resolve('@bamboo/homer/package.json')), 'dist/main.js');

interface Message {
  room: string;
  type: string;
  priority: string;
  body: { kind?: string; fromLine?: string; reason?: string; urls?: { flv?: Array<{ lineId: string; url: string }> } };
}

describe('switch notices through homer', () => {
  let homer: ChildProcess | undefined;
  let homerUrl: string;
  let homerVilla: FakeVilla;
  let homerDir: string;
  let h: Harness;
  let probe: ProbeTarget;
  let client: DanmakuClient | undefined;
  const messages: Message[] = [];
  const clock = { t: Date.now() };

  beforeAll(async () => {
    homerVilla = await startFakeVilla(INTERNAL_KEY);
    homerVilla.addRoom('77', 'k77');
    homerDir = await tempDir('trafficcop-homer');
    const port = await freePort();
    homerUrl = `http://127.0.0.1:${port}`;
    homer = spawn(process.execPath, [homerMain], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        HOMER_TCP_PORT: String(await freePort()),
        BAMBOO_INTERNAL_KEY: INTERNAL_KEY,
        VILLA_URL: homerVilla.url,
        HOMER_PRESENCE_REPORT: 'false',
        DATA_DIR: homerDir,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor('homer ready', async () => (await fetch(`${homerUrl}/readyz`).catch(() => undefined))?.ok, 30_000);

    probe = await startProbeTarget();
    h = await startHarness(
      { HOMER_URL: homerUrl, PROBE_INTERVAL_MS: '3600000', PROBE_FAIL_THRESHOLD: '1', HEALTH_EVAL_INTERVAL_MS: '3600000' },
      (villa) => villa.addRoom('77', 'k77'),
      { now: () => clock.t },
    );
    for (const [id, provider, extra] of [
      ['cdn-p', 'aliyun', { probeUrl: probe.url, weight: 10_000 }],
      ['cdn-q', 'tencent', { weight: 1 }],
    ] as const) {
      const res = await h.call('/v1/cdn/lines', {
        body: { id, provider, pullUrlTemplates: { flv: `https://${id}.example/live/{room}.flv` }, ...extra },
        identity: OPS,
      });
      expect(res.status).toBe(201);
    }

    const ticket = await readJson(
      await fetch(`${homerUrl}/v1/danmaku/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"room":"77"}' }),
    );
    client = await DanmakuClient.ws(`ws://127.0.0.1:${port}/sub`, {
      ticket: ticket.ticket,
      heartbeat: false,
      onMessage: (m) => messages.push(m as unknown as Message),
    });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await h?.close();
    await probe?.close();
    if (homer && homer.exitCode === null) {
      homer.kill('SIGTERM');
      await new Promise((resolve) => homer!.once('exit', resolve));
    }
    await homerVilla?.close();
    if (homerDir) await rm(homerDir, { recursive: true, force: true });
  });

  it('tells the room to leave a line that fails its probes, with URLs that leave it out', async () => {
    const watching = await readJson(await h.call('/v1/cdn/play/77?protocol=flv', { identity: userIdentity('viewer-1') }));
    expect(watching.urls[0].lineId).toBe('cdn-p');

    probe.healthy = false;
    await h.trafficcop.health.probeAll();
    const notice = await waitFor('the switch notice at the homer client', () =>
      messages.find((m) => m.body.kind === 'cdn.switch' && m.body.fromLine === 'cdn-p'),
    );
    expect(notice).toMatchObject({ room: '77', type: 'system', priority: 'high' });
    expect(notice.body.reason).toContain('failed probe');
    const lines = notice.body.urls!.flv!.map((u) => u.lineId);
    expect(lines).toEqual(['cdn-q']);
    expect(notice.body.urls!.flv![0]!.url).toBe('https://cdn-q.example/live/77.flv');
  });

  it('an ops switch of the room reaches the client too, and is audited', async () => {
    const before = messages.length;
    const res = await h.call('/v1/cdn/switch', { body: { roomId: '77', reason: 'rebalance' }, identity: OPS });
    expect(res.status).toBe(200);
    const { auditId, rooms } = await readJson(res);
    expect(rooms).toEqual(['77']);
    const notice = await waitFor('the ops notice', () => messages.slice(before).find((m) => m.body.kind === 'cdn.switch'));
    expect(notice.body.reason).toBe('rebalance');
    const entries = (await readJson(await h.call('/v1/cdn/audit?action=switch', { identity: OPS }))).entries;
    expect(entries[0]).toMatchObject({ id: auditId, actor: { kind: 'user', id: 'ops-1' }, reason: 'rebalance', roomId: '77', notifiedRooms: ['77'] });
    expect((await h.call('/v1/cdn/switch', { body: { roomId: 'nope', reason: 'x' }, identity: OPS })).status).toBe(404);
    expect((await h.call('/v1/cdn/switch', { body: { reason: 'x' }, identity: OPS })).status).toBe(400);
  });
});
