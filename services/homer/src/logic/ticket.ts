// Connect tickets: short-lived, signed, stateless, so any gateway node can
// check one without a store. base64url(JSON payload) "." base64url(HMAC-SHA256).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Ticket {
  /** The user, or `anon-<random>` for an anonymous viewer. */
  uid: string;
  room: string;
  /** Anonymous viewers may receive only. */
  canSend: boolean;
  expiresAt: number;
}

export type TicketVerdict = { ok: true; ticket: Ticket } | { ok: false; code: 'invalid_ticket' | 'expired_ticket'; reason: string };

/** The ticket secret: configured, or derived from the internal key so it is never the key itself. */
export function ticketSecret(configured: string | undefined, internalKey: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  return createHash('sha256').update(`homer-ticket\u0000${internalKey}`).digest();
}

export function anonymousUid(): string {
  return `anon-${randomBytes(8).toString('hex')}`;
}

export function issueTicket(secret: Buffer, ticket: Ticket): string {
  const payload = Buffer.from(JSON.stringify(ticket), 'utf8').toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export function verifyTicket(secret: Buffer, token: unknown, now = Date.now()): TicketVerdict {
  if (typeof token !== 'string' || token.length > 2048) return { ok: false, code: 'invalid_ticket', reason: 'ticket missing' };
  const [payload, mac, extra] = token.split('.');
  if (!payload || !mac || extra !== undefined) return { ok: false, code: 'invalid_ticket', reason: 'ticket malformed' };
  const expected = Buffer.from(sign(secret, payload), 'utf8');
  const given = Buffer.from(mac, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, code: 'invalid_ticket', reason: 'ticket signature does not verify' };
  }
  let ticket: Ticket;
  try {
    ticket = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Ticket;
  } catch {
    return { ok: false, code: 'invalid_ticket', reason: 'ticket payload unreadable' };
  }
  if (!(ticket.expiresAt > now)) return { ok: false, code: 'expired_ticket', reason: 'ticket expired' };
  return { ok: true, ticket };
}

function sign(secret: Buffer, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
