// A taken port is reported with the service and the variable that moves it.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '@bamboo/testing';
import { SERVICE_NAMES } from '@bamboo/kit';
import { planServices } from '../src/services.js';

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

describe('ports', () => {
  it('uses defaults and <NAME>_PORT overrides', () => {
    const plan = planServices({ VILLA_PORT: '9999' });
    expect(plan.find((s) => s.name === 'apollo')?.port).toBe(8080);
    expect(plan.find((s) => s.name === 'villa')?.port).toBe(9999);
    expect(plan.find((s) => s.name === 'homer')?.extra[0]?.port).toBe(8094);
  });

  it('refuses a port that is not one', () => {
    expect(() => planServices({ MAGI_PORT: 'abc' })).toThrow('MAGI_PORT=abc is not a port');
  });

  it('names the service and port when a port is taken, and starts nothing', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SERVICE_NAMES) env[`${name.toUpperCase()}_PORT`] = String(await freePort());
    for (const extra of ['HOMER_TCP_PORT', 'RTMP_PORT', 'HTTP_FLV_PORT']) env[extra] = String(await freePort());
    env.VILLA_PORT = String(port);
    const run = spawnSync(process.execPath, [ENTRY], { env, encoding: 'utf8', timeout: 20_000 });
    blocker.close();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`port ${port} (villa HTTP) is already in use`);
    expect(run.stdout).toContain('VILLA_PORT');
  });
});
