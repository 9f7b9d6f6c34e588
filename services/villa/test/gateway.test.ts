// The public API end to end through apollo's routing: apollo runs as its own
// process (from its source, via tsx), authenticates end users by JWT, and
// forwards /v1/rooms and /v1/categories to this villa, signed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort, readJson, tempDir } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, startVilla, type Running } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const USER_TOKEN_SECRET = 'villa-gateway-test-user-token-secret-0123';

let villa: Running;
let apollo: ChildProcess;
let base: string;
let apolloDir: string;

/** An end-user token as apollo mints them (HS256, issuer apollo, audience bamboo). */
function userToken(userId: string, scopes: string[] = []): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: userId, iss: 'apollo', aud: 'bamboo', iat: now, exp: now + 600, scope: scopes.join(' ') })}`;
  return `${unsigned}.${createHmac('sha256', USER_TOKEN_SECRET).update(unsigned).digest('base64url')}`;
}

function call(path: string, options: { method?: string; body?: unknown; as?: string; scopes?: string[] } = {}) {
  const headers: Record<string, string> = {};
  if (options.as) headers.authorization = `Bearer ${userToken(options.as, options.scopes)}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(base + path, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
}

beforeAll(async () => {
  villa = await startVilla();
  apolloDir = await tempDir('villa-apollo');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  apollo = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'services/apollo/src/main.ts'], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      ...process.env,
      PORT: String(port),
      VILLA_URL: villa.url,
      BAMBOO_INTERNAL_KEY: KEY,
      APOLLO_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
      DATA_DIR: apolloDir,
      REDIS_URL: '',
      MONGO_URL: '',
      LOG_LEVEL: 'silent',
    },
  });
  for (let i = 0; i < 250; i++) {
    const up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('apollo did not start');
}, 30_000);

afterAll(async () => {
  if (apollo.exitCode === null) {
    const exited = new Promise((r) => apollo.once('exit', r));
    apollo.kill('SIGTERM');
    await exited;
  }
  await villa.close();
  await rm(apolloDir, { recursive: true, force: true });
});

describe('villa through apollo', () => {
  it('serves categories and rooms to end users, with villa answering', async () => {
    const created = await call('/v1/categories', { as: 'ops', scopes: ['villa:admin'], body: { name: 'Outdoors' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-bamboo-service')).toBe('villa');
    const { categoryId } = await readJson(created);

    const opened = await call('/v1/rooms', { as: 'gw-alice', body: { title: 'Hiking live', categoryId, tags: ['hiking'] } });
    expect(opened.status).toBe(201);
    const { room, streamKey } = await readJson(opened);
    expect(room).toMatchObject({ anchorId: 'gw-alice', title: 'Hiking live' });
    expect(streamKey).toMatch(/^live_/);

    const anonymous = await call(`/v1/rooms/${room.roomId}`);
    expect(anonymous.status).toBe(200);
    expect((await readJson(anonymous)).roomId).toBe(room.roomId);
    const listed = await readJson(await call('/v1/rooms?live=false&tag=hiking'));
    expect(listed.rooms.map((r: { roomId: string }) => r.roomId)).toEqual([room.roomId]);
    expect((await readJson(await call('/v1/rooms/mine', { as: 'gw-alice' }))).roomId).toBe(room.roomId);
  });

  it('carries who the user is: villa refuses what the user may not do', async () => {
    // Without a user token the write is refused (by apollo or by villa; never done).
    const noUser = await call('/v1/rooms', { body: { title: 'x', categoryId: 'c1' } });
    expect(noUser.status).toBe(401);
    const room = await readJson(await call('/v1/rooms/mine', { as: 'gw-alice' }));
    const notAnchor = await call(`/v1/rooms/${room.roomId}/admins/gw-bob`, { method: 'PUT', as: 'gw-bob' });
    expect(notAnchor.status).toBe(403);
    expect((await readJson(notAnchor)).error.code).toBe('not_anchor');
    const noScope = await call('/v1/categories', { as: 'gw-bob', body: { name: 'Mine' } });
    expect(noScope.status).toBe(403);
  });

  it('does not expose internal routes publicly', async () => {
    const res = await call('/internal/rooms/live');
    expect([401, 404]).toContain(res.status);
    expect(res.headers.get('x-bamboo-service')).toBe('apollo');
  });
});
