// CDN push lines: where the origin relays every published stream. A line is
// a document of record (DESIGN.md §2), shared by every trafficcop process.
//
// Guarantees every adapter gives (held by lines.contract.ts):
// - ids are unique: creating a line with a taken id throws ConflictError;
// - push URL templates are unique across lines (two lines pushing to the
//   same URL would fight over one stream): ConflictError on create or update;
// - a write resolves only once stored, and survives a restart;
// - list() returns lines ordered by creation time, then id;
// - update/remove of an unknown id returns null/false and changes nothing.

export interface CdnLine {
  /** Chosen by ops, e.g. `cdn-a`; used in metrics labels and logs. */
  id: string;
  /** Who runs the line, e.g. `aliyun`, `tencent`. */
  provider: string;
  /** RTMP URL with `{room}` where the room id goes, e.g. `rtmp://push.cdn-a.example/live/{room}`. */
  pushUrlTemplate: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export type NewCdnLine = Pick<CdnLine, 'id' | 'provider' | 'pushUrlTemplate' | 'enabled'>;
export type CdnLinePatch = Partial<Pick<CdnLine, 'provider' | 'pushUrlTemplate' | 'enabled'>>;

export interface LineStore {
  /** Creates the indexes the guarantees rest on; call once at start. */
  init(): Promise<void>;
  create(line: NewCdnLine, now: number): Promise<CdnLine>;
  get(id: string): Promise<CdnLine | null>;
  list(): Promise<CdnLine[]>;
  update(id: string, patch: CdnLinePatch, now: number): Promise<CdnLine | null>;
  remove(id: string): Promise<boolean>;
}
