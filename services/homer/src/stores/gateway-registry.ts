// The gateway registry: which gateways are alive, where clients reach them,
// and how many connections each holds per room (the room's online count is
// the sum over live gateways).
//
// Guarantees every adapter gives:
// - a gateway is alive from its beat until `ttlMs` after its latest beat, or
//   until it is removed; a dead gateway is neither listed nor counted;
// - each beat replaces that gateway's per-room counts as a whole, atomically
//   (a room missing from a beat no longer counts that gateway);
// - a store that does not answer rejects with ServiceUnavailableError.

export interface GatewayInfo {
  id: string;
  region: string;
  isp: string;
  /** host:port of the raw TCP gateway. */
  tcp: string;
  /** ws:// URL of the WebSocket gateway. */
  ws: string;
}

export interface GatewayRegistry {
  beat(info: GatewayInfo, roomCounts: Record<string, number>, ttlMs: number): Promise<void>;
  remove(id: string): Promise<void>;
  alive(): Promise<GatewayInfo[]>;
  /** Connections in `room` per live gateway id. */
  countsByGateway(room: string): Promise<Record<string, number>>;
}

export function sumCounts(counts: Record<string, number>, exceptGateway?: string): number {
  let sum = 0;
  for (const [id, n] of Object.entries(counts)) if (id !== exceptGateway) sum += n;
  return sum;
}
