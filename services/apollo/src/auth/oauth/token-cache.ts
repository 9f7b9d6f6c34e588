// Access-token records a node keeps after one lookup, so the public path does
// not read the hot state for every request. A record never changes; only
// its liveness does (revocation), and that is checked by the caller in the
// same Redis script as the limits (Principal.liveKey), so a revocation on any
// node is still refused on the very next request, at no extra round trip.
import type { TokenRecord } from '../../stores/token-store.js';

const MAX_ENTRIES = 10_000;

export class TokenCache {
  private readonly entries = new Map<string, TokenRecord>();

  get(token: string): TokenRecord | undefined {
    const record = this.entries.get(token);
    if (record && record.expiresAt * 1000 <= Date.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return record;
  }

  set(token: string, record: TokenRecord): void {
    // Oldest first out: insertion order is the Map's order.
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, record);
  }

  drop(token: string): void {
    this.entries.delete(token);
  }
}
