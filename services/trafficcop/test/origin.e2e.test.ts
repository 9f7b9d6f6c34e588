// End to end over real sockets and real RTMP: ffmpeg publishes a generated
// test pattern to trafficcop's origin; villa and image are small fakes of
// their internal contracts; a CDN push line is a second node-media-server.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, readJson, tempDir } from '@bamboo/testing';
import { OPS, startHarness, type Harness } from './support/harness.js';
import { childrenNamed, probeCodec, publishTestPattern, startCdnLine, waitFor, type CdnLineProcess } from './support/media.js';

describe('trafficcop origin (real RTMP)', () => {
  let h: Harness;
  let cdn: CdnLineProcess;
  let cdnDir: string;

  beforeAll(async () => {
    cdnDir = await tempDir('cdn-line');
    cdn = await startCdnLine(await freePort(), cdnDir);
    h = await startHarness({}, (villa) => {
      villa.addRoom('r1', 'key-r1');
      villa.addRoom('r2', 'key-r2');
      // Left live by a previous trafficcop run that died: reconciliation must clear it.
      villa.addRoom('ghost', 'key-ghost', { live: true, sessionId: '000000001-dead', startedAt: 1, lastAt: 1 });
    });
    const res = await h.call('/v1/cdn/lines', {
      body: { id: 'cdn-a', provider: 'test', pushUrlTemplate: `rtmp://127.0.0.1:${cdn.port}/live/{room}` },
      identity: OPS,
    });
    expect(res.status).toBe(201);
  });

  afterAll(async () => {
    await h?.close();
    await cdn?.stop();
    if (cdnDir) await rm(cdnDir, { recursive: true, force: true });
  });

  it('reconciles villa on start: a room live without a stream here goes offline', async () => {
    await waitFor('ghost offline', () => h.villa.rooms.get('ghost')?.live === false);
    expect(h.villa.liveCalls).toContainEqual(expect.objectContaining({ roomId: 'ghost', sessionId: '000000001-dead', live: false, applied: true }));
  });

  it('a good key goes live, relays to the CDN line, plays over HTTP-FLV, gets a thumbnail, and ends cleanly', { timeout: 60_000 }, async () => {
    const publisher = publishTestPattern(h.publishUrl('r1', 'key-r1'));
    try {
      const room = h.villa.rooms.get('r1')!;
      await waitFor('r1 live in villa', () => room.live);
      expect(room.sessionId).toMatch(/^[0-9a-z]{9}-[0-9a-f]+$/);

      // relay state visible through the API, and the CDN line really has the stream
      await waitFor('relay up', async () => {
        const body = await readJson(await h.call('/v1/cdn/streams/r1', { identity: OPS }));
        return body.relays?.[0]?.state === 'up';
      });
      expect(await probeCodec(`rtmp://127.0.0.1:${cdn.port}/live/r1`)).toBe('h264');
      const lines = await readJson(await h.call('/v1/cdn/lines', { identity: OPS }));
      expect(lines.lines[0].relays).toEqual({ connecting: 0, up: 1, retrying: 0 });

      // HTTP-FLV from the origin with a signed URL; unsigned is refused (play auth on)
      const play = await readJson(await h.call('/v1/cdn/rooms/r1/origin', { identity: { ...OPS, scopes: [] } }));
      const flv = await fetch(play.flv);
      const reader = flv.body!.getReader();
      const first = await reader.read();
      await reader.cancel();
      expect(Buffer.from(first.value!).subarray(0, 3).toString()).toBe('FLV');
      expect(await probeCodec(play.rtmp)).toBe('h264');
      expect(await probeCodec(play.flv.split('?')[0])).toBeUndefined();

      // thumbnail: a JPEG uploaded to image and set on the room
      await waitFor('thumbnail on room', () => room.thumbnailImageId);
      const upload = h.image.uploads.find((u) => u.id === room.thumbnailImageId)!;
      expect(upload).toMatchObject({ kind: 'thumbnail', roomId: 'r1', contentType: 'image/jpeg' });
      expect(upload.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

      const metrics = await (await fetch(`${h.api}/metrics`)).text();
      expect(metrics).toMatch(/trafficcop_publishers\{[^}]*\} 1/);
      expect(metrics).toMatch(/trafficcop_relays\{[^}]*line="cdn-a"[^}]*state="up"[^}]*\} 1/);
      expect(metrics).toMatch(/trafficcop_stream_bytes_in\{[^}]*stream="\/live\/r1"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/trafficcop_thumbnails_total\{[^}]*result="ok"[^}]*\} 1/);
    } finally {
      await publisher.stop();
    }
    const room = h.villa.rooms.get('r1')!;
    await waitFor('r1 offline in villa', () => !room.live);
    const calls = h.villa.liveCalls.filter((c) => c.roomId === 'r1');
    expect(calls.map((c) => [c.live, c.applied])).toEqual([[true, true], [false, true]]);
    expect(calls[1]!.sessionId).toBe(calls[0]!.sessionId);
    expect((await h.call('/v1/cdn/streams/r1', { identity: OPS })).status).toBe(404);
    expect(h.trafficcop.relays.status()).toEqual([]);
    await waitFor('stream gone from the CDN line', async () => (await probeCodec(`rtmp://127.0.0.1:${cdn.port}/live/r1`, 2)) === undefined);
    // no thumbnail ffmpeg outlives its stream
    expect(await childrenNamed('ffmpeg')).toEqual([]);
  });

  it('a wrong, missing or closed-room key is refused at the RTMP level: never live, nothing relayed', { timeout: 60_000 }, async () => {
    h.villa.addRoom('r3', 'key-r3', { closed: true });
    const liveCallsBefore = h.villa.liveCalls.length;
    for (const [room, key, reason] of [
      ['r1', 'wrong-key', 'unknown_key'],
      ['r1', 'key-r2', 'room_mismatch'],
      ['r1', undefined, 'missing_key'],
      ['r3', 'key-r3', 'room_closed'],
    ] as const) {
      const publisher = publishTestPattern(h.publishUrl(room, key));
      const code = await publisher.exited;
      expect(code, `${room}/${reason}`).not.toBe(0);
      expect(h.trafficcop.registry.get(room)).toBeUndefined();
      const metrics = await (await fetch(`${h.api}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`trafficcop_publish_refusals_total\\{[^}]*reason="${reason}"[^}]*\\} 1`));
    }
    expect(h.villa.liveCalls.slice(liveCallsBefore)).toEqual([]);
    expect(h.villa.rooms.get('r1')?.live).toBe(false);
    expect(h.trafficcop.relays.status()).toEqual([]);
    expect(await probeCodec(`rtmp://127.0.0.1:${cdn.port}/live/r1`, 2)).toBeUndefined();
  });

  it('refuses a second publisher to a live room; the first keeps its session', { timeout: 60_000 }, async () => {
    const first = publishTestPattern(h.publishUrl('r2', 'key-r2'));
    try {
      await waitFor('r2 live', () => h.villa.rooms.get('r2')?.live);
      const sessionId = h.villa.rooms.get('r2')!.sessionId;
      const second = publishTestPattern(h.publishUrl('r2', 'key-r2'));
      expect(await second.exited).not.toBe(0);
      expect(first.child.exitCode).toBeNull();
      expect(h.villa.rooms.get('r2')).toMatchObject({ live: true, sessionId });
      expect(h.trafficcop.registry.get('r2')?.sessionId).toBe(sessionId);
    } finally {
      await first.stop();
    }
    await waitFor('r2 offline', () => h.villa.rooms.get('r2')?.live === false);
  });

  it('a push line that goes down is retried with backoff and recovers; the origin stream is unaffected', { timeout: 60_000 }, async () => {
    const publisher = publishTestPattern(h.publishUrl('r2', 'key-r2'));
    try {
      await waitFor('relay up', () => h.trafficcop.relays.status().find((r) => r.roomId === 'r2' && r.state === 'up'));
      await cdn.stop();
      const failing = await waitFor('relay retrying', async () => {
        const body = await readJson(await h.call('/v1/cdn/streams/r2', { identity: OPS }));
        return body.relays?.find((r: { state: string; failures: number }) => r.state === 'retrying' && r.failures >= 2);
      });
      expect(failing.lineId).toBe('cdn-a');
      expect(h.villa.rooms.get('r2')?.live).toBe(true);
      const play = await readJson(await h.call('/v1/cdn/rooms/r2/origin', { identity: { ...OPS, scopes: [] } }));
      expect(await probeCodec(play.flv)).toBe('h264');

      cdn = await startCdnLine(cdn.port, cdnDir);
      await waitFor('relay up again', () => h.trafficcop.relays.status().find((r) => r.roomId === 'r2' && r.state === 'up'));
      expect(await probeCodec(`rtmp://127.0.0.1:${cdn.port}/live/r2`)).toBe('h264');
      expect(h.trafficcop.relays.status().find((r) => r.roomId === 'r2')?.failures).toBe(0);

      // draining keeps the relay (viewers finish); disabling stops it; enabling starts it again
      const state = (s: string) => ({ method: 'PUT', body: { state: s, reason: 'test' }, identity: OPS });
      const drained = await h.call('/v1/cdn/lines/cdn-a/state', state('draining'));
      expect(await readJson(drained)).toMatchObject({ state: 'draining', relays: { up: 1 } });
      const off = await h.call('/v1/cdn/lines/cdn-a/state', state('disabled'));
      expect(await readJson(off)).toMatchObject({ state: 'disabled', relays: { connecting: 0, up: 0, retrying: 0 } });
      expect(h.trafficcop.relays.status()).toEqual([]);
      await waitFor('stream gone from the disabled line', async () => (await probeCodec(`rtmp://127.0.0.1:${cdn.port}/live/r2`, 2)) === undefined);
      await h.call('/v1/cdn/lines/cdn-a/state', state('enabled'));
      await waitFor('relay up after enabling', () => h.trafficcop.relays.status().find((r) => r.roomId === 'r2' && r.state === 'up'));
    } finally {
      await publisher.stop();
    }
    await waitFor('r2 offline', () => h.villa.rooms.get('r2')?.live === false);
    expect(h.trafficcop.relays.status()).toEqual([]);
  });

  it('a CDN line that refuses the push shows as retrying while the other lines carry on', { timeout: 60_000 }, async () => {
    const refusingDir = await tempDir('cdn-refusing');
    // publishing to it needs node-media-server's signed URLs, which the relay does not have
    const refusing = await startCdnLine(await freePort(), refusingDir, 'cdn-secret');
    const publisher = publishTestPattern(h.publishUrl('r2', 'key-r2'));
    try {
      const created = await h.call('/v1/cdn/lines', {
        body: { id: 'cdn-refusing', provider: 'test', pushUrlTemplate: `rtmp://127.0.0.1:${refusing.port}/live/{room}` },
        identity: OPS,
      });
      expect(created.status).toBe(201);
      await waitFor('good line up, refusing line retrying', () => {
        const relays = h.trafficcop.relays.status();
        const good = relays.find((r) => r.lineId === 'cdn-a');
        const bad = relays.find((r) => r.lineId === 'cdn-refusing');
        return good?.state === 'up' && bad?.state === 'retrying' && bad.failures >= 2;
      });
      const line = await readJson(await h.call('/v1/cdn/lines/cdn-refusing', { identity: OPS }));
      expect(line.relays).toEqual({ connecting: 0, up: 0, retrying: 1 });
      const metrics = await (await fetch(`${h.api}/metrics`)).text();
      expect(metrics).toMatch(/trafficcop_relay_restarts_total\{[^}]*line="cdn-refusing"[^}]*\} [2-9]/);
      expect(await probeCodec(`rtmp://127.0.0.1:${cdn.port}/live/r2`)).toBe('h264');
      expect(h.villa.rooms.get('r2')?.live).toBe(true);

      expect((await h.call('/v1/cdn/lines/cdn-refusing?reason=test', { method: 'DELETE', identity: OPS })).status).toBe(204);
      expect(h.trafficcop.relays.status().map((r) => r.lineId)).toEqual(['cdn-a']);
    } finally {
      await publisher.stop();
      await refusing.stop();
      await rm(refusingDir, { recursive: true, force: true });
    }
    await waitFor('r2 offline', () => h.villa.rooms.get('r2')?.live === false);
  });
});
