// Access-token records a node keeps after one lookup, so the public path does
// not read the hot state for every request. A record never changes; only
// its liveness does (revocation). On Redis another node may revoke, so the
// caller checks liveness in the same script as the limits (Principal.liveKey)
// and a revocation anywhere is refused on the very next request, at no extra
// round trip. On the memory engine this node is the only one, and revoking
// drops the record here.
import type { TokenRecord } from '../../stores/token-store.js';

const MAX_ENTRIES = 10_000;

export class TokenCache {
  private readonly entries = new Map<string, TokenRecord>();

  /** `revokedElsewhere`: other nodes share the tokens (Redis), so a kept record must be checked live. */
  constructor(readonly revokedElsewhere: boolean) {}

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
