// Keeps one push relay per (live stream × push line in state enabled or
// draining) and nothing else.
// Each relay is watched: when node-media-server reports it down (the line
// refused, dropped or never answered), it is removed and started again after
// an exponential backoff; a relay that comes up resets its backoff. Disabling
// or deleting a line, or the stream ending, stops its relays. Draining lines
// keep their relays: their viewers finish watching.
import type { Logger } from '@bamboo/kit';
import type { Counter } from 'prom-client';
import type { Origin, RelayHandle } from '../origin/origin.js';
import type { LiveStream, StreamRegistry } from '../publish/stream-registry.js';
import { receivesPush, type CdnLine } from '../stores/lines.js';
import { backoffDelay } from './backoff.js';
import { fillTemplate } from './push-url.js';

export type RelayState = 'connecting' | 'up' | 'retrying';

export interface RelayStatus {
  lineId: string;
  roomId: string;
  state: RelayState;
  /** Failed starts since the relay was last up. */
  failures: number;
  /** Epoch ms of the last state change. */
  since: number;
  /** When `retrying`: epoch ms of the next start. */
  nextAttemptAt?: number;
  outBytes: number;
}

interface Relay {
  line: CdnLine;
  stream: LiveStream;
  url: string;
  state: RelayState;
  failures: number;
  since: number;
  nextAttemptAt?: number;
  handle?: RelayHandle;
  retryTimer?: NodeJS.Timeout;
  outBytes: number;
}

export interface RelaySupervisorOptions {
  origin: Pick<Origin, 'pushRelay'>;
  registry: StreamRegistry;
  /** Reads the current lines (all of them; disabled ones are skipped). */
  loadLines: () => Promise<CdnLine[]>;
  backoffMinMs: number;
  backoffMaxMs: number;
  watchIntervalMs: number;
  /** A relay still connecting after this long counts as down. */
  connectTimeoutMs: number;
  lineSyncIntervalMs: number;
  logger: Logger;
  restarts: Counter<'line'>;
  now?: () => number;
}

export interface RelaySupervisor {
  start(): Promise<void>;
  /** Re-reads the lines and starts/stops relays to match; call after a line changed. */
  refreshLines(): Promise<void>;
  status(): RelayStatus[];
  /** The relay of this room to this line is up: the line carries the push of the stream. */
  isUp(lineId: string, roomId: string): boolean;
  stop(): void;
}

export function createRelaySupervisor(options: RelaySupervisorOptions): RelaySupervisor {
  const { origin, registry } = options;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'relays' });
  const relays = new Map<string, Relay>();
  let lines: CdnLine[] = [];
  let timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const keyOf = (lineId: string, roomId: string) => `${lineId}\u0000${roomId}`;

  function setState(relay: Relay, state: RelayState) {
    if (relay.state === state) return;
    relay.state = state;
    relay.since = now();
  }

  function launch(relay: Relay) {
    relay.retryTimer = undefined;
    relay.nextAttemptAt = undefined;
    try {
      relay.handle = origin.pushRelay(relay.stream.streamPath, relay.url);
      setState(relay, 'connecting');
    } catch (error) {
      log.warn({ line: relay.line.id, room: relay.stream.roomId, err: error }, 'relay could not start');
      scheduleRetry(relay);
    }
  }

  function scheduleRetry(relay: Relay) {
    relay.handle?.close();
    relay.handle = undefined;
    relay.failures += 1;
    const delay = backoffDelay(relay.failures, options.backoffMinMs, options.backoffMaxMs);
    relay.nextAttemptAt = now() + delay;
    setState(relay, 'retrying');
    options.restarts.inc({ line: relay.line.id });
    log.warn({ line: relay.line.id, room: relay.stream.roomId, failures: relay.failures, retryInMs: delay }, 'relay down, retrying');
    relay.retryTimer = setTimeout(() => launch(relay), delay);
  }

  function watch() {
    for (const relay of relays.values()) {
      if (!relay.handle) continue;
      relay.outBytes = relay.handle.outBytes();
      const state = relay.handle.state();
      if (state === 'up' && relay.state !== 'up') {
        relay.failures = 0;
        setState(relay, 'up');
        log.info({ line: relay.line.id, room: relay.stream.roomId }, 'relay up');
      } else if (state === 'down') {
        scheduleRetry(relay);
      } else if (state === 'connecting' && now() - relay.since > options.connectTimeoutMs) {
        log.warn({ line: relay.line.id, room: relay.stream.roomId }, 'relay did not connect in time');
        scheduleRetry(relay);
      }
    }
  }

  function stopRelay(key: string, relay: Relay, why: string) {
    if (relay.retryTimer) clearTimeout(relay.retryTimer);
    relay.handle?.close();
    relays.delete(key);
    log.info({ line: relay.line.id, room: relay.stream.roomId, why }, 'relay stopped');
  }

  /** Makes the running relays match (live streams × enabled lines). */
  function reconcile() {
    if (stopped) return;
    const wanted = new Map<string, { line: CdnLine; stream: LiveStream; url: string }>();
    for (const stream of registry.list()) {
      for (const line of lines) {
        if (receivesPush(line)) wanted.set(keyOf(line.id, stream.roomId), { line, stream, url: fillTemplate(line.pushUrlTemplate!, stream.roomId) });
      }
    }
    for (const [key, relay] of relays) {
      const want = wanted.get(key);
      if (!want) stopRelay(key, relay, 'line disabled or stream ended');
      else if (want.url !== relay.url || want.stream !== relay.stream) stopRelay(key, relay, 'line or stream changed');
      else relay.line = want.line;
    }
    for (const [key, want] of wanted) {
      if (relays.has(key)) continue;
      const relay: Relay = { ...want, state: 'connecting', failures: 0, since: now(), outBytes: 0 };
      relays.set(key, relay);
      launch(relay);
    }
  }

  async function refreshLines() {
    lines = await options.loadLines();
    reconcile();
  }

  const onChange = () => reconcile();

  return {
    async start() {
      registry.on('started', onChange);
      registry.on('ended', onChange);
      await refreshLines();
      timers = [
        setInterval(watch, options.watchIntervalMs),
        setInterval(() => {
          refreshLines().catch((error: unknown) => log.warn({ err: error }, 'reading CDN lines failed; keeping the last known'));
        }, options.lineSyncIntervalMs),
      ];
      for (const t of timers) t.unref();
    },
    refreshLines,
    status() {
      return [...relays.values()].map((r) => ({
        lineId: r.line.id,
        roomId: r.stream.roomId,
        state: r.state,
        failures: r.failures,
        since: r.since,
        ...(r.nextAttemptAt !== undefined ? { nextAttemptAt: r.nextAttemptAt } : {}),
        outBytes: r.outBytes,
      }));
    },
    isUp: (lineId, roomId) => relays.get(keyOf(lineId, roomId))?.state === 'up',
    stop() {
      stopped = true;
      registry.off('started', onChange);
      registry.off('ended', onChange);
      for (const t of timers) clearInterval(t);
      for (const [key, relay] of relays) stopRelay(key, relay, 'shutdown');
    },
  };
}
