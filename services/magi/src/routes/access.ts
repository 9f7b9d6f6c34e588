// Who may do what. Public reads (catalog, shelves, rankings) need nobody;
// a user reads their own wallet and transactions; everything else needs the
// admin scope (internal callers hold every scope).
import { ForbiddenError, requireScope, requireUser, type Identity } from '@bamboo/kit';

export const ADMIN_SCOPE = 'magi:admin';
/** Held by the payment service that credits top-ups. */
export const TOPUP_SCOPE = 'magi:topup';

export function isAdmin(identity: Identity): boolean {
  return identity.method === 'internal' || identity.scopes.includes(ADMIN_SCOPE);
}

export function requireAdmin(identity: Identity): void {
  requireScope(identity, ADMIN_SCOPE);
}

/** The user themself, or an admin. */
export function requireSelfOrAdmin(identity: Identity, uid: string): void {
  if (isAdmin(identity)) return;
  if (requireUser(identity) !== uid) throw new ForbiddenError(`only ${uid} (or an admin) may read this`);
}
