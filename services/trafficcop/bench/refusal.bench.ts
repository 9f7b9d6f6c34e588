// How fast a bad stream key is refused at the RTMP level, next to a baseline
// measured in the same run: node-media-server refusing a bad signed URL on
// its own (a synchronous check, no network call). Both are timed from the
// ffmpeg publisher's start to its exit, so ffmpeg's own start-up is in both
// and the difference is what villa's check costs. Also: a good key's time
// to "live in villa".
import { rm } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { freePort, tempDir } from '@bamboo/testing';
import { startHarness } from '../test/support/harness.js';
import { publishTestPattern, startCdnLine, waitFor } from '../test/support/media.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeToExit(url: string): Promise<number> {
  const started = performance.now();
  const publisher = publishTestPattern(url);
  const code = await publisher.exited;
  expect(code, `publish to ${url} was refused`).not.toBe(0);
  return performance.now() - started;
}

test('refusal latency', async () => {
  const h = await startHarness({}, (villa) => villa.addRoom('bench', 'key-bench'));
  const dir = await tempDir('bench-baseline');
  const baseline = await startCdnLine(await freePort(), dir, 'baseline-secret');
  try {
    const ours: number[] = [];
    const theirs: number[] = [];
    const live: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await timeToExit(h.publishUrl('bench', 'wrong-key')));
      theirs.push(await timeToExit(`rtmp://127.0.0.1:${baseline.port}/live/bench?sign=1-bad`));
      const started = performance.now();
      const publisher = publishTestPattern(h.publishUrl('bench', 'key-bench'));
      await waitFor('live', () => h.villa.rooms.get('bench')?.live);
      live.push(performance.now() - started);
      await publisher.stop();
      await waitFor('offline', () => h.villa.rooms.get('bench')?.live === false);
    }
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`runs: ${RUNS} (median, publisher start → publisher exit)`);
    console.log(`bad key refused by trafficcop (villa check):   ${ms(median(ours))}`);
    console.log(`baseline: bad signed URL refused by NMS alone: ${ms(median(theirs))}`);
    console.log(`difference (villa round trip + cut):          ${ms(median(ours) - median(theirs))}  ratio ${(median(ours) / median(theirs)).toFixed(2)}x`);
    console.log(`good key: publisher start → live in villa:     ${ms(median(live))}`);
  } finally {
    await baseline.stop();
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
