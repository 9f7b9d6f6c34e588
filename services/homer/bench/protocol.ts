// Messages between the bench's orchestrator (run.ts) and its client and
// sender processes.

export type Kind = 'homer-tcp' | 'homer-ws' | 'ws' | 'sio' | 'ref-homer' | 'ref-sio';

export type ClientCommand =
  | {
      type: 'open';
      kind: Kind;
      host: string;
      port: number;
      /** Source address, so no one address runs out of ephemeral ports. */
      localAddress: string;
      count: number;
      room: string;
      /** homer's ticket secret (HOMER_TICKET_SECRET), to sign connect tickets here. */
      secret: string;
      /** Every n-th connection reads the sender's timestamp of each message. */
      sampleEvery: number;
    }
  | { type: 'reset'; countGifts: boolean }
  | { type: 'report'; expectGifts?: number }
  | { type: 'close' };

export interface ClientReport {
  type: 'report';
  connections: number;
  /** Connections the server closed (or that failed) since they were opened. */
  closed: number;
  deliveries: number;
  /** Writes that carried them: WebSocket messages (or op-5/op-9 frames on TCP). */
  frames: number;
  refDeliveries: number;
  gifts: number;
  /** Open connections that received at least `expectGifts` gifts. */
  allGifts: number;
  /** When the last message arrived (epoch ms). */
  lastAt: number;
  /** [latency ms, count] of the sampled connections' messages. */
  latency: Array<[number, number]>;
  errors: Record<string, number>;
}

export interface Stream {
  /** Messages per second. */
  rate: number;
  type: 'chat' | 'gift';
  priority: 'high' | 'normal' | 'low';
}

export interface SendCommand {
  type: 'send';
  target: { kind: 'homer'; url: string; key: string; room: string } | { kind: 'sio'; url: string };
  streams: Stream[];
  seconds: number;
}

export interface SendReport {
  type: 'sent';
  /** Per stream: accepted by the server. */
  accepted: number[];
  /** Refused or failed requests by HTTP status. */
  failed: Record<string, number>;
  /** Not sent: too many of the stream's requests were waiting for an answer. */
  skipped: number;
  firstAt: number;
  lastAt: number;
}
