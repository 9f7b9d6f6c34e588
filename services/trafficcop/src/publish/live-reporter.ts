// Tells villa which rooms are live, at least once: every start and end of a
// live stream is delivered with retries (villa applies each (session, at)
// once and ignores older ones, so repeats are harmless), and a periodic
// reconciliation compares villa's live rooms with the streams this origin
// really carries — which also repairs what a restart of trafficcop left
// behind (rooms still marked live whose publish died with the old process).
//
// One origin per deployment is assumed: a live room villa lists that this
// origin does not carry is marked offline.
import type { Logger } from '@bamboo/kit';
import { AppError } from '@bamboo/kit';
import type { LiveUpdate, VillaClient } from '../clients/villa.js';
import { backoffDelay } from '../relay/backoff.js';
import type { LiveStream, StreamRegistry } from './stream-registry.js';

export interface LiveReporterOptions {
  villa: Pick<VillaClient, 'setLive' | 'liveRooms'>;
  registry: StreamRegistry;
  logger: Logger;
  reconcileIntervalMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  now?: () => number;
}

export interface LiveReporter {
  /** Reconciles now (retrying until villa answers), then on every interval. */
  start(): void;
  /** One reconciliation pass; throws when villa cannot be read. */
  reconcile(): Promise<void>;
  /** Resolves when every delivery queued so far has finished. */
  idle(): Promise<void>;
  stop(): void;
}

export function createLiveReporter(options: LiveReporterOptions): LiveReporter {
  const { villa, registry } = options;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'live-reporter' });
  /** Per room, the tail of its delivery chain: updates of one room go out in order. */
  const queues = new Map<string, Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function deliverNow(roomId: string, update: LiveUpdate): Promise<void> {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        const answer = await villa.setLive(roomId, update);
        log.info({ room: roomId, ...update, applied: answer.applied }, 'live status delivered');
        return;
      } catch (error) {
        // A 4xx (e.g. 404 unknown room) will not get better by repeating.
        if (error instanceof AppError && error.status < 500) {
          log.warn({ room: roomId, ...update, err: error }, 'villa refused a live status update');
          return;
        }
        const delay = backoffDelay(attempt, options.retryMinMs, options.retryMaxMs);
        log.warn({ room: roomId, ...update, attempt, retryInMs: delay, err: error }, 'live status not delivered, retrying');
        await sleep(delay);
      }
    }
  }

  function deliver(roomId: string, update: LiveUpdate): void {
    const tail = queues.get(roomId) ?? Promise.resolve();
    const next = tail.then(() => deliverNow(roomId, update));
    queues.set(roomId, next);
    void next.finally(() => {
      if (queues.get(roomId) === next) queues.delete(roomId);
    });
  }

  const onStarted = (s: LiveStream) => deliver(s.roomId, { sessionId: s.sessionId, live: true, at: s.startedAt });
  const onEnded = (s: LiveStream) => deliver(s.roomId, { sessionId: s.sessionId, live: false, at: s.endedAt ?? now() });

  async function reconcile(): Promise<void> {
    const rooms = await villa.liveRooms();
    const listed = new Map(rooms.map((r) => [r.roomId, r]));
    for (const room of rooms) {
      const local = registry.get(room.roomId);
      if (!local) {
        log.info({ room: room.roomId, sessionId: room.sessionId }, 'villa shows a room live that this origin does not carry');
        deliver(room.roomId, { sessionId: room.sessionId, live: false, at: now() });
      }
    }
    for (const stream of registry.list()) {
      if (listed.get(stream.roomId)?.sessionId !== stream.sessionId) {
        deliver(stream.roomId, { sessionId: stream.sessionId, live: true, at: stream.startedAt });
      }
    }
  }

  let interval: NodeJS.Timeout | undefined;

  return {
    start() {
      registry.on('started', onStarted);
      registry.on('ended', onEnded);
      void (async () => {
        for (let attempt = 1; !stopped; attempt++) {
          try {
            await reconcile();
            return;
          } catch (error) {
            const delay = backoffDelay(attempt, options.retryMinMs, options.retryMaxMs);
            log.warn({ err: error, retryInMs: delay }, 'reconciliation with villa failed, retrying');
            await sleep(delay);
          }
        }
      })();
      interval = setInterval(() => {
        reconcile().catch((error: unknown) => log.warn({ err: error }, 'periodic reconciliation failed'));
      }, options.reconcileIntervalMs);
      interval.unref();
    },
    reconcile,
    async idle() {
      while (queues.size > 0) await Promise.allSettled([...queues.values()]);
    },
    stop() {
      stopped = true;
      registry.off('started', onStarted);
      registry.off('ended', onEnded);
      if (interval) clearInterval(interval);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
