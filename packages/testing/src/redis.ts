// Finding a Redis for tests: REDIS_URL, else a local one on 6379, else a
// throwaway redis-server. Under CI=true a missing Redis is an error, never a
// silent skip.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

const LOCAL_URL = 'redis://127.0.0.1:6379';

let memo: Promise<string | undefined> | undefined;

/**
 * A Redis URL for tests, or undefined when none can be had (callers skip).
 * Throws under CI=true instead of returning undefined. Memoized per process.
 */
export function testRedisUrl(): Promise<string | undefined> {
  memo ??= findRedis();
  return memo;
}

async function findRedis(): Promise<string | undefined> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return fromEnv;
  if (await answersPing(LOCAL_URL)) return LOCAL_URL;
  if (await onPath('redis-server')) return (await startThrowawayRedis()).url;
  if (process.env.CI === 'true') {
    throw new Error('Redis is required under CI: set REDIS_URL, run one on 127.0.0.1:6379 or put redis-server on PATH');
  }
  return undefined;
}

export async function answersPing(url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function onPath(binary: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

// A shell keeps an eye on us: if this process dies without running its exit
// handlers (SIGKILL, a crashed worker), the shell stops redis-server anyway.
const WATCHDOG = `
redis-server "$@" &
r=$!
trap 'kill $r 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$OWNER" 2>/dev/null && kill -0 "$r" 2>/dev/null; do sleep 1; done
kill $r 2>/dev/null
`;

/** Starts a throwaway, non-persisting redis-server on a free port; it dies with this process. */
export async function startThrowawayRedis(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', ...args], {
    detached: true, // its own process group, so stop() reaches redis-server too
    stdio: 'ignore',
    env: { ...process.env, OWNER: String(process.pid) },
  });
  child.unref();
  let stopped = false;
  const stop = (): void => {
    if (stopped || child.pid === undefined) return;
    stopped = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop);
  const url = `redis://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    if (await answersPing(url, 200)) return { url, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Deletes every key under prefix (SCAN + UNLINK): cleanup after a test. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    await client.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    for await (const keys of client.scanStream({ match: pattern, count: 500 })) {
      const batch = keys as string[];
      if (batch.length > 0) deleted += await client.unlink(...batch);
    }
  } finally {
    client.disconnect();
  }
  return deleted;
}
