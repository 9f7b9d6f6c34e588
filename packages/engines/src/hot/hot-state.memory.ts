// In-process hot state: Maps with lazy expiry (checked on every read, so an
// expired key is never observed) plus a periodic sweep to free memory.
import { ServiceUnavailableError } from '@bamboo/kit';
import { checkIncrement, checkTtl } from './validate.js';
import {
  defaultHandlerErrorHook,
  type HandlerErrorHook,
  type HotState,
  type IncrOptions,
  type SetOptions,
} from './hot-state.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

export interface MemoryHotStateOptions {
  onHandlerError?: HandlerErrorHook;
  /** How often expired keys are dropped from memory (default 5 s). */
  sweepEveryMs?: number;
}

export function openMemoryHotState(options: MemoryHotStateOptions = {}): HotState {
  return new MemoryHotState(options.onHandlerError ?? defaultHandlerErrorHook, options.sweepEveryMs ?? 5000);
}

class MemoryHotState implements HotState {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly onHandlerError: HandlerErrorHook,
    sweepEveryMs: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const ttl = checkTtl(options.ttlMs);
    if (options.ifAbsent && this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: ttl === undefined ? null : Date.now() + ttl });
    return true;
  }

  async del(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async incrBy(key: string, by: number, options: IncrOptions = {}): Promise<number> {
    checkIncrement(by);
    const ttl = checkTtl(options.ttlMs);
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: String(by), expiresAt: ttl === undefined ? null : Date.now() + ttl });
      return by;
    }
    const current = Number(entry.value);
    if (!/^-?\d+$/.test(entry.value) || !Number.isSafeInteger(current + by)) {
      throw new Error('ERR value is not an integer or out of range');
    }
    entry.value = String(current + by);
    return current + by;
  }

  async ttlMs(key: string): Promise<number | null> {
    const entry = this.live(key);
    if (!entry || entry.expiresAt === null) return null;
    return entry.expiresAt - Date.now();
  }

  async publish(channel: string, message: string): Promise<void> {
    this.check();
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    for (const handler of handlers) {
      // Asynchronous like Redis; skipped if unsubscribed in the meantime.
      queueMicrotask(() => {
        if (!this.channels.get(channel)?.has(handler)) return;
        try {
          handler(message);
        } catch (err) {
          this.onHandlerError(err, channel);
        }
      });
    }
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.check();
    // Wrap so subscribing one function twice gives two independent subscriptions.
    const own = (message: string): void => handler(message);
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    handlers.add(own);
    return async () => {
      handlers.delete(own);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
    };
  }

  async ping(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.entries.clear();
    this.channels.clear();
  }

  private live(key: string): Entry | undefined {
    this.check();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private check(): void {
    if (this.closed) throw new ServiceUnavailableError('hot state closed');
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}
