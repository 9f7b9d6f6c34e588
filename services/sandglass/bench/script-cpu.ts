// Redis CPU per heartbeat of the heartbeat script alone, without HTTP:
// batches of BENCH_BATCH (default 100) random users out of 100k (each in a
// room and a page, as bench/load.ts sends them), grouped by shard as the
// Redis store does, 8 batches in flight, every user online first (the
// steady state the bench measures). Prints µs of redis-server CPU per
// heartbeat and the Redis commands the script ran per heartbeat.
// `node --conditions=source --import tsx bench/script-cpu.ts [batches]`
import { Redis } from 'ioredis';
import { DAY_MS, dayOf, dayStart } from '../src/presence/days.js';
import { HEARTBEAT } from '../src/stores/presence.lua.js';
import { shardOf } from '../src/stores/presence.redis.js';
import { cpuMicros, startRedis } from './processes.js';

const SHARDS = 16;
const USERS = 100_000;
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const IN_FLIGHT = 8;
const WARM_UP_BATCHES = 3_000;
const batches = Number(process.argv[2] ?? 10_000);

const server = await startRedis();
const redis = new Redis(server.url);
redis.defineCommand('sgHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
const beat = (redis as unknown as { sgHeartbeat(...args: Array<string | number>): Promise<unknown> }).sgHeartbeat.bind(redis);

/** The script's ARGV head, as the store sends it. */
function head(): Array<string | number> {
  const now = Date.now();
  const start = dayStart(now);
  return [now, 65_000, 100_000, 35 * DAY_MS, dayOf(now), start, dayOf(start - DAY_MS)];
}

async function batch(users: number[]): Promise<void> {
  const byShard = new Map<number, Array<string | number>>();
  for (const n of users) {
    const uid = `user${n}`;
    const shard = shardOf(uid, SHARDS);
    let args = byShard.get(shard);
    if (!args) byShard.set(shard, (args = head()));
    args.push(uid, 'app', 'ios', `room:${n % 500} page:home`);
  }
  await Promise.all([...byShard].map(([shard, args]) => beat(`{s${shard}}:`, ...args)));
}

async function run(count: number): Promise<void> {
  let next = 0;
  const random = () => Array.from({ length: BATCH }, () => Math.floor(Math.random() * USERS));
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < count) await batch(random());
    }),
  );
}

/** Commands run inside scripts, from INFO commandstats. */
function scriptCommands(info: string): number {
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) {
    if (!['evalsha', 'eval', 'info', 'config'].includes(m[1]!)) n += Number(m[2]);
  }
  return n;
}

try {
  for (let i = 0; i < USERS; i += BATCH) await batch(Array.from({ length: BATCH }, (_, j) => i + j));
  await run(WARM_UP_BATCHES);
  await redis.config('RESETSTAT');
  const before = cpuMicros(server.pid);
  await run(batches);
  const heartbeats = batches * BATCH;
  const us = (cpuMicros(server.pid) - before) / heartbeats;
  const commands = scriptCommands(await redis.info('commandstats')) / heartbeats;
  console.log(`batch ${BATCH}: ${us.toFixed(1)} µs redis CPU per heartbeat; ${commands.toFixed(2)} commands per heartbeat in the script`);
} finally {
  redis.disconnect();
  server.stop();
}
