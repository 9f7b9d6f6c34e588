// The public path on node:http in front of Hono: what it copies from the
// service's answer and what it sets itself, large answers streamed, dot
// segments resolved before the route is chosen, and the traffic counted
// in the kit's metrics like any other route.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readJson } from '@bamboo/testing';
import { DEMO, accessToken, fakeService, onCleanup, startApollo } from './helpers.js';

const BIG = Buffer.alloc(1024 * 1024, 'abcdefghij');

/** Sockets of /v1/rooms/stall answers, which send one chunk and then nothing. */
const stalled: Socket[] = [];

/** A bare upstream: a 1 MiB answer, sized or chunked, one that stalls, and headers apollo must pass or replace. */
async function bareService(): Promise<string> {
  const server: Server = createServer((req, res) => {
    req.resume();
    if (req.url === '/v1/rooms/stall') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('first chunk');
      stalled.push(req.socket);
      return;
    }
    if (req.url?.startsWith('/v1/rooms/big')) {
      const sized = !req.url.includes('chunked');
      res.writeHead(200, { 'content-type': 'application/octet-stream', ...(sized ? { 'content-length': BIG.length } : {}) });
      res.end(BIG);
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      'x-request-id': 'chosen-by-the-service',
      'ratelimit-limit': '999999',
    });
    res.end(req.method === 'HEAD' ? undefined : '{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A request with its path sent exactly as written (fetch would resolve dot segments itself). */
function rawGet(base: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('public path', () => {
  it("keeps the service's headers, sets its own request id and limits once", async () => {
    const node = await startApollo({ VILLA_URL: await bareService() });
    const token = await accessToken(node.url, DEMO.id, DEMO.secret);
    const res = await fetch(`${node.url}/v1/rooms/1`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-7' } });
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ ok: true });
    expect(res.headers.get('x-request-id')).toBe('trace-7');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(res.headers.get('ratelimit-limit')).toBe('3000'); // the standard plan's reads, not the service's value
    expect(Number(res.headers.get('ratelimit-remaining'))).toBeLessThan(3000);
    expect(res.headers.get('x-bamboo-service')).toBe('apollo'); // the service named none
  });

  it('answers HEAD without a body', async () => {
    const node = await startApollo({ VILLA_URL: await bareService() });
    const res = await fetch(`${node.url}/v1/rooms/1`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('streams answers too large to hold, sized or chunked, byte for byte', async () => {
    const node = await startApollo({ VILLA_URL: await bareService() });
    for (const path of ['/v1/rooms/big', '/v1/rooms/big/chunked']) {
      const res = await fetch(`${node.url}${path}`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(BIG)).toBe(true);
    }
  });

  it("cuts a streamed answer whose service falls silent for the route's timeout, and closes that connection", async () => {
    const node = await startApollo({ VILLA_URL: await bareService() });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', auth: 'public', timeoutMs: 300 }]);
    const res = await fetch(`${node.url}/v1/rooms/stall`);
    expect(res.status).toBe(200); // the headers came in time
    await expect(res.text()).rejects.toThrow();
    const upstream = stalled.at(-1)!;
    expect(upstream.destroyed || (await new Promise((r) => upstream.once('close', () => r(true))))).toBe(true);
  });

  it('closes the service\'s connection when the caller leaves mid-answer, without waiting for the timeout', async () => {
    const node = await startApollo({ VILLA_URL: await bareService() });
    const { hostname, port } = new URL(node.url);
    const caller = request({ host: hostname, port, path: '/v1/rooms/stall' });
    const started = await new Promise<number>((resolve) => {
      caller.on('response', (res) => res.once('data', () => resolve(Date.now())));
      caller.end();
    });
    const upstream = stalled.at(-1)!;
    const closed = new Promise((r) => upstream.once('close', r));
    caller.destroy();
    await closed;
    expect(Date.now() - started).toBeLessThan(2_000); // the route's timeout is 5 s
  });

  it('does not take a caller reading slowly for a silent service', async () => {
    const node = await startApollo({ VILLA_URL: await bareService() });
    await node.apollo.routes.replace([{ prefix: '/v1/rooms', service: 'villa', auth: 'public', timeoutMs: 300 }]);
    const { hostname, port } = new URL(node.url);
    const body = await new Promise<Buffer>((resolve, reject) => {
      const caller = request({ host: hostname, port, path: '/v1/rooms/big/chunked' }, (res) => {
        const chunks: Buffer[] = [];
        res.pause(); // nothing read for twice the timeout: apollo is held back, not the service silent
        setTimeout(() => res.resume(), 600);
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      caller.on('error', reject);
      caller.end();
    });
    expect(body.equals(BIG)).toBe(true);
  });

  it('resolves dot segments before choosing the route, so a prefix cannot be borrowed', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url, MAGI_URL: villa.url });
    // /v1/wallets needs a caller on every call; reaching it through /v1/rooms/.. must not skip that.
    const res = await rawGet(node.url, '/v1/rooms/../wallets/1');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('unauthorized');
    expect(villa.seen).toHaveLength(0);
    const fine = await rawGet(node.url, '/v1/rooms/./7');
    expect(fine.status).toBe(200);
    expect(villa.seen.map((s) => s.path)).toEqual(['/v1/rooms/7']);
  });

  it('refuses an unsized upload once it grows past the limit, forwarding nothing', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url, APOLLO_MAX_BODY_BYTES: '1000' });
    const token = await accessToken(node.url, DEMO.id, DEMO.secret);
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(500));
        controller.close();
      },
    });
    const res = await fetch(`${node.url}/v1/rooms/1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await readJson(res)).error.code).toBe('payload_too_large');
    expect(villa.seen).toHaveLength(0);
  });

  it('forwards nothing of a request whose caller leaves mid-body, and carries on', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url });
    const token = await accessToken(node.url, DEMO.id, DEMO.secret);
    const { hostname, port } = new URL(node.url);
    const socket = connect(Number(port), hostname);
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /v1/rooms/1 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-length: 1000\r\n\r\n${'x'.repeat(10)}`);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${node.url}/v1/rooms/2`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(villa.seen.map((s) => s.path)).toEqual(['/v1/rooms/2']);
    // The abandoned request counts as the caller's doing (400), not a server error.
    const text = await (await fetch(`${node.url}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/v1\/\*",status="400"[^}]*\} 1/);
  });

  it('leaves apollo\'s own /v1 route to Hono and counts the public path in the kit\'s metrics', async () => {
    const villa = await fakeService();
    const node = await startApollo({ VILLA_URL: villa.url });
    const mint = await fetch(`${node.url}/v1/auth/user-tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":"u-1"}' });
    expect(mint.status).toBe(401); // the user-token route, not "no service at /v1/auth/user-tokens"
    expect(villa.seen).toHaveLength(0);
    expect((await fetch(`${node.url}/v1/rooms/1`)).status).toBe(200);
    const text = await (await fetch(`${node.url}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/v1\/\*",status="200"[^}]*\} 1/);
  });
});
