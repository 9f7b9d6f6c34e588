// Scheduling figures, each next to a baseline measured in the same run:
// - decisions/s in process with 50 lines and 1,000 live rooms, next to a
//   function returning a constant answer of the same shape;
// - decisions/s over HTTP (autocannon in its own process), next to a
//   constant-answer route on the same app and server;
// - failover: from a line's probe target starting to fail, the time to the
//   last new play still handed that line and to its room notices, against
//   the target of 2 probe intervals + 1 s.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { createLogger, listen, loadConfig } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { freePort, tempDir } from '@bamboo/testing';
import { configShape } from '../src/config.js';
import { createApp } from '../src/app.js';
import type { NewCdnLine } from '../src/stores/lines.js';
import { INTERNAL_KEY } from '../test/support/harness.js';
import { startFakeHomer } from '../test/support/fake-homer.js';
import { startFakeImage } from '../test/support/fake-image.js';
import { startFakeVilla } from '../test/support/fake-villa.js';
import { startProbeTarget } from '../test/support/probe-target.js';

const LINES = 50;
const ROOMS = 1_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FAILOVER_RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 5);
const PROBE_INTERVAL_MS = 1_000;
const REGIONS = ['cn-north', 'cn-east', 'cn-south', 'cn-west', 'cn-central'];
const PROVIDERS = ['aliyun', 'tencent', 'wangsu', 'baishan', 'kingsoft', 'huawei', 'qiniu', 'upyun'];
const root = fileURLToPath(new URL('..', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function loadgen(url: string, seconds: number): Promise<{ requestsPerSec: number; p99Ms: number; non2xx: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/loadgen.ts', url, String(ROOMS), String(seconds), String(CONNECTIONS), REGIONS.join(',')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`loadgen exited ${code}`))));
  });
}

test('scheduling throughput and failover', async () => {
  const villa = await startFakeVilla(INTERNAL_KEY);
  for (let i = 0; i < ROOMS; i++) villa.addRoom(`room-${i}`, `key-${i}`);
  const image = await startFakeImage(INTERNAL_KEY);
  const homer = await startFakeHomer(INTERNAL_KEY);
  const probe = await startProbeTarget();
  const dataDir = await tempDir('trafficcop-bench');
  const config = loadConfig(configShape, {
    BAMBOO_INTERNAL_KEY: INTERNAL_KEY,
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    MEDIA_HOST: '127.0.0.1',
    RTMP_PORT: String(await freePort()),
    HTTP_FLV_PORT: String(await freePort()),
    VILLA_URL: villa.url,
    IMAGE_URL: image.url,
    HOMER_URL: homer.url,
    PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS),
    PROBE_TIMEOUT_MS: '500',
    PROBE_FAIL_THRESHOLD: '2',
    HEALTH_HOLD_DOWN_MS: '1000',
    ROOM_CACHE_MS: '600000',
  });
  const engines = await openEngines(config, 'trafficcop');
  const { app, trafficcop: tc } = createApp({ config, logger: createLogger('trafficcop', 'silent'), engines });
  const ops = { kind: 'user', id: 'bench' } as const;
  const lineIds: string[] = [];
  const constant = {
    roomId: 'room-1',
    protocol: 'flv',
    urls: [0, 1, 2].map((i) => ({ lineId: `line-${i}`, provider: PROVIDERS[i], url: `https://line-${i}.example/live/room-1.flv`, reason: 'weighted' })),
    expiresAt: 0,
  };
  app.get('/bench/constant', (c) => c.json(constant, 200));
  await tc.start();
  const server = await listen('trafficcop', app.fetch, { port: 0, host: '127.0.0.1' });
  const api = `http://127.0.0.1:${server.port}`;
  try {
    for (let i = 0; i < LINES; i++) {
      const id = `line-${i}`;
      lineIds.push(id);
      const line: NewCdnLine = {
        id,
        provider: PROVIDERS[i % PROVIDERS.length]!,
        kind: i < 10 ? 'both' : 'pull',
        ...(i < 10 ? { pushUrlTemplate: `rtmp://push.${id}.example/live/{room}` } : {}),
        pullUrlTemplates: { flv: `https://${id}.example/live/{room}.flv`, hls: `https://${id}.example/live/{room}.m3u8` },
        regions: i % 5 === 0 ? ['*'] : [REGIONS[i % REGIONS.length]!],
        isps: ['*'],
        weight: 50 + (i % 4) * 50,
        capacity: 0,
        state: 'enabled',
        ...(i === 0 ? { probeUrl: probe.url } : {}),
        ...(i % 3 === 0 ? { signKey: `sign-key-${i}` } : {}),
      };
      await tc.ops.createLine(ops, line, 'bench');
    }
    // 1,000 live rooms, each relayed to the 10 push lines: the relays report up.
    tc.relays.isUp = (lineId: string) => lineIds.indexOf(lineId) < 10;

    // --- in process ---
    const N = 200_000;
    const requests = Array.from({ length: N }, (_, i) => ({
      roomId: `room-${i % ROOMS}`,
      protocol: 'flv' as const,
      region: REGIONS[i % REGIONS.length]!,
      viewerKey: `d:device-${i}`,
    }));
    const constantAnswer = () => constant;
    let sink = 0;
    const timeLoop = (f: (i: number) => { urls: unknown[] }) => {
      const started = performance.now();
      for (let i = 0; i < N; i++) sink += f(i).urls.length;
      return N / ((performance.now() - started) / 1000);
    };
    timeLoop((i) => tc.scheduler.play(requests[i]!)); // warm-up
    const inProcess: number[] = [];
    const inBaseline: number[] = [];
    for (let round = 0; round < 3; round++) {
      inBaseline.push(timeLoop(() => constantAnswer()));
      inProcess.push(timeLoop((i) => tc.scheduler.play(requests[i]!)));
    }
    expect(sink).toBeGreaterThan(0);
    const r = (x: number) => Math.round(x).toLocaleString('en');
    console.log(`lines: ${LINES}, live rooms: ${ROOMS}, HTTP: ${CONNECTIONS} connections × ${SECONDS} s (autocannon in its own process)`);
    console.log(`in process, baseline constant answer: ${r(median(inBaseline))} /s`);
    console.log(`in process, scheduling decisions:     ${r(median(inProcess))} /s  (${(1e6 / median(inProcess)).toFixed(2)} µs each)`);

    // --- over HTTP ---
    await loadgen(`${api}/v1/cdn/play/{room}`, 2); // warms the room cache and the JIT
    const overBaseline = await loadgen(`${api}/bench/constant`, SECONDS);
    const overHttp = await loadgen(`${api}/v1/cdn/play/{room}`, SECONDS);
    expect(overHttp.non2xx + overHttp.errors).toBe(0);
    console.log(`HTTP, baseline constant-answer route: ${r(overBaseline.requestsPerSec)} req/s  p99 ${overBaseline.p99Ms} ms`);
    console.log(`HTTP, GET /v1/cdn/play/{room}:        ${r(overHttp.requestsPerSec)} req/s  p99 ${overHttp.p99Ms} ms  ratio ${(overHttp.requestsPerSec / overBaseline.requestsPerSec).toFixed(2)}x`);

    // --- failover ---
    homer.notices.length = 0;
    const lastPlay: number[] = [];
    const firstNotice: number[] = [];
    const lastNotice: number[] = [];
    const roomsTold: number[] = [];
    for (let run = 0; run < FAILOVER_RUNS; run++) {
      await until(() => !tc.health.degraded('line-0'), 30_000);
      tc.viewers.sweep(Date.now() + 10 * 60_000);
      // viewers on line-0 in some rooms, then a stream of new plays while it fails
      let t0 = 0;
      let last = 0;
      let stop = false;
      const player = (async () => {
        for (let i = 0; !stop; i++) {
          const res = await fetch(`${api}/v1/cdn/play/room-${i % ROOMS}?region=cn-north&device=failover-${run}-${i}`);
          if (!res.ok) throw new Error(`play answered ${res.status}: ${await res.text()}`);
          const answer = (await res.json()) as { urls: Array<{ lineId: string }> };
          if (answer.urls[0]?.lineId === 'line-0' && t0 > 0) last = performance.now();
        }
      })();
      await new Promise((r) => setTimeout(r, 1_500));
      const before = homer.notices.length;
      t0 = performance.now();
      probe.healthy = false;
      const noticeTimes: number[] = [];
      const watch = setInterval(() => {
        while (noticeTimes.length < homer.notices.length - before) noticeTimes.push(performance.now());
      }, 5);
      await until(() => tc.health.degraded('line-0'), 10_000);
      await new Promise((r) => setTimeout(r, 1_500));
      stop = true;
      await player;
      clearInterval(watch);
      probe.healthy = true;
      lastPlay.push((last || t0) - t0);
      firstNotice.push(noticeTimes[0]! - t0);
      lastNotice.push(noticeTimes[noticeTimes.length - 1]! - t0);
      roomsTold.push(noticeTimes.length);
    }

    console.log(`failover (probe interval ${PROBE_INTERVAL_MS} ms, threshold 2; target ≤ ${2 * PROBE_INTERVAL_MS + 1000} ms), ${FAILOVER_RUNS} runs:`);
    console.log(`  line fails → last new play handed it: median ${r(median(lastPlay))} ms, max ${r(Math.max(...lastPlay))} ms`);
    console.log(`  line fails → first room notice sent:  median ${r(median(firstNotice))} ms, max ${r(Math.max(...firstNotice))} ms`);
    console.log(`  line fails → last room notice sent:   median ${r(median(lastNotice))} ms, max ${r(Math.max(...lastNotice))} ms  (rooms told per run: ${roomsTold.join(', ')})`);
  } finally {
    await tc.stop();
    await server.close(1000);
    await engines.close();
    await Promise.all([villa.close(), image.close(), homer.close(), probe.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
});

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
