import { describe, expect, it } from 'vitest';
import { createLogger } from '@bamboo/kit';
import { Counter, Registry } from 'prom-client';
import type { RelayHandle, RelayHandleState } from '../origin/origin.js';
import { StreamRegistry } from '../publish/stream-registry.js';
import type { CdnLine } from '../stores/lines.js';
import { createRelaySupervisor } from './relay-supervisor.js';

class FakeRelay implements RelayHandle {
  current: RelayHandleState = 'connecting';
  closed = false;
  constructor(readonly streamPath: string, readonly url: string) {}
  state = () => (this.closed ? 'down' : this.current);
  outBytes = () => 0;
  close = () => {
    this.closed = true;
  };
}

const line = (id: string, enabled = true): CdnLine => ({
  id, provider: 'p', kind: 'push', pushUrlTemplate: `rtmp://${id}.example/live/{room}`, pullUrlTemplates: {}, regions: ['*'], isps: ['*'],
  weight: 100, capacity: 0, state: enabled ? 'enabled' : 'disabled', createdAt: 0, updatedAt: 0,
});
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(lines: CdnLine[]) {
  const started: FakeRelay[] = [];
  const registry = new StreamRegistry();
  const supervisor = createRelaySupervisor({
    origin: { pushRelay: (streamPath, url) => {
      const relay = new FakeRelay(streamPath, url);
      started.push(relay);
      return relay;
    } },
    registry,
    loadLines: async () => lines,
    backoffMinMs: 20,
    backoffMaxMs: 80,
    watchIntervalMs: 5,
    connectTimeoutMs: 10_000,
    lineSyncIntervalMs: 60_000,
    logger: createLogger('test', 'silent'),
    restarts: new Counter({ name: 'r', help: 'r', labelNames: ['line'], registers: [new Registry()] }),
  });
  return { started, registry, supervisor };
}

const stream = (roomId: string) => ({ roomId, streamPath: `/live/${roomId}`, sessionId: 's', startedAt: 1, publisherId: 'p' });

describe('relay supervisor', () => {
  it('relays each live stream to every enabled line, and stops with the stream', async () => {
    const { started, registry, supervisor } = setup([line('a'), line('b'), line('off', false)]);
    await supervisor.start();
    registry.start(stream('r1'));
    expect(started.map((r) => r.url).sort()).toEqual(['rtmp://a.example/live/r1', 'rtmp://b.example/live/r1']);
    started.forEach((r) => (r.current = 'up'));
    await waitUntil(() => supervisor.status().every((s) => s.state === 'up'));
    expect(supervisor.status()).toHaveLength(2);
    registry.end('r1', 2);
    expect(started.every((r) => r.closed)).toBe(true);
    expect(supervisor.status()).toEqual([]);
    supervisor.stop();
  });

  it('restarts a relay that went down, with growing backoff, and resets it once up', async () => {
    const { started, registry, supervisor } = setup([line('a')]);
    await supervisor.start();
    registry.start(stream('r1'));
    started[0]!.current = 'down';
    await waitUntil(() => supervisor.status()[0]?.failures === 1);
    expect(supervisor.status()[0]?.state === 'retrying' || started.length === 2).toBe(true);
    await waitUntil(() => started.length === 2);
    started[1]!.current = 'down';
    await waitUntil(() => supervisor.status()[0]?.failures === 2);
    await waitUntil(() => started.length === 3);
    started[2]!.current = 'up';
    await waitUntil(() => supervisor.status()[0]?.state === 'up');
    expect(supervisor.status()[0]?.failures).toBe(0);
    expect(started.slice(0, 2).every((r) => r.closed)).toBe(true);
    supervisor.stop();
    expect(started[2]!.closed).toBe(true);
  });

  it('follows line changes: disabled lines stop, new lines start', async () => {
    const lines = [line('a')];
    const { started, registry, supervisor } = setup(lines);
    await supervisor.start();
    registry.start(stream('r1'));
    lines[0] = line('a', false);
    lines.push(line('c'));
    await supervisor.refreshLines();
    expect(started[0]!.closed).toBe(true);
    expect(supervisor.status().map((s) => s.lineId)).toEqual(['c']);
    supervisor.stop();
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await tick(5);
  expect(check()).toBe(true);
}
