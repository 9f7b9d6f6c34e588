// Two real sandglass processes on one Redis must agree: a heartbeat through
// either is seen by both (counts, members, status, the feed).
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteRedisKeys, describeRedis, freePort, readJson, signedInit, tempDir, uniquePrefix } from '@bamboo/testing';
import { KEY, post } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Proc {
  url: string;
  child: ChildProcess;
  dataDir: string;
}

async function spawnSandglass(redisUrl: string, prefix: string): Promise<Proc> {
  const port = await freePort();
  const dataDir = await tempDir('sandglass-proc');
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir,
      BAMBOO_INTERNAL_KEY: KEY,
      LOG_LEVEL: 'silent',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`sandglass exited with ${child.exitCode}`);
    const up = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (up) return { url, child, dataDir };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('sandglass did not become ready');
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null) {
    const exited = new Promise((r) => p.child.once('exit', r));
    p.child.kill('SIGTERM');
    await exited;
  }
  await rm(p.dataDir, { recursive: true, force: true });
}

describeRedis('two sandglass processes on one Redis', (redisUrl) => {
  const prefix = uniquePrefix('sandglass-two');
  let a: Proc;
  let b: Proc;

  beforeAll(async () => {
    [a, b] = await Promise.all([spawnSandglass(redisUrl, prefix), spawnSandglass(redisUrl, prefix)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map(stop));
    await deleteRedisKeys(redisUrl, prefix);
  });

  const json = async (url: string) => readJson(await fetch(url));

  it('agree on counts, members and status whichever process took the heartbeat', async () => {
    const uids = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    await Promise.all(
      uids.map((uid, i) => post(`${(i % 2 === 0 ? a : b).url}/v1/presence/heartbeat`, { uid, modules: ['room:77'] })),
    );
    await post(`${b.url}/v1/presence/heartbeats`, {
      heartbeats: uids.slice(0, 10).map((uid) => ({ uid, modules: ['room:77', 'page:home'] })),
    });
    for (const p of [a, b]) {
      expect(await json(`${p.url}/v1/presence/modules/room:77/count`)).toEqual({ module: 'room:77', count: 40 });
      expect(await json(`${p.url}/v1/presence/modules/page:home/count`)).toEqual({ module: 'page:home', count: 10 });
    }
    const members: string[] = [];
    let cursor: string | null = null;
    let i = 0;
    do {
      // Alternate processes page by page: the cursor is valid on either.
      const page = await json(
        `${(i++ % 2 === 0 ? a : b).url}/v1/presence/modules/room:77/members?limit=15${cursor ? `&cursor=${cursor}` : ''}`,
      );
      members.push(...page.members);
      cursor = page.next;
    } while (cursor);
    expect(members).toEqual(uids);

    await post(`${b.url}/v1/presence/offline`, { uid: 'p00' });
    expect((await json(`${a.url}/v1/presence/users/p00`)).online).toBe(false);
    expect((await json(`${a.url}/v1/presence/users/p01`)).modules).toEqual(['room:77', 'page:home']);
    expect(await json(`${a.url}/v1/presence/modules/room:77/count`)).toEqual({ module: 'room:77', count: 39 });
  });

  it('serve one feed: transitions caused through either process are read from both alike', async () => {
    const read = async (p: Proc) => {
      const path = '/internal/events?limit=1000';
      return readJson(await fetch(`${p.url}${path}`, signedInit(KEY, path, { caller: 'villa' })));
    };
    const [fromA, fromB] = await Promise.all([read(a), read(b)]);
    expect(fromA).toEqual(fromB);
    const kinds = fromA.events.map((e: { type: string; uid: string }) => `${e.type} ${e.uid}`);
    expect(kinds.filter((k: string) => k.startsWith('online '))).toHaveLength(40);
    expect(kinds).toContain('offline p00');
  });
});
