// The command-line client as a user runs it: joins through the dispatcher,
// prints each message as a line, and after "reconnect elsewhere" resumes on
// another gateway without losing or repeating a message.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis } from '@bamboo/testing';
import { eventually, post, redisNamespace, startNode, type Node } from './harness.js';

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
