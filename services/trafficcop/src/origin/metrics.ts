// Origin metrics, read from node-media-server's sessions at scrape time:
// publishers, players, bytes in/out per stream, relays per line and state,
// plus counters of publish refusals, relay restarts and thumbnail grabs.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayStatus } from '../relay/relay-supervisor.js';
import type { NmsSession } from './nms.js';

export interface OriginMetrics {
  refusals: Counter<'reason'>;
  relayRestarts: Counter<'line'>;
  thumbnails: Counter<'result'>;
}

export function createOriginMetrics(
  registry: Registry,
  sources: { sessions: () => NmsSession[]; relays: () => RelayStatus[] },
): OriginMetrics {
  const isPlayer = (s: NmsSession) => !s.isPublisher && s.ip !== '';

  new Gauge({
    name: 'trafficcop_publishers',
    help: 'RTMP publishers connected to the origin',
    registers: [registry],
    collect() {
      this.set(sources.sessions().filter((s) => s.isPublisher).length);
    },
  });
  new Gauge({
    name: 'trafficcop_players',
    help: 'Players (RTMP and HTTP-FLV) connected to the origin, by protocol',
    labelNames: ['protocol'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.sessions()) if (isPlayer(s)) this.inc({ protocol: s.protocol });
    },
  });
  new Gauge({
    name: 'trafficcop_stream_bytes_in',
    help: 'Bytes received from the publisher of each live stream',
    labelNames: ['stream'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.sessions()) if (s.isPublisher) this.set({ stream: s.streamPath }, s.inBytes);
    },
  });
  new Gauge({
    name: 'trafficcop_stream_bytes_out',
    help: 'Bytes sent to players and relays of each stream (open sessions)',
    labelNames: ['stream'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.sessions()) if (!s.isPublisher && s.streamPath) this.inc({ stream: s.streamPath }, s.outBytes);
    },
  });
  new Gauge({
    name: 'trafficcop_relays',
    help: 'Push relays by CDN line and state (connecting, up, retrying)',
    labelNames: ['line', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of sources.relays()) this.inc({ line: r.lineId, state: r.state });
    },
  });
  return {
    refusals: new Counter({
      name: 'trafficcop_publish_refusals_total',
      help: 'Publishes refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    relayRestarts: new Counter({
      name: 'trafficcop_relay_restarts_total',
      help: 'Relays that dropped and were scheduled to restart, by line',
      labelNames: ['line'] as const,
      registers: [registry],
    }),
    thumbnails: new Counter({
      name: 'trafficcop_thumbnails_total',
      help: 'Thumbnail grabs, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
