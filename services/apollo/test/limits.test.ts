// Limits at the edge on one node (memory engine): per client and group,
// RateLimit headers, 429 with Retry-After, daily quota, in-flight cap; a
// refused request is never forwarded. Unit tests of the day arithmetic.
import { describe, expect, it } from 'vitest';
import { readJson } from '@bamboo/testing';
import { dayIn, today } from '../src/limits/day.js';
import { accessToken, admin, fakeService, newClient, startApollo } from './helpers.js';

async function clientWith(url: string, body: Record<string, unknown>) {
  const client = await newClient(url, { scopes: ['read', 'write'], ...body });
  return { ...client, auth: { authorization: `Bearer ${await accessToken(url, client.id, client.secret)}` } };
}

describe('rate limits', () => {
  it('allows the limit, then 429 with Retry-After; refused requests never reach the service', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const { auth } = await clientWith(url, { limits: { read: { limit: 3, windowSeconds: 60 } } });
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/v1/rooms/${i}`, { headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await fetch(`${url}/v1/rooms/x`, { headers: auth });
    expect(refused.status).toBe(429);
    expect((await readJson(refused)).error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(19);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(villa.seen).toHaveLength(3);
  });

  it('limits each group apart: reads spent, writes still pass', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const { auth } = await clientWith(url, { limits: { read: { limit: 1, windowSeconds: 60 }, write: { limit: 1, windowSeconds: 60 } } });
    expect((await fetch(`${url}/v1/rooms/1`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${url}/v1/rooms/1`, { headers: auth })).status).toBe(429);
    expect((await fetch(`${url}/v1/rooms/1`, { method: 'POST', headers: auth })).status).toBe(200);
  });

  it('limits clients apart: one spent does not touch another', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const a = await clientWith(url, { limits: { read: { limit: 1, windowSeconds: 60 } } });
    const b = await clientWith(url, { limits: { read: { limit: 1, windowSeconds: 60 } } });
    expect((await fetch(`${url}/v1/rooms/1`, { headers: a.auth })).status).toBe(200);
    expect((await fetch(`${url}/v1/rooms/1`, { headers: a.auth })).status).toBe(429);
    expect((await fetch(`${url}/v1/rooms/1`, { headers: b.auth })).status).toBe(200);
  });

  it('applies a limit changed through the admin API on the next request', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const client = await clientWith(url, { limits: { read: { limit: 1, windowSeconds: 60 } } });
    expect((await fetch(`${url}/v1/rooms/1`, { headers: client.auth })).status).toBe(200);
    expect((await fetch(`${url}/v1/rooms/1`, { headers: client.auth })).status).toBe(429);
    await admin(url, 'PATCH', `/admin/clients/${client.id}`, { limits: { read: { limit: 100, windowSeconds: 60 } } });
    const after = await fetch(`${url}/v1/rooms/1`, { headers: client.auth });
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit-limit')).toBe('100');
  });

  it('limits anonymous callers per address', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url, APOLLO_ANONYMOUS_PER_MINUTE: '2' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${url}/v1/rooms/1`)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('daily quota', () => {
  it('refuses past the quota with the time to midnight; refused requests do not count', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url, APOLLO_QUOTA_TIMEZONE: 'Asia/Shanghai' });
    const { auth } = await clientWith(url, { quotaPerDay: 2 });
    const first = await fetch(`${url}/v1/rooms/1`, { headers: auth });
    expect(first.headers.get('x-quota-remaining')).toBe('1');
    expect((await fetch(`${url}/v1/rooms/1`, { headers: auth })).status).toBe(200);
    const over = await fetch(`${url}/v1/rooms/1`, { headers: auth });
    expect(over.status).toBe(429);
    expect((await readJson(over)).error.code).toBe('quota_exceeded');
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(Math.ceil(dayIn('Asia/Shanghai').msLeft / 1000) + 1);
    expect(villa.seen).toHaveLength(2);
  });
});

describe('in-flight cap', () => {
  it('refuses a client over its concurrency while another client passes', async () => {
    const villa = await fakeService();
    let open!: () => void;
    villa.gate.hold = new Promise<void>((resolve) => (open = resolve));
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const slow = await clientWith(url, { concurrency: 2 });
    const other = await clientWith(url, { concurrency: 2 });
    const held = [fetch(`${url}/v1/rooms/held`, { headers: slow.auth }), fetch(`${url}/v1/rooms/held`, { headers: slow.auth })];
    while (villa.seen.length < 2) await new Promise((r) => setTimeout(r, 10));
    const third = await fetch(`${url}/v1/rooms/1`, { headers: slow.auth });
    expect(third.status).toBe(429);
    expect((await readJson(third)).error.code).toBe('concurrency_limit');
    expect((await fetch(`${url}/v1/rooms/1`, { headers: other.auth })).status).toBe(200);
    open();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect((await fetch(`${url}/v1/rooms/1`, { headers: slow.auth })).status).toBe(200);
  });
});

describe('calendar day', () => {
  it('names the day and the time left in the zone', () => {
    const at = Date.UTC(2026, 10, 25, 20, 30, 0); // 2026-11-26 04:30 in Shanghai
    expect(dayIn('UTC', at)).toEqual({ date: '2026-11-25', msLeft: 3.5 * 3_600_000 });
    expect(dayIn('Asia/Shanghai', at)).toEqual({ date: '2026-11-26', msLeft: 19.5 * 3_600_000 });
  });

  it('reuses a day for a second at most, and never past its end', () => {
    const beforeMidnight = Date.UTC(2026, 10, 25, 23, 59, 59, 500);
    expect(today('UTC', beforeMidnight)).toEqual({ date: '2026-11-25', msLeft: 500 });
    expect(today('UTC', beforeMidnight + 200)).toEqual({ date: '2026-11-25', msLeft: 300 });
    expect(today('UTC', beforeMidnight + 500)).toEqual({ date: '2026-11-26', msLeft: 86_400_000 });
    expect(today('UTC', beforeMidnight + 1_700)).toEqual({ date: '2026-11-26', msLeft: 86_400_000 - 1_200 });
  });
});

describe('isolation', () => {
  it('a client flooding at ten times its limit does not cost a well-behaved client one request', async () => {
    const villa = await fakeService();
    const { url } = await startApollo({ VILLA_URL: villa.url });
    const noisy = await clientWith(url, { limits: { read: { limit: 10, windowSeconds: 60 } }, concurrency: 1000 });
    const calm = await clientWith(url, { limits: { read: { limit: 100, windowSeconds: 60 } } });
    const flood = Promise.all(Array.from({ length: 100 }, () => fetch(`${url}/v1/rooms/n`, { headers: noisy.auth }).then((r) => r.status)));
    const calmStatuses = [];
    for (let i = 0; i < 10; i++) calmStatuses.push((await fetch(`${url}/v1/rooms/c`, { headers: calm.auth })).status);
    const floodStatuses = await flood;
    expect(calmStatuses).toEqual(Array(10).fill(200));
    expect(floodStatuses.filter((s) => s === 200)).toHaveLength(10);
    expect(floodStatuses.filter((s) => s === 429)).toHaveLength(90);
    expect(villa.seen.filter((s) => s.path === '/v1/rooms/n')).toHaveLength(10);
  });
});
