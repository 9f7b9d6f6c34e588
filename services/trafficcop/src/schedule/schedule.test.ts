// The play decision as a pure function: coverage, weight spread over many
// viewers, stickiness, backups from other providers, preference for push
// carriers and good lines, pins.
import { describe, expect, it } from 'vitest';
import type { CdnLine } from '../stores/lines.js';
import { hash32 } from './rendezvous.js';
import { schedulePlay, type LineFacts, type PlayRequest } from './schedule.js';

const line = (id: string, extra: Partial<CdnLine> = {}): CdnLine => ({
  id,
  provider: id,
  kind: 'pull',
  pullUrlTemplates: { flv: `https://${id}.example/live/{room}.flv` },
  regions: ['*'],
  isps: ['*'],
  weight: 100,
  capacity: 0,
  state: 'enabled',
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});
const facts = (l: CdnLine, extra: Partial<LineFacts> = {}): LineFacts => ({
  line: l,
  hash: hash32(l.id),
  carriesPush: false,
  goodQuality: false,
  degraded: false,
  full: false,
  ...extra,
});
const req = (viewerKey: string, extra: Partial<PlayRequest> = {}): PlayRequest => ({ roomId: '42', protocol: 'flv', viewerKey, ...extra });
const ids = (choices: ReturnType<typeof schedulePlay>) => choices.map((c) => c.line.id);

describe('schedulePlay', () => {
  it('hands out only lines covering the region and ISP, over the protocol, enabled and healthy', () => {
    const lines = [
      facts(line('east', { regions: ['cn-east'] })),
      facts(line('north-unicom', { regions: ['cn-north'], isps: ['unicom'] })),
      facts(line('all')),
      facts(line('hls-only', { pullUrlTemplates: { hls: 'https://h.example/{room}.m3u8' } })),
      facts(line('draining', { state: 'draining' })),
      facts(line('disabled', { state: 'disabled' })),
      facts(line('degraded'), { degraded: true }),
      facts(line('full'), { full: true }),
    ];
    for (let i = 0; i < 200; i++) {
      const east = ids(schedulePlay(req(`u${i}`, { region: 'cn-east', isp: 'telecom' }), lines, 5));
      expect(east.sort()).toEqual(['all', 'east']);
      const north = ids(schedulePlay(req(`u${i}`, { region: 'cn-north', isp: 'unicom' }), lines, 5));
      expect(north.sort()).toEqual(['all', 'north-unicom']);
      expect(ids(schedulePlay(req(`u${i}`, { region: 'cn-north', isp: 'mobile' }), lines, 5))).toEqual(['all']);
    }
    expect(ids(schedulePlay(req('u', { protocol: 'hls' }), lines, 5))).toEqual(['hls-only']);
  });

  it('spreads viewers by weight (chi-square over 20,000 viewers)', () => {
    const weights = { a: 100, b: 200, c: 300, d: 400 };
    const lines = Object.entries(weights).map(([id, weight]) => facts(line(id, { weight })));
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[schedulePlay(req(`user-${i}`), lines, 0)[0]!.line.id]! += 1;
    const total = Object.values(weights).reduce((s, w) => s + w, 0);
    let chi2 = 0;
    for (const [id, w] of Object.entries(weights)) {
      const expected = (n * w) / total;
      chi2 += (counts[id]! - expected) ** 2 / expected;
    }
    // 3 degrees of freedom: P(chi2 > 16.27) = 0.001. Hashing is deterministic, so this never flakes.
    expect(chi2, JSON.stringify(counts)).toBeLessThan(16.27);
    // and a weight of 0 gets nobody
    const zero = [facts(line('a')), facts(line('z', { weight: 0 }))];
    for (let i = 0; i < 500; i++) expect(schedulePlay(req(`v${i}`), zero, 0)[0]!.line.id).toBe('a');
  });

  it('keeps each viewer on the same line, and moves only the viewers of a line that goes', () => {
    const lines = ['a', 'b', 'c', 'd', 'e'].map((id) => facts(line(id)));
    const before = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const first = ids(schedulePlay(req(`u${i}`), lines, 2));
      expect(ids(schedulePlay(req(`u${i}`), lines, 2))).toEqual(first);
      before.set(`u${i}`, first[0]!);
    }
    const withoutC = lines.map((f) => (f.line.id === 'c' ? { ...f, degraded: true } : f));
    let moved = 0;
    for (const [user, was] of before) {
      const now = schedulePlay(req(user), withoutC, 2)[0]!.line.id;
      if (was !== 'c') expect(now).toBe(was);
      else moved++;
    }
    expect(moved).toBeGreaterThan(200); // c had about a fifth of the viewers
  });

  it('gives backups from providers not used yet, then any line', () => {
    const lines = [
      facts(line('ali-1', { provider: 'aliyun', weight: 1000 })),
      facts(line('ali-2', { provider: 'aliyun', weight: 1000 })),
      facts(line('ten-1', { provider: 'tencent', weight: 1 })),
      facts(line('ws-1', { provider: 'wangsu', weight: 1 })),
    ];
    for (let i = 0; i < 300; i++) {
      const chosen = schedulePlay(req(`u${i}`), lines, 2);
      expect(chosen).toHaveLength(3);
      expect(new Set(chosen.map((c) => c.line.provider)).size).toBe(3);
      expect(chosen.map((c) => c.reason)).toEqual(['weighted', 'backup', 'backup']);
    }
    // only two providers: the third URL repeats a provider rather than being left out
    const two = lines.slice(0, 3);
    for (let i = 0; i < 100; i++) {
      const chosen = schedulePlay(req(`u${i}`), two, 2);
      expect(new Set(chosen.slice(0, 2).map((c) => c.line.provider)).size).toBe(2);
      expect(ids(chosen).sort()).toEqual(['ali-1', 'ali-2', 'ten-1']);
    }
  });

  it('ranks lines carrying the push of the stream, or of good quality, first', () => {
    const lines = [facts(line('heavy', { weight: 10_000 })), facts(line('pusher', { weight: 1 }), { carriesPush: true })];
    for (let i = 0; i < 200; i++) expect(schedulePlay(req(`u${i}`), lines, 1)[0]).toMatchObject({ line: { id: 'pusher' }, reason: 'preferred' });
    const good = [facts(line('heavy', { weight: 10_000 })), facts(line('good', { weight: 1 }), { goodQuality: true })];
    for (let i = 0; i < 200; i++) expect(schedulePlay(req(`u${i}`), good, 1)[0]!.line.id).toBe('good');
  });

  it('puts a pinned line first, unless it is not enabled or cannot serve the protocol', () => {
    const lines = [facts(line('a', { provider: 'x' })), facts(line('b', { provider: 'y' })), facts(line('p', { provider: 'z' }))];
    const pinned = lines[2]!;
    for (let i = 0; i < 100; i++) {
      const chosen = schedulePlay(req(`u${i}`), lines, 2, pinned);
      expect(chosen[0]).toMatchObject({ line: { id: 'p' }, reason: 'pinned' });
      expect(ids(chosen).sort()).toEqual(['a', 'b', 'p']);
    }
    const disabled = facts(line('p', { state: 'disabled' }));
    expect(schedulePlay(req('u'), lines.slice(0, 2), 2, disabled)[0]!.reason).not.toBe('pinned');
    expect(ids(schedulePlay(req('u', { protocol: 'hls' }), lines, 2, pinned))).toEqual([]);
  });

  it('leaves out an excluded line (a manual switch away from it)', () => {
    const lines = [facts(line('a')), facts(line('b'))];
    for (let i = 0; i < 50; i++) expect(ids(schedulePlay(req(`u${i}`, { exclude: 'a' }), lines, 2))).toEqual(['b']);
  });
});
