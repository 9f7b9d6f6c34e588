// homer's metrics on the app's Prometheus registry: HomerStats' counters
// read at scrape time, connection gauges from the gateway, and the two
// histograms (ack latency, inbox size on connect).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Gateway } from './gateway/gateway.js';
import type { HomerStats } from './stats.js';

/** A counter that mirrors numbers kept elsewhere (one series per key of `read()`). */
function mirror(registry: Registry, name: string, help: string, label: string | undefined, read: () => Record<string, number>): void {
  const reported = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: label ? [label] : [],
    registers: [registry],
    collect() {
      for (const [key, value] of Object.entries(read())) {
        const delta = value - (reported.get(key) ?? 0);
        // A series is shown from the first scrape, at 0 until something happens.
        if (delta <= 0 && reported.has(key)) continue;
        reported.set(key, value);
        if (label) this.inc({ [label]: key }, delta);
        else this.inc(delta);
      }
    },
  });
}

export function registerHomerMetrics(registry: Registry, stats: HomerStats, gateway: Gateway): void {
  mirror(registry, 'homer_messages_in_total', 'Messages accepted over HTTP, by kind', 'kind', () => stats.received);
  mirror(registry, 'homer_messages_refused_total', 'User sends refused, by reason code', 'reason', () => stats.refused);
  mirror(registry, 'homer_messages_delivered_total', 'Messages written to connections (one per connection)', 'kind', () => stats.delivered);
  mirror(registry, 'homer_messages_sampled_total', 'Chat and low-priority messages left out of a window by its budget', undefined, () => ({ all: stats.sampled }));
  mirror(registry, 'homer_messages_dropped_total', 'Messages dropped, by reason', 'reason', () => stats.dropped);
  mirror(registry, 'homer_acks_unknown_total', 'Acks naming an id the inbox does not hold (ignored)', undefined, () => ({ all: stats.unknownAcks }));
  mirror(registry, 'homer_slow_consumers_closed_total', 'Connections closed for not reading', undefined, () => ({ all: stats.slowConsumersClosed }));

  new Gauge({
    name: 'homer_connections',
    help: "This gateway's open connections, by transport",
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      for (const [transport, n] of Object.entries(gateway.connectionsByTransport())) this.set({ transport }, n);
    },
  });
  new Gauge({
    name: 'homer_send_buffer_bytes',
    help: 'Bytes waiting to be written, over all connections',
    registers: [registry],
    collect() {
      this.set(gateway.bufferedBytes());
    },
  });
  new Gauge({
    name: 'homer_room_connections',
    help: "This gateway's connections per room",
    labelNames: ['room'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [room, n] of Object.entries(gateway.hub.counts())) this.set({ room }, n);
    },
  });
  const ackLatency = new Histogram({
    name: 'homer_ack_latency_seconds',
    help: 'From a unicast message being accepted to its ack',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300, 3600],
    registers: [registry],
  });
  const inboxSize = new Histogram({
    name: 'homer_inbox_size',
    help: "A user's unacked messages, loaded on connect",
    buckets: [0, 1, 2, 5, 10, 20, 50, 100],
    registers: [registry],
  });
  stats.observeAckLatency = (seconds) => ackLatency.observe(seconds);
  stats.observeInboxSize = (size) => inboxSize.observe(size);
}
