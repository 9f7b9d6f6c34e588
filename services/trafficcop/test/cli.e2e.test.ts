// bamboo-cdn as ops run it: the built CLI in a child process against a
// running trafficcop, checking exit codes, --json output, human tables and
// that its changes land in the audit log under the operator's name.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_KEY, OPS, startHarness, type Harness } from './support/harness.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('bamboo-cdn', { timeout: 120_000 }, () => {
  let h: Harness;

  const cli = (args: string[], env: Record<string, string> = { BAMBOO_INTERNAL_KEY: INTERNAL_KEY, TRAFFICCOP_URL: h.api }) =>
    new Promise<Run>((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, USER: 'alice', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  const json = async (args: string[]) => {
    const run = await cli([...args, '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    return JSON.parse(run.stdout);
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing (npm run build -w services/trafficcop)`);
    h = await startHarness({}, (villa) => villa.addRoom('42', 'k42'));
    for (const [id, provider] of [
      ['cdn-a', 'aliyun'],
      ['cdn-b', 'tencent'],
    ]) {
      const res = await h.call('/v1/cdn/lines', {
        body: { id, provider, pushUrlTemplate: `rtmp://push.${id}.example/live/{room}`, pullUrlTemplates: { flv: `https://${id}.example/live/{room}.flv` } },
        identity: OPS,
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has --help on the program and every command (exit 0)', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['lines', 'line', 'enable', 'disable', 'drain', 'weight', 'pin', 'unpin', 'pins', 'switch', 'audit', 'health']) {
      expect(top.stdout).toContain(command);
      const sub = await cli([command, '--help']);
      expect(sub.code, command).toBe(0);
      expect(sub.stdout).toContain(`Usage: bamboo-cdn ${command}`);
    }
  });

  it('lists lines as a table and as JSON, and shows one line', async () => {
    const table = await cli(['lines']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^LINE\s+PROVIDER\s+KIND\s+STATE\s+HEALTH/);
    expect(table.stdout).toMatch(/cdn-a\s+aliyun\s+both\s+enabled\s+healthy/);
    const { lines } = await json(['lines']);
    expect(lines.map((l: { id: string }) => l.id)).toEqual(['cdn-a', 'cdn-b']);
    expect((await json(['line', 'cdn-b'])).provider).toBe('tencent');
    const missing = await cli(['line', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no line nope');
  });

  it('refuses a state change without --reason (exit 2) and changes nothing', async () => {
    for (const command of ['disable', 'enable', 'drain']) {
      const run = await cli([command, 'cdn-a']);
      expect(run.code, command).toBe(2);
      expect(run.stderr).toContain("required option '--reason <text>'");
    }
    expect((await cli(['weight', 'cdn-a', 'heavy', '--reason', 'x'])).code).toBe(2);
    expect((await cli(['pin', 'planet', '42', 'cdn-a', '--ttl', '1h', '--reason', 'x'])).code).toBe(2);
    expect((await cli(['pin', 'room', '42', 'cdn-a', '--ttl', 'soon', '--reason', 'x'])).code).toBe(2);
    expect((await cli(['switch', '--reason', 'x'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await json(['line', 'cdn-a'])).state).toBe('enabled');
    expect((await json(['audit'])).entries.filter((e: { action: string }) => e.action === 'line.state')).toEqual([]);
  });

  it('changes state and weight, pins and unpins, switches, and every change is in the audit log under the operator', async () => {
    expect((await json(['drain', 'cdn-a', '--reason', 'provider maintenance'])).state).toBe('draining');
    const human = await cli(['disable', 'cdn-a', '--reason', 'provider outage']);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('cdn-a is now disabled\n');
    expect((await json(['weight', 'cdn-b', '250', '--reason', 'more capacity'])).weight).toBe(250);

    // pinning to a disabled line fails (exit 1) with the API's error in --json
    const refused = await cli(['pin', 'room', '42', 'cdn-a', '--ttl', '10m', '--reason', 'vip', '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'line_not_enabled', status: 409 } });
    const pin = await json(['pin', 'room', '42', 'cdn-b', '--ttl', '10m', '--reason', 'vip']);
    expect(pin).toMatchObject({ id: 'room:42', lineId: 'cdn-b', createdBy: 'alice' });
    expect(pin.expiresAt - Date.now()).toBeGreaterThan(590_000);
    expect((await json(['pins'])).pins.map((p: { id: string }) => p.id)).toEqual(['room:42']);
    expect((await json(['switch', '--room', '42', '--reason', 'move to pinned line'])).rooms).toEqual(['42']);
    expect((await json(['unpin', 'room', '42', '--reason', 'event over'])).lineId).toBe('cdn-b');
    expect((await cli(['unpin', 'room', '42', '--reason', 'again'])).code).toBe(1);

    const { entries } = await json(['audit', '--limit', '20']);
    const mine = entries.filter((e: { actor: { id: string } }) => e.actor.id === 'alice');
    expect(mine.map((e: { action: string; reason: string }) => `${e.action}: ${e.reason}`)).toEqual([
      'pin.remove: event over',
      'switch: move to pinned line',
      'pin.create: vip',
      'line.weight: more capacity',
      'switch: line disabled: provider outage',
      'line.state: provider outage',
      'line.state: provider maintenance',
    ]);
    expect(mine[0].actor).toEqual({ kind: 'user', id: 'alice', via: 'bamboo-cdn' });
    const table = await cli(['audit', '--line', 'cdn-a']);
    expect(table.stdout).toMatch(/line\.state\s+cdn-a\s+-\s+provider outage/);
    expect((await json(['health'])).lines.map((l: { lineId: string }) => l.lineId)).toEqual(['cdn-a', 'cdn-b']);
  });

  it('fails (exit 1) without credentials, or when the service does not answer', async () => {
    const none = await cli(['lines'], {});
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('BAMBOO_INTERNAL_KEY');
    const down = await cli(['lines', '--json'], { BAMBOO_INTERNAL_KEY: INTERNAL_KEY, TRAFFICCOP_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout).error.code).toBe('unreachable');
    const wrongKey = await cli(['lines'], { BAMBOO_INTERNAL_KEY: 'not-the-right-key-0000', TRAFFICCOP_URL: h.api });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('signature');
  });
});
