// Per-viewer play scheduling, a pure function over what is known right now.
//
// Eligible: the line pulls over the protocol, is enabled (draining and
// disabled lines get no new plays), covers the viewer's region and ISP, is
// not degraded there or everywhere, and has room under its capacity.
// Ranked: lines carrying the push of this stream or with good client-reported
// quality first; within a rank, weighted rendezvous hashing on the viewer
// (sticky per viewer, spread by weight across viewers). Backups follow the
// primary, each from a provider not used yet where possible. A pin (room,
// then region, then ISP) puts its line first. The origin, when it carries
// the stream, is the last resort.
import { EVERYWHERE, type CdnLine, type PullProtocol } from '../stores/lines.js';
import { hash32, rendezvousScore } from './rendezvous.js';

export interface LineFacts {
  line: CdnLine;
  /** hash32(line.id), computed once per line. */
  hash: number;
  /** A relay of this stream to the line is up. */
  carriesPush: boolean;
  /** Client reports say the quality is good for this region/ISP (or everywhere). */
  goodQuality: boolean;
  /** Degraded for this region/ISP or everywhere. */
  degraded: boolean;
  /** At its capacity of viewers. */
  full: boolean;
}

export interface PlayRequest {
  roomId: string;
  region?: string;
  isp?: string;
  protocol: PullProtocol;
  /** What stickiness hashes on: the user id, else a device id or address. */
  viewerKey: string;
  /** Leave this line out (a manual switch away from it). */
  exclude?: string;
}

export type ChoiceReason = 'pinned' | 'preferred' | 'weighted' | 'backup';

export interface Choice {
  line: CdnLine;
  reason: ChoiceReason;
}

const covers = (codes: string[], code: string | undefined) =>
  code === undefined || codes.includes(EVERYWHERE) || codes.includes(code);

/** The ordered lines for one play: primary first, then up to `backups` more. */
export function schedulePlay(request: PlayRequest, facts: LineFacts[], backups: number, pinned?: LineFacts): Choice[] {
  const viewerHash = hash32(request.viewerKey);
  const ranked: Array<{ facts: LineFacts; tier: number; score: number }> = [];
  for (const f of facts) {
    const { line } = f;
    if (line.state !== 'enabled' || f.degraded || f.full || line.id === request.exclude) continue;
    if (line.pullUrlTemplates[request.protocol] === undefined) continue;
    if (!covers(line.regions, request.region) || !covers(line.isps, request.isp)) continue;
    ranked.push({ facts: f, tier: f.carriesPush || f.goodQuality ? 0 : 1, score: rendezvousScore(viewerHash, f.hash, line.weight) });
  }
  ranked.sort((a, b) => a.tier - b.tier || b.score - a.score);

  const chosen: Choice[] = [];
  const providers = new Set<string>();
  const take = (line: CdnLine, reason: ChoiceReason) => {
    chosen.push({ line, reason });
    providers.add(line.provider);
  };
  const pinUsable =
    pinned !== undefined &&
    pinned.line.state === 'enabled' &&
    pinned.line.id !== request.exclude &&
    pinned.line.pullUrlTemplates[request.protocol] !== undefined;
  if (pinUsable) take(pinned.line, 'pinned');
  const rest = ranked.filter((r) => !pinUsable || r.facts.line.id !== pinned.line.id);
  const want = 1 + backups;
  const used = new Set<string>();
  // First pass: new providers only; second pass: whatever is left, in rank order.
  for (const onlyNewProviders of [true, false]) {
    for (const r of rest) {
      if (chosen.length >= want) break;
      if (used.has(r.facts.line.id) || (onlyNewProviders && providers.has(r.facts.line.provider))) continue;
      used.add(r.facts.line.id);
      take(r.facts.line, chosen.length === 0 ? (r.tier === 0 ? 'preferred' : 'weighted') : 'backup');
    }
  }
  return chosen;
}
