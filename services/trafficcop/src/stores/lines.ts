// CDN lines: where the origin relays every published stream (push lines)
// and where viewers pull from (pull lines). A line is a document of record
// (DESIGN.md §2), shared by every trafficcop process.
//
// Guarantees every adapter gives (held by lines.contract.ts):
// - ids are unique: creating a line with a taken id throws ConflictError;
// - push URL templates are unique across lines (two lines pushing to the
//   same URL would fight over one stream): ConflictError on create or update;
// - a write resolves only once stored, and survives a restart;
// - list() returns lines ordered by creation time, then id;
// - update/remove of an unknown id returns null/false and changes nothing;
// - a line stored before issue 6 (`enabled`, push only) reads as a push line
//   in state enabled/disabled covering everywhere with weight 100.

export type LineKind = 'push' | 'pull' | 'both';
/** enabled: handed out and pushed to; draining: no new plays, viewers and relays stay; disabled: neither. */
export type LineState = 'enabled' | 'draining' | 'disabled';
export type PullProtocol = 'flv' | 'hls' | 'rtmp';
export const PULL_PROTOCOLS: readonly PullProtocol[] = ['flv', 'hls', 'rtmp'];
/** In `regions` / `isps`: the line covers every code. */
export const EVERYWHERE = '*';

export interface CdnLine {
  /** Chosen by ops, e.g. `cdn-a`; used in metrics labels and logs. */
  id: string;
  /** Who runs the line, e.g. `aliyun`, `tencent`; backups prefer other providers. */
  provider: string;
  kind: LineKind;
  /** push/both: RTMP URL with `{room}`, e.g. `rtmp://push.cdn-a.example/live/{room}`. */
  pushUrlTemplate?: string;
  /** pull/both: play URL per protocol with `{room}`. */
  pullUrlTemplates: Partial<Record<PullProtocol, string>>;
  /** Region and ISP codes covered, or [`*`]. */
  regions: string[];
  isps: string[];
  /** Relative share of viewers among equally good lines. */
  weight: number;
  /** Concurrent viewers the line takes; 0 means no limit. */
  capacity: number;
  state: LineState;
  /** HTTP(S) URL the active probe GETs; none means the line is not probed. */
  probeUrl?: string;
  /** Key of the line's signed play URLs (Aliyun-style `auth_key`); none means unsigned URLs. */
  signKey?: string;
  createdAt: number;
  updatedAt: number;
}

export type NewCdnLine = Omit<CdnLine, 'createdAt' | 'updatedAt'>;
/** Fields to change; `null` removes an optional one. */
export type CdnLinePatch = {
  [K in keyof Omit<NewCdnLine, 'id'>]?: NewCdnLine[K] | (undefined extends NewCdnLine[K] ? null : never);
};

export interface LineStore {
  /** Creates the indexes the guarantees rest on; call once at start. */
  init(): Promise<void>;
  create(line: NewCdnLine, now: number): Promise<CdnLine>;
  get(id: string): Promise<CdnLine | null>;
  list(): Promise<CdnLine[]>;
  update(id: string, patch: CdnLinePatch, now: number): Promise<CdnLine | null>;
  remove(id: string): Promise<boolean>;
}

/** Push lines in a state that receives relays (draining lines keep serving their viewers). */
export const receivesPush = (line: CdnLine): boolean =>
  line.kind !== 'pull' && line.pushUrlTemplate !== undefined && line.state !== 'disabled';
