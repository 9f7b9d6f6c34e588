// The command-line client as a user runs it: joins through the dispatcher,
// prints each message as a line, and after "reconnect elsewhere" resumes on
// another gateway without losing or repeating a message; as a named user it
// prints the inbox and pushes to that user, and acks them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, signedInit, userIdentity } from '@bamboo/testing';
import { KEY, eventually, post, redisNamespace, startNode, type Node } from './harness.js';

const viteNode = join(dirname(createRequire(import.meta.url).resolve('vite-node/package.json')), 'vite-node.mjs');
const serviceRoot = fileURLToPath(new URL('..', import.meta.url));

describeRedis('bamboo-danmaku', (url) => {
  const ns = redisNamespace(url);
  let a: Node;
  let b: Node;
  let cli: ChildProcess | undefined;
  let out = '';
  beforeAll(async () => {
    a = await startNode({ redis: ns });
    b = await startNode({ redis: ns });
  });
  afterAll(async () => {
    cli?.kill('SIGKILL');
    await Promise.all([a.stop(), b.stop()]);
    await ns.clean();
  });

  it('prints the room’s danmaku and carries on across a gateway drain', async () => {
    cli = spawn(process.execPath, [viteNode, '-c', 'vitest.config.ts', 'src/cli.ts', '--', '--room', '42', '--api', a.url], {
      cwd: serviceRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cli.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    let err = '';
    cli.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await eventually(() => err.includes('joined room 42'), 'the CLI to join', 60_000);

    const send = (text: string) => post(a, '/v1/danmaku/rooms/42/messages', { text }, { uid: 'alice' });
    const first = await send('first line');
    await eventually(() => out.includes('first line'), 'the first line');
    expect(out).toContain(`[42#${first.body.seq}] alice: first line`);

    // Drain whichever gateway it is on; the CLI reconnects through the dispatcher.
    const onA = a.gateway.connections === 1;
    const draining = (onA ? a : b).gateway.close(10_000);
    const second = await send('second line');
    await draining;
    await eventually(() => out.includes('second line'), 'the second line after the drain', 30_000);
    expect(out.split('\n').filter((l) => l.includes('second line'))).toHaveLength(1);
    expect(out).toContain(`[42#${second.body.seq}] alice: second line`);
  });
});

/** apollo in small: the bearer token is the user id, forwarded as a signed identity. */
async function fakeApollo(target: Node): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const uid = req.headers.authorization?.replace(/^Bearer /, '');
    const path = req.url ?? '/';
    const upstream = await fetch(
      target.url + path,
      signedInit(KEY, path, { method: req.method ?? 'GET', ...(raw ? { body: JSON.parse(raw) } : {}), ...(uid ? { identity: userIdentity(uid) } : {}) }),
    );
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('bamboo-danmaku as a user', () => {
  let node: Node;
  let apollo: { url: string; server: Server };
  const running: ChildProcess[] = [];
  beforeAll(async () => {
    node = await startNode();
    apollo = await fakeApollo(node);
  });
  afterAll(async () => {
    for (const cli of running) cli.kill('SIGKILL');
    apollo.server.close();
    await node.stop();
  });

  const run = (...args: string[]) => {
    const cli = spawn(process.execPath, [viteNode, '-c', 'vitest.config.ts', 'src/cli.ts', '--', '--room', '42', '--api', apollo.url, '--token', 'zoe', ...args], {
      cwd: serviceRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(cli);
    const io = { out: '', err: '' };
    cli.stdout!.on('data', (chunk: Buffer) => (io.out += chunk.toString()));
    cli.stderr!.on('data', (chunk: Buffer) => (io.err += chunk.toString()));
    return { cli, io };
  };
  const inboxSize = async () => {
    const path = '/internal/users/zoe/inbox';
    return ((await (await fetch(node.url + path, signedInit(KEY, path))).json()) as { size: number }).size;
  };

  it('prints the inbox and live pushes marked as the user’s, and acks them (unless --no-ack)', async () => {
    await post(node, '/internal/unicast', { toUid: 'zoe', type: 'system', body: { text: 'while you were away' }, from: 'magi' });

    const peek = run('--no-ack');
    await eventually(() => peek.io.out.includes('while you were away'), 'the inbox, not acked', 60_000);
    expect(peek.io.out).toContain('[to you #1] magi: while you were away');
    peek.cli.kill('SIGKILL');
    expect(await inboxSize()).toBe(1);

    const { io } = run();
    await eventually(() => io.err.includes('joined room 42 as zoe'), 'the CLI to join as zoe', 60_000);
    await eventually(async () => (await inboxSize()) === 0, 'the inbox acked');
    expect(io.out).toContain('[to you #1] magi: while you were away');
    await post(node, '/internal/unicast', { toUid: 'zoe', type: 'system', body: { text: 'live one' } });
    await eventually(() => io.out.includes('[to you #2] system: live one'), 'the live push');
    await eventually(async () => (await inboxSize()) === 0, 'the push acked');
  });
});
