import { describe, expect, it } from 'vitest';
import { AppError, ServiceUnavailableError, createLogger } from '@bamboo/kit';
import type { LiveUpdate, VillaClient, VillaLiveRoom } from '../clients/villa.js';
import { createLiveReporter } from './live-reporter.js';
import { StreamRegistry } from './stream-registry.js';

const logger = createLogger('test', 'silent');

function fakeVilla(live: VillaLiveRoom[] = []) {
  const calls: Array<{ roomId: string } & LiveUpdate> = [];
  let failures = 0;
  const villa: Pick<VillaClient, 'setLive' | 'liveRooms'> & { failNext(n: number): void; calls: typeof calls } = {
    calls,
    failNext: (n) => (failures = n),
    async setLive(roomId, update) {
      if (failures > 0) {
        failures -= 1;
        throw new ServiceUnavailableError('villa down');
      }
      if (roomId === 'unknown') throw new AppError(404, 'not_found', 'no room');
      calls.push({ roomId, ...update });
      return { roomId, live: update.live, sessionId: update.sessionId, startedAt: update.at, applied: true };
    },
    liveRooms: async () => live,
  };
  return villa;
}

const stream = (roomId: string, sessionId: string, startedAt = 10) => ({ roomId, streamPath: `/live/${roomId}`, sessionId, startedAt, publisherId: 'p' });

describe('live reporter', () => {
  it('delivers start and end of a stream in order, retrying through villa outages', async () => {
    const registry = new StreamRegistry();
    const villa = fakeVilla();
    const reporter = createLiveReporter({ villa, registry, logger, reconcileIntervalMs: 60_000, retryMinMs: 5, retryMaxMs: 20 });
    reporter.start();
    villa.failNext(3);
    registry.start(stream('a', 's1'));
    registry.end('a', 99);
    await reporter.idle();
    expect(villa.calls).toEqual([
      { roomId: 'a', sessionId: 's1', live: true, at: 10 },
      { roomId: 'a', sessionId: 's1', live: false, at: 99 },
    ]);
    reporter.stop();
  });

  it('gives up on a 4xx (unknown room) without blocking other rooms', async () => {
    const registry = new StreamRegistry();
    const villa = fakeVilla();
    const reporter = createLiveReporter({ villa, registry, logger, reconcileIntervalMs: 60_000, retryMinMs: 5, retryMaxMs: 20 });
    reporter.start();
    registry.start(stream('unknown', 's1'));
    registry.start(stream('b', 's2'));
    await reporter.idle();
    // (the start-up reconciliation may repeat b's update: villa applies it once)
    expect(villa.calls.filter((c) => c.roomId === 'unknown')).toEqual([]);
    expect(villa.calls).toContainEqual({ roomId: 'b', sessionId: 's2', live: true, at: 10 });
    reporter.stop();
  });

  it('reconciles: villa rooms this origin does not carry go offline, and ours missing in villa go live', async () => {
    const registry = new StreamRegistry();
    const villa = fakeVilla([
      { roomId: 'stale', sessionId: 'old', startedAt: 1 },
      { roomId: 'ours', sessionId: 's-ours', startedAt: 10 },
    ]);
    const reporter = createLiveReporter({ villa, registry, logger, reconcileIntervalMs: 60_000, retryMinMs: 5, retryMaxMs: 20, now: () => 500 });
    registry.start(stream('ours', 's-ours'));
    registry.start(stream('missing', 's-missing', 20));
    await reporter.reconcile();
    await reporter.idle();
    expect(villa.calls).toEqual([
      { roomId: 'stale', sessionId: 'old', live: false, at: 500 },
      { roomId: 'missing', sessionId: 's-missing', live: true, at: 20 },
    ]);
    reporter.stop();
  });
});
