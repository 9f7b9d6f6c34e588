// The restart policy, on real child processes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@bamboo/testing';
import { CRASH_LIMIT, Supervisor } from '../src/supervisor.js';

async function script(body: string): Promise<string> {
  const file = path.join(await tempDir('supervisor'), 'child.mjs');
  writeFileSync(file, body);
  return file;
}

describe('supervisor', () => {
  it(`restarts a crashing child with backoff and gives up after ${CRASH_LIMIT} crashes`, async () => {
    const entry = await script('process.exit(3);');
    const log: string[] = [];
    const gaveUp = new Promise<string>((resolve) => {
      const supervisor = new Supervisor({ log: (m) => log.push(m), prefix: () => '', gaveUp: resolve });
      supervisor.start({ name: 'crashy', entry, env: process.env, cwd: process.cwd() });
    });
    expect(await gaveUp).toBe('crashy');
    const restarts = log.filter((m) => m.startsWith('crashy exited (code 3); restarting in'));
    expect(restarts.map((m) => Number(/in (\d+) ms/.exec(m)![1]))).toEqual([250, 500, 1000, 2000]);
    expect(log.at(-1)).toContain('giving up');
  }, 20_000);

  it('stops a running child with SIGTERM and does not restart it', async () => {
    const entry = await script("process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);");
    const log: string[] = [];
    const supervisor = new Supervisor({ log: (m) => log.push(m), prefix: () => '', gaveUp: () => {} });
    supervisor.start({ name: 'calm', entry, env: process.env, cwd: process.cwd() });
    await new Promise((r) => setTimeout(r, 300));
    const pid = supervisor.pids().calm!;
    await supervisor.stopAll();
    expect(() => process.kill(pid, 0)).toThrow();
    await new Promise((r) => setTimeout(r, 400));
    expect(log.filter((m) => m.includes('restarting'))).toEqual([]);
  });
});
