// The floor of this stack: bare http, JSON.parse and one call of sandglass's
// own heartbeat Lua script through ioredis. No framework, no validation.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { DAY_MS, dayOf, dayStart } from '../src/presence/days.js';
import { HEARTBEAT } from '../src/stores/presence.lua.js';
import { shardOf } from '../src/stores/presence.redis.js';

const SHARDS = 16;
const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: process.env.REDIS_PREFIX });
redis.defineCommand('sgHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
const beat = (redis as unknown as { sgHeartbeat(...args: Array<string | number>): Promise<unknown> }).sgHeartbeat.bind(redis);
const body = JSON.stringify({ intervalMs: 30_000, offlineAfterMs: 65_000, accepted: 1 });

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const hb = JSON.parse(Buffer.concat(chunks).toString()) as { uid: string; modules: string[]; platform: string };
      const now = Date.now();
      const start = dayStart(now);
      await beat(`{s${shardOf(hb.uid, SHARDS)}}:`, now, 65_000, 100_000, 35 * DAY_MS, dayOf(now), start, dayOf(start - DAY_MS),
        hb.uid, 'app', hb.platform, hb.modules.join(' '));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } catch {
      res.writeHead(500);
      res.end();
    }
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
