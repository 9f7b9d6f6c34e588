// End to end: `node dist/main.js` (what `npm start` runs) on free ports, then
// real HTTP calls to every service and through apollo, a SIGKILLed service
// coming back, and SIGTERM leaving no process behind.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { freePort } from '@bamboo/testing';
import { SERVICE_NAMES } from '@bamboo/kit';

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/main.js');
const PREFIXES: Record<string, string> = {
  '/v1/presence': 'sandglass',
  '/v1/rooms': 'villa',
  '/v1/categories': 'villa',
  '/v1/gifts': 'magi',
  '/v1/wallets': 'magi',
  '/v1/danmaku': 'homer',
  '/v1/cdn': 'trafficcop',
  '/v1/images': 'image',
};

let launcher: ChildProcess;
let output = '';
const ports: Record<string, number> = {};
let dataDir: string;

function childPids(parent: number): Array<{ pid: number; args: string }> {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [pid, ...args] = line.trim().split(/\s+/);
        return { pid: Number(pid), args: args.join(' ') };
      });
  } catch {
    return []; // ps exits 1 when there is no such process
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- launcher output ---\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let accessToken: string | undefined;
/** An OAuth2 client-credentials token for the demo client the launcher seeds. */
async function demoAccessToken(): Promise<string> {
  if (accessToken) return accessToken;
  const res = await fetch(`http://127.0.0.1:${ports.apollo}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('demo-app:demo-secret-change-me').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  expect(res.status).toBe(200);
  accessToken = ((await res.json()) as { access_token: string }).access_token;
  return accessToken;
}

const get = (port: number, p: string) => fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(3_000) });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bamboo-suite-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info', BAMBOO_INTERNAL_KEY: 'suite-test-key-0123456789' };
  delete env.REDIS_URL;
  delete env.MONGO_URL;
  for (const name of SERVICE_NAMES) {
    ports[name] = await freePort();
    env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
  }
  for (const extra of ['HOMER_TCP_PORT', 'RTMP_PORT', 'HTTP_FLV_PORT']) env[extra] = String(await freePort());
  launcher = spawn(process.execPath, [ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  launcher.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  launcher.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await until('the banner', 60_000, () => (output.includes('Bamboo is up.') ? true : undefined));
}, 90_000);

afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    launcher.kill('SIGTERM');
    await new Promise((r) => launcher.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start (the launcher)', () => {
  it('prints every service URL and the demo client', () => {
    for (const name of SERVICE_NAMES) expect(output).toContain(`http://127.0.0.1:${ports[name]}`);
    expect(output).toContain('demo OAuth client');
  });

  it('seeds demo categories, gifts and coins, readable through apollo', async () => {
    expect(output).toMatch(/demo data\s+categories Just Chatting/);
    const categories = (await (await get(ports.apollo!, '/v1/categories')).json()) as { categories: Array<{ name: string }> };
    expect(categories.categories.map((c) => c.name)).toEqual(['Just Chatting', 'Games', 'Music', 'Outdoors']);
    const shelf = (await (await get(ports.apollo!, '/v1/gifts/shelves/music')).json()) as { gifts?: unknown[]; items?: unknown[] };
    expect(JSON.stringify(shelf)).toContain('rose');
  });

  it('prefixes each service line with its name', () => {
    expect(output).toMatch(/^villa\s+\| \{.*"msg":"villa listening"/m);
  });

  it.each(SERVICE_NAMES)('%s answers /healthz, /readyz and /metrics on its own port', async (name) => {
    const port = ports[name]!;
    expect((await get(port, '/healthz')).status).toBe(200);
    expect((await get(port, '/readyz')).status).toBe(200);
    const metrics = await get(port, '/metrics');
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('http_requests_total');
    expect(text).toContain(`service="${name}"`);
  });

  it.each(SERVICE_NAMES)('%s serves a valid OpenAPI document listing its routes', async (name) => {
    const doc = await (await get(ports[name]!, '/openapi.json')).json();
    const result = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys((doc as { paths: object }).paths)).toContain('/healthz');
  });

  it.each(Object.entries(PREFIXES))('apollo forwards %s to %s', async (prefix, service) => {
    // Some prefixes (wallets) need a caller even to read: use the demo client's token.
    const token = await demoAccessToken();
    const res = await fetch(`http://127.0.0.1:${ports.apollo}${prefix}/anything`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(3_000),
    });
    expect(res.headers.get('x-bamboo-service')).toBe(service);
    const body = (await res.json()) as { error?: { code: string } };
    expect(body).toHaveProperty('error.code'); // no route there yet: the service's own 404
  });

  it('brings a SIGKILLed service back healthy within a few seconds', async () => {
    const villa = childPids(launcher.pid!).find((c) => c.args.includes(path.join('services', 'villa')));
    expect(villa).toBeDefined();
    process.kill(villa!.pid, 'SIGKILL');
    await until('villa to go down', 5_000, async () => {
      try {
        await get(ports.villa!, '/healthz');
        return undefined;
      } catch {
        return true;
      }
    });
    const started = Date.now();
    await until('villa to come back', 8_000, async () => {
      try {
        return (await get(ports.villa!, '/healthz')).ok ? true : undefined;
      } catch {
        return undefined;
      }
    });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(output).toMatch(/villa exited \(signal SIGKILL\); restarting/);
  });

  it('stops every child and exits 0 on SIGTERM', async () => {
    const children = childPids(launcher.pid!).map((c) => c.pid);
    expect(children.length).toBe(SERVICE_NAMES.length);
    const exited = new Promise<number | null>((r) => launcher.once('exit', (code) => r(code)));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(children.filter(alive)).toEqual([]);
  }, 30_000);
});
