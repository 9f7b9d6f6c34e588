// Bad input and faults on the RTMP port: garbage, port scans, illegal names,
// publishers that vanish (with and without coming back within the grace
// window). The process survives, sessions are closed, villa stays right.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { publishTestPattern, waitFor } from './support/media.js';

/** Sends `bytes` to the RTMP port and resolves when the server has closed the connection (or 5 s passed). */
function sendRaw(port: number, bytes: Buffer): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('open');
    }, 5000);
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

describe('RTMP faults', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ PUBLISH_GRACE_MS: '3000', RTMP_IDLE_TIMEOUT_MS: '1000' }, (villa) => {
      villa.addRoom('f1', 'key-f1');
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('survives garbage, a bad handshake and a port scan, and still serves', { timeout: 60_000 }, async () => {
    const port = h.config.RTMP_PORT;
    // not RTMP at all, a valid C0+C1 then garbage chunks, random bytes:
    // every connection is closed by the server (at the latest as idle)
    const handshake = Buffer.concat([Buffer.from([3]), randomBytes(1536), randomBytes(1536), randomBytes(4096)]);
    const inputs = [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), handshake];
    for (let i = 0; i < 20; i++) inputs.push(randomBytes(1 + ((i * 997) % 6000)));
    expect(await Promise.all(inputs.map((bytes) => sendRaw(port, bytes)))).toEqual(inputs.map(() => 'closed'));
    // a port scan: connect and hang up at once
    await Promise.all(
      Array.from({ length: 50 }, () => new Promise<void>((resolve) => {
        const s = createConnection({ port, host: '127.0.0.1' }, () => s.destroy());
        s.on('error', () => {});
        s.once('close', () => resolve());
      })),
    );
    expect((await fetch(`${h.api}/healthz`)).status).toBe(200);
    expect(h.trafficcop.registry.list()).toEqual([]);

    // and a real publish still works
    const publisher = publishTestPattern(h.publishUrl('f1', 'key-f1'));
    try {
      await waitFor('f1 live', () => h.villa.rooms.get('f1')?.live);
    } finally {
      await publisher.stop();
    }
    await waitFor('f1 offline', () => h.villa.rooms.get('f1')?.live === false);
  });

  it('closes a publish to an illegal stream name or another app', { timeout: 30_000 }, async () => {
    for (const url of [
      `rtmp://127.0.0.1:${h.config.RTMP_PORT}/live/bad.name?key=key-f1`,
      `rtmp://127.0.0.1:${h.config.RTMP_PORT}/other/f1?key=key-f1`,
    ]) {
      const publisher = publishTestPattern(url);
      expect(await publisher.exited, url).not.toBe(0);
    }
    expect(h.villa.rooms.get('f1')?.live).toBe(false);
    expect(h.trafficcop.registry.list()).toEqual([]);
  });

  it('a publisher that reconnects within the grace window keeps its live session; one that does not goes offline', { timeout: 60_000 }, async () => {
    const callsBefore = h.villa.liveCalls.length;
    const first = publishTestPattern(h.publishUrl('f1', 'key-f1'));
    await waitFor('f1 live', () => h.villa.rooms.get('f1')?.live);
    const sessionId = h.villa.rooms.get('f1')!.sessionId;
    await first.stop('SIGKILL'); // abrupt: no RTMP close

    const again = publishTestPattern(h.publishUrl('f1', 'key-f1'));
    try {
      await waitFor('the publish resumed', () => {
        const stream = h.trafficcop.registry.get('f1');
        return stream && stream.publisherId !== undefined && h.trafficcop.origin.sessions().some((s) => s.id === stream.publisherId && s.isPublisher);
      });
      expect(h.trafficcop.registry.get('f1')?.sessionId).toBe(sessionId);
      expect(h.villa.rooms.get('f1')).toMatchObject({ live: true, sessionId });
    } finally {
      await again.stop('SIGKILL');
    }
    await waitFor('f1 offline after the grace window', () => h.villa.rooms.get('f1')?.live === false);
    const calls = h.villa.liveCalls.slice(callsBefore);
    expect(calls.map((c) => [c.sessionId, c.live])).toEqual([[sessionId, true], [sessionId, false]]);
  });
});

describe('villa unreachable', () => {
  it('refuses every publish (fail closed) and the process carries on', { timeout: 30_000 }, async () => {
    const h = await startHarness({}, (villa) => villa.addRoom('v1', 'key-v1'));
    try {
      await h.villa.close();
      const publisher = publishTestPattern(h.publishUrl('v1', 'key-v1'));
      expect(await publisher.exited).not.toBe(0);
      expect(h.trafficcop.registry.list()).toEqual([]);
      const metrics = await (await fetch(`${h.api}/metrics`)).text();
      expect(metrics).toMatch(/trafficcop_publish_refusals_total\{[^}]*reason="verify_failed"[^}]*\} 1/);
    } finally {
      await h.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('marks live rooms offline in villa and cuts publishers', { timeout: 30_000 }, async () => {
    const h = await startHarness({ THUMBNAIL_FIRST_DELAY_MS: '60000' }, (villa) => villa.addRoom('g1', 'key-g1'));
    const publisher = publishTestPattern(h.publishUrl('g1', 'key-g1'));
    try {
      await waitFor('g1 live', () => h.villa.rooms.get('g1')?.live);
      const sessionId = h.villa.rooms.get('g1')!.sessionId;
      await h.trafficcop.stop();
      expect(h.villa.rooms.get('g1')).toMatchObject({ live: false, sessionId });
      expect(await publisher.exited).not.toBe(0);
      expect(h.trafficcop.relays.status()).toEqual([]);
      expect((await fetch(`${h.api}/readyz`)).status).toBe(503);
    } finally {
      await publisher.stop('SIGKILL');
      await h.close();
    }
  });
});
