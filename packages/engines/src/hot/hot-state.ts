// The hot state port: short-lived keys, counters and pub/sub fan-out.
// `memory` serves one process (tests, `npm start` on one node); `redis` is
// shared by every process pointed at the same Redis and key prefix. Both
// adapters pass test/hot-state.contract.ts.
import type { Redis } from 'ioredis';

export interface SetOptions {
  /** Expire after this many ms (> 0). Without it a set clears any earlier expiry, as in Redis. */
  ttlMs?: number;
  /** Only set when the key does not exist (Redis SET NX): a nonce / idempotency guard. */
  ifAbsent?: boolean;
}

export interface IncrOptions {
  /** Expiry applied only when this call creates the key, atomically with the increment. */
  ttlMs?: number;
}

/**
 * Guarantees:
 * - every single call is atomic, across processes on Redis;
 * - expiry is exact to the observer: an expired key is never read back;
 * - pub/sub is at-most-once and fire-and-forget: a message reaches every
 *   handler subscribed (in every process, on Redis) when it is published, and
 *   is lost for anyone not subscribed then or disconnected at that moment;
 *   handlers run asynchronously, never inside publish();
 * - when Redis does not answer, calls reject promptly (~2 s at most) with
 *   ServiceUnavailableError; the client keeps reconnecting on its own.
 * Keys and channels are namespaced by the instance's key prefix.
 */
export interface HotState {
  readonly kind: 'memory' | 'redis';
  /**
   * The command client (keys prefixed automatically, channels not), for
   * adapters that need Lua via defineCommand. Only on Redis.
   */
  readonly redis?: Redis;
  get(key: string): Promise<string | null>;
  /** Returns false only when `ifAbsent` is set and the key exists. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Returns whether the key existed. */
  del(key: string): Promise<boolean>;
  /** Adds `by` (an integer) and returns the new value; a missing key counts as 0. */
  incrBy(key: string, by: number, options?: IncrOptions): Promise<number>;
  /** Remaining ms to live; null when the key does not exist or never expires. */
  ttlMs(key: string): Promise<number | null>;
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed; returns the unsubscribe function. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /** Throws ServiceUnavailableError unless connected and answering (for /readyz). */
  ping(): Promise<void>;
  /** Drops subscriptions and connections; later calls fail. */
  close(): Promise<void>;
}

/** Called when a subscriber's handler throws; the default writes a process warning. */
export type HandlerErrorHook = (error: unknown, channel: string) => void;

export const defaultHandlerErrorHook: HandlerErrorHook = (error, channel) => {
  process.emitWarning(`hot state subscriber for ${channel} failed: ${String(error)}`);
};
