// Redis hot state on ioredis. Keys get the prefix from ioredis' keyPrefix;
// channels are not keys, so publish and subscribe prefix them here. The
// subscriber is its own connection (a subscribed connection can run nothing
// else). Errors are mapped so a down Redis is a prompt 503, never a hang or
// an 'error' event crash.
import { Redis, type RedisOptions } from 'ioredis';
import { ServiceUnavailableError } from '@bamboo/kit';
import { mapRedisError } from './redis-errors.js';
import { checkIncrement, checkTtl } from './validate.js';
import {
  defaultHandlerErrorHook,
  type HandlerErrorHook,
  type HotState,
  type IncrOptions,
  type SetOptions,
} from './hot-state.js';

export interface RedisHotStateOptions {
  url: string;
  /** Prepended to every key and channel, e.g. 'bamboo:sandglass:'. */
  keyPrefix: string;
  onHandlerError?: HandlerErrorHook;
  /** Per-command deadline (default 2000 ms). */
  commandTimeoutMs?: number;
}

// INCRBY, and PEXPIRE only if this call created the key: atomic in Lua.
const INCR_WITH_TTL = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

// Replies that mean "not now" (loading, failover) rather than a bad command.

const FAIL_FAST_AFTER_MS = 1000;

type Client = Redis & { bambooIncrWithTtl(key: string, by: number, ttlMs: number): Promise<number> };

export function openRedisHotState(options: RedisHotStateOptions): HotState {
  return new RedisHotState(options);
}

export function redisClientOptions(commandTimeoutMs = 2000): RedisOptions {
  return {
    // Fail queued commands after one reconnect attempt instead of waiting forever.
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    // Keep reconnecting forever, backing off to 2 s.
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
    // After a failover the old primary answers READONLY: reconnect and resend.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}

class RedisHotState implements HotState {
  readonly kind = 'redis' as const;
  readonly redis: Client;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly prefix: string;
  private readonly onHandlerError: HandlerErrorHook;
  private lastError: string | undefined;
  /** When the command connection was lost; undefined while connected. */
  private downSince: number | undefined;
  /** A command already failed for want of a connection since it was lost. */
  private knownDown = false;
  private closed = false;

  constructor(options: RedisHotStateOptions) {
    this.prefix = options.keyPrefix;
    this.onHandlerError = options.onHandlerError ?? defaultHandlerErrorHook;
    const redis = new Redis(options.url, { ...redisClientOptions(options.commandTimeoutMs), keyPrefix: this.prefix });
    redis.defineCommand('bambooIncrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    this.watch(redis);
    redis.on('ready', () => {
      this.downSince = undefined;
      this.knownDown = false;
    });
    redis.on('close', () => (this.downSince ??= Date.now()));
    this.redis = redis as Client;
  }

  async get(key: string): Promise<string | null> {
    return this.run(() => this.redis.get(key));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const ttl = checkTtl(options.ttlMs);
    const args: (string | number)[] = [];
    if (ttl !== undefined) args.push('PX', ttl);
    if (options.ifAbsent) args.push('NX');
    const reply = await this.run(() => this.redis.call('SET', key, value, ...args));
    return reply === 'OK';
  }

  async del(key: string): Promise<boolean> {
    return (await this.run(() => this.redis.del(key))) > 0;
  }

  async incrBy(key: string, by: number, options: IncrOptions = {}): Promise<number> {
    checkIncrement(by);
    const ttl = checkTtl(options.ttlMs);
    if (ttl === undefined) return this.run(() => this.redis.incrby(key, by));
    return this.run(() => this.redis.bambooIncrWithTtl(key, by, ttl));
  }

  async ttlMs(key: string): Promise<number | null> {
    const ms = await this.run(() => this.redis.pttl(key));
    return ms < 0 ? null : ms; // -2: no key, -1: no expiry
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run(() => this.redis.publish(this.prefix + channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.check();
    const own = (message: string): void => handler(message);
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      const sub = this.subscriber ?? this.openSubscriber();
      this.pending.set(channel, this.run(() => sub.subscribe(this.prefix + channel)));
    }
    set.add(own);
    try {
      await this.pending.get(channel);
    } catch (err) {
      this.drop(channel, own);
      throw err;
    }
    return async () => {
      if (this.drop(channel, own) && this.subscriber && !this.closed) {
        await this.run(() => this.subscriber!.unsubscribe(this.prefix + channel));
      }
    };
  }

  async ping(): Promise<void> {
    // While the first connect is under way, wait for it (bounded by the command timeout).
    if (['reconnecting', 'close', 'end'].includes(this.redis.status)) throw this.unavailable();
    await this.run(() => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await Promise.all([this.redis, this.subscriber].map((c) => c && quit(c)));
  }

  private openSubscriber(): Redis {
    // duplicate() copies the options; channels are prefixed by hand, so no keyPrefix.
    const sub = this.redis.duplicate({ keyPrefix: '' });
    this.watch(sub);
    sub.on('message', (raw: string, message: string) => {
      if (!raw.startsWith(this.prefix)) return;
      const channel = raw.slice(this.prefix.length);
      for (const h of [...(this.handlers.get(channel) ?? [])]) {
        try {
          h(message);
        } catch (err) {
          this.onHandlerError(err, channel);
        }
      }
    });
    this.subscriber = sub;
    return sub;
  }

  /** Removes a handler; true when it was the channel's last. */
  private drop(channel: string, handler: (message: string) => void): boolean {
    const set = this.handlers.get(channel);
    if (!set?.delete(handler) || set.size > 0) return false;
    this.handlers.delete(channel);
    this.pending.delete(channel);
    return true;
  }

  private watch(client: Redis): void {
    // Without a listener ioredis logs every failed reconnect; keep the reason for ping().
    client.on('error', (err: Error) => {
      this.lastError = err.message;
    });
  }

  private async run<R>(op: () => Promise<R>): Promise<R> {
    this.check();
    // Known to be down: fail now rather than queue until the next reconnect or the timeout.
    if (this.downSince !== undefined && (this.knownDown || Date.now() - this.downSince > FAIL_FAST_AFTER_MS)) {
      throw this.unavailable();
    }
    try {
      return await op();
    } catch (err) {
      const mapped = mapRedisError(err);
      if (!(mapped instanceof ServiceUnavailableError)) throw mapped;
      if (this.downSince !== undefined) this.knownDown = true;
      throw mapped;
    }
  }

  private unavailable(): ServiceUnavailableError {
    const reason = this.lastError ?? `connection ${this.redis.status}`;
    return new ServiceUnavailableError('hot state unavailable', 'unavailable', { reason });
  }

  private check(): void {
    if (this.closed) throw new ServiceUnavailableError('hot state closed');
  }
}

async function quit(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
