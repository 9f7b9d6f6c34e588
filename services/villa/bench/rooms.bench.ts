// villa's figures on the Redis engine (DESIGN §7): hot-field updates per
// second, and first-page latency of a category list sorted by popularity,
// each next to a baseline measured in the same run — a bare Redis ZREVRANGE
// of the same page, and a constant-answer route over the same HTTP stack.
// Target (issue 2): p99(list) ≤ 3 × p99(ZREVRANGE) + p99(constant route).
//
//   npm run bench -w services/villa      (REDIS_URL, default redis://127.0.0.1:6379)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createLogger, createRoute, createServiceApp, listen, loadConfig, z } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { createApp } from '../src/app.js';
import { configShape } from '../src/config.js';
import type { Room } from '../src/stores/rooms.js';
import { setKey } from '../src/stores/hot-rooms.js';
import { openVilla } from '../src/villa.js';
import { cardOf } from '../src/rooms/view.js';
import { listRooms } from '../src/rooms/lists.js';

const ROOMS = Number(process.env.BENCH_ROOMS ?? 100_000);
const LIVE = Number(process.env.BENCH_LIVE ?? 10_000);
const CATEGORIES = Number(process.env.BENCH_CATEGORIES ?? 20);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3_000);
const UPDATE_SECONDS = Number(process.env.BENCH_UPDATE_SECONDS ?? 3);
const CONCURRENCY = 32;
const PAGE = 20;
const KEY = 'villa-bench-internal-key-0123456789';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const dir = await mkdtemp(join(tmpdir(), 'villa-bench-'));
const prefix = `bench:villa:${randomBytes(4).toString('hex')}:`;
const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: KEY, LOG_LEVEL: 'silent', DATA_DIR: dir, REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
const engines = await openEngines(config, 'villa');
const villa = await openVilla(config, engines);
const bare = new Redis(redisUrl, { keyPrefix: `${prefix}villa:` });

try {
  console.log(`villa bench: ${ROOMS} rooms, ${LIVE} live, ${CATEGORIES} categories, Redis ${redisUrl}`);
  const categories = await seed();
  const server = await listen('villa', createApp({ config, logger: createLogger('villa', 'silent'), engines, villa }).fetch, { port: 0, host: '127.0.0.1' });
  const constant = await constantServer();
  const url = `http://127.0.0.1:${server.port}`;

  // Hot-field updates: viewer counts of random live rooms, straight into the hot store, CONCURRENCY in flight.
  const updates = await forSeconds(UPDATE_SECONDS, () => villa.hot.setViewers(`r${rand(LIVE)}`, rand(100_000), Date.now()));
  const bareIncr = await forSeconds(UPDATE_SECONDS, () => bare.hincrby(`room:r${rand(LIVE)}`, 'bench', 1));
  console.log(`hot-field updates: ${fmt(updates)}/s (Lua: fields, popularity, every index set, dirty mark) — baseline bare HINCRBY ${fmt(bareIncr)}/s (${(bareIncr / updates).toFixed(1)}x)`);

  // First pages: a random category each time; the list route vs the bare page vs a constant route.
  const cat = () => categories[rand(CATEGORIES)]!;
  for (let i = 0; i < 200; i++) await fetch(`${url}/v1/rooms?categoryId=${cat()}&limit=${PAGE}`).then((r) => r.arrayBuffer());
  const list = await latencies(() => fetch(`${url}/v1/rooms?categoryId=${cat()}&limit=${PAGE}`).then(check));
  const direct = await latencies(() => listRooms(villa, { categoryId: cat(), live: true, sort: 'popularity' }, PAGE, undefined, Date.now()));
  const zrev = await latencies(() => bare.zrevrange(setKey('popularity', true, `c:${cat()}`), 0, PAGE - 1));
  const http = await latencies(() => fetch(`${constant.url}/constant`).then(check));
  const target = 3 * zrev.p99 + http.p99;
  console.log(`first page (${PAGE} rooms, category, by popularity), ${REQUESTS} sequential requests:`);
  console.log(`  GET /v1/rooms           p50 ${ms(list.p50)}  p99 ${ms(list.p99)}`);
  console.log(`  same list, no HTTP      p50 ${ms(direct.p50)}  p99 ${ms(direct.p99)}`);
  console.log(`  bare Redis ZREVRANGE    p50 ${ms(zrev.p50)}  p99 ${ms(zrev.p99)}`);
  console.log(`  constant HTTP route     p50 ${ms(http.p50)}  p99 ${ms(http.p99)}`);
  console.log(`  target p99 ≤ 3×ZREVRANGE + HTTP = ${ms(target)}: ${list.p99 <= target ? 'met' : 'NOT met'} (list p99 / target = ${(list.p99 / target).toFixed(2)})`);
  await server.close(500);
  await constant.close(500);
} finally {
  await engines.close();
  await dropKeys();
  bare.disconnect();
  await rm(dir, { recursive: true, force: true });
}

/** Deletes every key the run made (they all start with its unique prefix). */
async function dropKeys(): Promise<void> {
  const raw = new Redis(redisUrl);
  for await (const keys of raw.scanStream({ match: `${prefix}*`, count: 1000 })) {
    if ((keys as string[]).length > 0) await raw.unlink(...(keys as string[]));
  }
  raw.disconnect();
}

async function seed(): Promise<string[]> {
  const started = performance.now();
  const categories: string[] = [];
  for (let i = 0; i < CATEGORIES; i++) categories.push((await villa.categories.create({ name: `cat${i}`, order: i, hidden: false }, Date.now()))._id);
  const rooms = engines.docs.collection<Room>('rooms');
  const now = Date.now();
  for (let from = 0; from < ROOMS; from += 1000) {
    const batch: Room[] = [];
    for (let i = from; i < Math.min(from + 1000, ROOMS); i++) batch.push(benchRoom(i, categories[i % CATEGORIES]!, i < LIVE, now));
    await rooms.insertMany(batch);
    await inChunks(batch, (r) =>
        villa.hot.index(
          r._id,
          { categoryId: r.categoryId, tags: r.tags, live: r.live, startedAt: r.startedAt, card: JSON.stringify(cardOf(r)), rev: r.rev },
          { viewers: r.hot.viewers, likes: 0 },
        ),
    );
  }
  await inChunks(Array.from({ length: LIVE }, (_, i) => `r${i}`), (id) => villa.hot.setViewers(id, rand(100_000), now));
  console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return categories;
}

/** Runs `op` over `items`, CONCURRENCY at a time (seeding must not swamp Redis' command timeout). */
async function inChunks<T>(items: T[], op: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) await Promise.all(items.slice(i, i + CONCURRENCY).map(op));
}

function benchRoom(i: number, categoryId: string, live: boolean, now: number): Room {
  return {
    _id: `r${i}`,
    anchorId: `u${i}`,
    categoryId,
    shortId: 10_000 + i,
    title: `room ${i}`,
    tags: i % 7 === 0 ? ['music'] : [],
    notice: '',
    coverImageId: null,
    thumbnailImageId: null,
    streamKeyHash: `bench-${i}`,
    admins: [],
    closed: false,
    live,
    sessionId: live ? `${now.toString(36).padStart(9, '0')}-${i}` : null,
    startedAt: live ? now - rand(3_600_000) : null,
    liveAt: live ? now : null,
    hot: { viewers: 0, likes: 0, popularity: 0, flushedAt: now },
    rev: 0,
    createdAt: now,
    updatedAt: now,
  };
}

async function constantServer() {
  const { app } = createServiceApp({ service: 'constant', logger: createLogger('constant', 'silent'), internalKey: KEY });
  app.openapi(
    createRoute({ method: 'get', path: '/constant', responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ ok: z.boolean() }) } } } } }),
    (c) => c.json({ ok: true }, 200),
  );
  const running = await listen('constant', app.fetch, { port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${running.port}`, close: running.close };
}

async function forSeconds(seconds: number, op: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return done / seconds;
}

async function latencies(op: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await op();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

async function check(res: Response): Promise<void> {
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

function rand(n: number): number {
  return Math.floor(Math.random() * n);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function ms(n: number): string {
  return `${n.toFixed(2)} ms`;
}
