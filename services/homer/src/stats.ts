// homer's own counters, kept as plain numbers so the fan-out loop pays an
// addition, not a metrics call, per delivery; /metrics reads them at scrape
// time (metrics.ts).

export type DropReason =
  /** Low-priority message not written to a connection that was behind. */
  | 'slow_consumer_low'
  /** Any message not written because the connection's buffer was full. */
  | 'buffer_full'
  /** Unicast loaded the maximum number of times without an ack. */
  | 'redelivery_cap'
  /** Unicast past its TTL. */
  | 'expired'
  /** Unicast pushed out of a full inbox by newer ones. */
  | 'inbox_full';

export class HomerStats {
  /** Messages accepted over HTTP, by kind. */
  readonly received = { chat: 0, room: 0, global: 0, unicast: 0 };
  /** Sends refused by the checks, by reason code. */
  readonly refused: Record<string, number> = {};
  /** Messages written to connections (one per message per connection). */
  readonly delivered = { room: 0, unicast: 0 };
  /** Messages left out of a window by its budget (per shard group). */
  sampled = 0;
  readonly dropped: Record<DropReason, number> = { slow_consumer_low: 0, buffer_full: 0, redelivery_cap: 0, expired: 0, inbox_full: 0 };
  /** Acks naming an id the inbox does not hold. */
  unknownAcks = 0;
  /** Connections closed for not reading (slow_consumer). */
  slowConsumersClosed = 0;

  /** Seconds from a unicast's acceptance to its ack (a histogram in metrics.ts). */
  observeAckLatency: (seconds: number) => void = () => undefined;
  /** A user's inbox size when loaded on connect (a histogram in metrics.ts). */
  observeInboxSize: (size: number) => void = () => undefined;

  refuse(code: string): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
  }
}
