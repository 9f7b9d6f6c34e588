// Answers plays from what is in memory: lines and pins (re-read from the
// document store every LINE_SYNC_INTERVAL_MS and after every change made
// here), line health, relays up, and the viewers handed out. No store is
// read on the play path, so a play costs microseconds.
import { ServiceUnavailableError } from '@bamboo/kit';
import type { HealthMonitor } from '../health/monitor.js';
import { PULL_PROTOCOLS, type CdnLine, type LineStore, type PullProtocol } from '../stores/lines.js';
import { pinId, type Pin, type PinStore } from '../stores/pins.js';
import { fillTemplate } from '../relay/push-url.js';
import { signPlayUrl } from './play-url.js';
import { hash32 } from './rendezvous.js';
import { schedulePlay, type ChoiceReason, type LineFacts, type PlayRequest } from './schedule.js';
import type { ViewerTracker } from './viewers.js';

export const ORIGIN_LINE_ID = 'origin';

export interface PlayUrl {
  lineId: string;
  provider: string;
  url: string;
  reason: ChoiceReason | 'origin';
}

export interface PlayAnswer {
  roomId: string;
  protocol: PullProtocol;
  urls: PlayUrl[];
  /** Epoch seconds until which signed URLs play. */
  expiresAt: number;
}

export interface SchedulerOptions {
  lines: LineStore;
  pins: PinStore;
  health: Pick<HealthMonitor, 'degraded' | 'goodQuality' | 'setLines'>;
  viewers: ViewerTracker;
  carriesPush(lineId: string, roomId: string): boolean;
  /** Signed origin URL of a room live here, or undefined (not live here, or no such protocol). */
  originUrl(roomId: string, protocol: PullProtocol, expiresAtS: number): string | undefined;
  backups: number;
  playTtlS: number;
  now: () => number;
}

export class Scheduler {
  #lines: Array<{ line: CdnLine; hash: number }> = [];
  #pins = new Map<string, Pin>();

  constructor(private readonly options: SchedulerOptions) {}

  /** Re-reads lines and pins from the store. */
  async refresh(): Promise<void> {
    const [lines, pins] = await Promise.all([this.options.lines.list(), this.options.pins.list(this.options.now())]);
    this.#lines = lines.map((line) => ({ line, hash: hash32(line.id) }));
    this.#pins = new Map(pins.map((p) => [p.id, p]));
    this.options.health.setLines(lines);
  }

  lines(): CdnLine[] {
    return this.#lines.map((l) => l.line);
  }

  /** The pin that applies to a play: the room's, else the region's, else the ISP's. */
  pinFor(roomId: string, region?: string, isp?: string): Pin | undefined {
    const now = this.options.now();
    for (const id of [pinId('room', roomId), region && pinId('region', region), isp && pinId('isp', isp)]) {
      const pin = id ? this.#pins.get(id) : undefined;
      if (pin && pin.expiresAt > now) return pin;
    }
    return undefined;
  }

  /** Ordered play URLs for one viewer; records the viewer on the primary line. */
  play(request: PlayRequest, record = true): PlayAnswer {
    const { health, viewers } = this.options;
    const now = this.options.now();
    const expiresAt = Math.floor(now / 1000) + this.options.playTtlS;
    const pin = this.pinFor(request.roomId, request.region, request.isp);
    let pinned: LineFacts | undefined;
    const facts: LineFacts[] = this.#lines.map(({ line, hash }) => {
      const f: LineFacts = {
        line,
        hash,
        carriesPush: this.options.carriesPush(line.id, request.roomId),
        goodQuality: health.goodQuality(line.id, request.region, request.isp),
        degraded: health.degraded(line.id, request.region, request.isp),
        full: line.capacity > 0 && viewers.count(line.id) >= line.capacity,
      };
      if (pin?.lineId === line.id) pinned = f;
      return f;
    });
    const urls: PlayUrl[] = schedulePlay(request, facts, this.options.backups, pinned).map(({ line, reason }) => {
      const url = fillTemplate(line.pullUrlTemplates[request.protocol]!, request.roomId);
      return { lineId: line.id, provider: line.provider, url: line.signKey ? signPlayUrl(url, line.signKey, expiresAt) : url, reason };
    });
    const origin = this.options.originUrl(request.roomId, request.protocol, expiresAt);
    if (origin !== undefined && request.exclude !== ORIGIN_LINE_ID) {
      urls.push({ lineId: ORIGIN_LINE_ID, provider: ORIGIN_LINE_ID, url: origin, reason: 'origin' });
    }
    if (urls.length === 0) {
      throw new ServiceUnavailableError(`no line can serve room ${request.roomId} over ${request.protocol} here now`, 'no_line');
    }
    if (record) {
      viewers.place(request.viewerKey, { lineId: urls[0]!.lineId, roomId: request.roomId, region: request.region, isp: request.isp, at: now });
    }
    return { roomId: request.roomId, protocol: request.protocol, urls, expiresAt };
  }

  /** URL lists per protocol for a room notice (not sticky: the room's own key); empty protocols left out. */
  noticeUrls(roomId: string, where: { region?: string; isp?: string; exclude?: string }): Partial<Record<PullProtocol, PlayUrl[]>> {
    const out: Partial<Record<PullProtocol, PlayUrl[]>> = {};
    for (const protocol of PULL_PROTOCOLS) {
      try {
        out[protocol] = this.play({ roomId, protocol, viewerKey: `room:${roomId}`, ...where }, false).urls;
      } catch (error) {
        if (!(error instanceof ServiceUnavailableError)) throw error;
      }
    }
    return out;
  }
}
