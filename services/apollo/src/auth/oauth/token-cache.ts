// Access tokens a node keeps after one lookup, so the public path does not
// read the hot state for every request. A token's record never changes; only
// its liveness does (revocation). On Redis another node may revoke, so the
// caller checks liveness in the same script as the limits (Principal.liveKey)
// and a revocation anywhere is refused on the very next request, at no extra
// round trip. On the memory engine this node is the only one, and revoking
// drops the token here.
//
// What is kept is the principal itself, live key included: a request with a
// known token builds nothing (no principal, no hash of the token).
import type { Principal } from '../principal.js';

const MAX_ENTRIES = 10_000;

interface Entry {
  /** Unix seconds, as in the token's record. */
  expiresAt: number;
  principal: Principal;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  /** `revokedElsewhere`: other nodes share the tokens (Redis), so a kept principal carries its live key. */
  constructor(readonly revokedElsewhere: boolean) {}

  /** The kept principal; treat it as read-only, it is shared by every request with this token. */
  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.expiresAt * 1000 <= Date.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry?.principal;
  }

  set(token: string, expiresAt: number, principal: Principal): void {
    // Oldest first out: insertion order is the Map's order.
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { expiresAt, principal: Object.freeze(principal) });
  }

  drop(token: string): void {
    this.entries.delete(token);
  }
}
