// Client lookups on the hot path. Each node caches a client for at most
// APOLLO_CLIENT_CACHE_MS (1 s by default) and drops it at once when any node
// announces a change over the hot state's pub/sub; so a disabled client or a
// changed limit applies on every node within the cache time even if the
// announcement is lost (pub/sub is at most once).
import type { HotState } from '@bamboo/engines';
import type { Client } from './client.js';
import type { ClientStore } from '../stores/client-store.js';

const CHANNEL = 'clients:changed';
/** Unknown ids are cached too (a flood of made-up key ids must not reach the store), so the cache is bounded. */
const MAX_CACHED = 10_000;

export class ClientDirectory {
  private readonly cache = new Map<string, { client: Client | null; at: number }>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    readonly store: ClientStore,
    private readonly hot: HotState,
    private readonly cacheMs: number,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.hot.subscribe(CHANNEL, (id) => this.cache.delete(id));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** This node's copy while it is fresh (null: known not to exist), undefined when get() must load: the hot path skips an await. */
  cached(id: string): Client | null | undefined {
    const hit = this.cache.get(id);
    return hit && Date.now() - hit.at < this.cacheMs ? hit.client : undefined;
  }

  async get(id: string): Promise<Client | null> {
    const hit = this.cached(id);
    if (hit !== undefined) return hit;
    const client = await this.store.get(id);
    this.cache.delete(id);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, { client, at: Date.now() });
    return client;
  }

  /** Tells every node (this one included) to reload `id`. */
  async changed(id: string): Promise<void> {
    this.cache.delete(id);
    try {
      await this.hot.publish(CHANNEL, id);
    } catch {
      // The change is stored; other nodes pick it up when their cache expires.
    }
  }
}
