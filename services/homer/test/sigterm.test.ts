// Drain on SIGTERM, with homer as its own OS process (src/main.ts run from
// source): clients are told to reconnect elsewhere, new ones are refused, and
// the process exits 0 once they left, or closes the stragglers at the bound.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '@bamboo/testing';
import { rm } from 'node:fs/promises';
import { DanmakuClient } from '../src/client/client.js';
import { issueTicket, ticketSecret } from '../src/logic/ticket.js';
import { KEY, eventually } from './harness.js';

const viteNode = join(dirname(createRequire(import.meta.url).resolve('vite-node/package.json')), 'vite-node.mjs');
const serviceRoot = fileURLToPath(new URL('..', import.meta.url));

describe('SIGTERM', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('drains: reconnect notice, no new connections, exit 0 after the bound', async () => {
    const [port, tcpPort] = [await freePort(), await freePort()];
    dir = await tempDir('homer-sigterm');
    child = spawn(process.execPath, [viteNode, '-c', 'vitest.config.ts', 'src/main.ts'], {
      cwd: serviceRoot,
      env: {
        ...process.env,
        BAMBOO_INTERNAL_KEY: KEY,
        PORT: String(port),
        HOMER_TCP_PORT: String(tcpPort),
        DATA_DIR: dir,
        REDIS_URL: '',
        LOG_LEVEL: 'silent',
        SHUTDOWN_TIMEOUT_MS: '1500',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const ticket = issueTicket(ticketSecret(undefined, KEY), { uid: 'u', room: '42', canSend: false, expiresAt: Date.now() + 60_000 });
    // The gateway opens after HTTP: wait until it takes a client.
    const polite = await eventually(
      () => DanmakuClient.tcp(`127.0.0.1:${tcpPort}`, { ticket, heartbeat: false }).catch(() => undefined),
      'homer to start',
      60_000,
    );
    const stubborn = await DanmakuClient.ws(`ws://127.0.0.1:${port}/sub`, { ticket, heartbeat: false });
    const notices: unknown[] = [];
    polite.on('notice', (n) => (notices.push(n), polite.close()));
    stubborn.on('notice', (n) => notices.push(n));

    child.kill('SIGTERM');
    await eventually(() => notices.length === 2, 'both notices');
    expect(notices).toEqual([expect.objectContaining({ code: 'reconnect' }), expect.objectContaining({ code: 'reconnect' })]);
    await expect(DanmakuClient.tcp(`127.0.0.1:${tcpPort}`, { ticket, heartbeat: false })).rejects.toThrow();
    expect(await exited).toBe(0);
    expect(stubborn.closed).toBe(true);
  }, 120_000);
});
