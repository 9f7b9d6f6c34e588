// Pins: ops overrides that put a room, a region or an ISP on one line until
// they expire. A document of record, shared by every trafficcop process.
//
// Guarantees every adapter gives (held by ops-stores.contract.ts):
// - one pin per target (scope + value): pinning it again replaces the pin;
// - list(now) leaves out pins expired at `now`; an expired pin is never
//   returned, whether or not sweep() has removed it yet;
// - remove() of an unknown id returns null and changes nothing.

export type PinScope = 'room' | 'region' | 'isp';

export interface Pin {
  /** `<scope>:<value>`, e.g. `room:42`. */
  id: string;
  scope: PinScope;
  value: string;
  lineId: string;
  expiresAt: number;
  createdAt: number;
  createdBy: string;
  reason: string;
}

export const pinId = (scope: PinScope, value: string): string => `${scope}:${value}`;

export interface PinStore {
  init(): Promise<void>;
  /** Sets (or replaces) the pin of its target; returns the one it replaced. */
  put(pin: Omit<Pin, 'id'>): Promise<{ pin: Pin; replaced: Pin | null }>;
  list(now: number): Promise<Pin[]>;
  remove(id: string): Promise<Pin | null>;
  /** Deletes pins expired at `now`; returns them. */
  sweep(now: number): Promise<Pin[]>;
}
