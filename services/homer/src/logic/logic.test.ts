import { describe, expect, it } from 'vitest';
import { ValidationError } from '@bamboo/kit';
import { issueTicket, verifyTicket, ticketSecret } from './ticket.js';
import { orderGateways } from './dispatch.js';
import { heartbeatFor } from './heartbeat.js';
import { checkText } from './send.js';
import type { GatewayInfo } from '../stores/gateway-registry.js';

describe('tickets', () => {
  const secret = ticketSecret(undefined, 'internal-key-0123456789');
  const ticket = { uid: 'u1', room: '42', canSend: true, expiresAt: 2_000 };

  it('verify what they issue until they expire', () => {
    const token = issueTicket(secret, ticket);
    expect(verifyTicket(secret, token, 1_999)).toEqual({ ok: true, ticket });
    expect(verifyTicket(secret, token, 2_000)).toMatchObject({ ok: false, code: 'expired_ticket' });
  });

  it('refuse another secret, a changed payload and junk', () => {
    const token = issueTicket(secret, ticket);
    expect(verifyTicket(ticketSecret('another-secret-of-16+', 'x'), token, 0)).toMatchObject({ ok: false, code: 'invalid_ticket' });
    const [, mac] = token.split('.');
    const widened = Buffer.from(JSON.stringify({ ...ticket, room: '43' })).toString('base64url');
    expect(verifyTicket(secret, `${widened}.${mac}`, 0)).toMatchObject({ ok: false, code: 'invalid_ticket' });
    for (const junk of [undefined, 42, '', 'a.b.c', '.', 'x'.repeat(5000)]) {
      expect(verifyTicket(secret, junk, 0)).toMatchObject({ ok: false, code: 'invalid_ticket' });
    }
  });

  it('derive their secret from the internal key without being it', () => {
    expect(ticketSecret(undefined, 'k'.repeat(20)).toString('utf8')).not.toContain('k'.repeat(20));
    expect(ticketSecret(undefined, 'k'.repeat(20))).toEqual(ticketSecret(undefined, 'k'.repeat(20)));
  });
});

describe('dispatch order', () => {
  const gw = (id: string, region: string, isp: string): GatewayInfo => ({ id, region, isp, tcp: `${id}:1`, ws: `ws://${id}/sub` });
  const all = [gw('a', 'east', 'tel'), gw('b', 'east', 'uni'), gw('c', 'west', 'tel'), gw('d', 'west', 'uni'), gw('e', 'east', 'tel')];

  it('ranks same region and ISP, then region, then ISP, then the rest', () => {
    const order = orderGateways(all, { key: 'u', region: 'west', isp: 'tel' }, 5).map((g) => g.id);
    expect(order[0]).toBe('c');
    expect(order[1]).toBe('d');
    expect(order.slice(2, 4).sort()).toEqual(['a', 'e']);
    expect(order[4]).toBe('b');
  });

  it('is stable per user, limited, and moves only the users of a removed gateway', () => {
    let moved = 0;
    for (let i = 0; i < 200; i++) {
      const key = `user-${i}`;
      const full = orderGateways(all, { key }, 5);
      expect(orderGateways([...all].reverse(), { key }, 5)).toEqual(full);
      expect(orderGateways(all, { key }, 2)).toEqual(full.slice(0, 2));
      const without = orderGateways(all.filter((g) => g.id !== 'c'), { key }, 4);
      expect(without).toEqual(full.filter((g) => g.id !== 'c'));
      if (full[0]!.id === 'c') moved++;
    }
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(200);
  });
});

describe('heartbeat interval', () => {
  const settings = { defaultMs: 30_000, cellularMs: 60_000 };
  it('is longer on cellular networks', () => {
    expect(heartbeatFor(undefined, settings)).toBe(30_000);
    expect(heartbeatFor('wifi', settings)).toBe(30_000);
    expect(heartbeatFor('4G', settings)).toBe(60_000);
    expect(heartbeatFor('cellular', settings)).toBe(60_000);
  });
});

describe('danmaku text', () => {
  it('is trimmed and counted in characters', () => {
    expect(checkText('  hi  ', 3)).toBe('hi');
    expect(checkText('弹幕🎉', 3)).toBe('弹幕🎉');
    expect(() => checkText('弹幕🎉!', 3)).toThrow(ValidationError);
    expect(() => checkText(' \n\t ', 3)).toThrow('empty');
  });
});
