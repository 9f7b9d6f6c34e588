// Which line each viewer was handed, for the capacity check and to know
// which rooms to tell when a line goes bad. A play counts for `ttlMs`;
// a viewer asking again moves to the line handed out last. In process:
// each trafficcop instance counts the plays it handed out (capacities are
// per instance; see README).
export interface ViewerPlacement {
  lineId: string;
  roomId: string;
  region?: string;
  isp?: string;
  at: number;
}

export class ViewerTracker {
  readonly #byViewer = new Map<string, ViewerPlacement>();
  readonly #byLine = new Map<string, Map<string, ViewerPlacement>>();

  constructor(private readonly ttlMs: number) {}

  place(viewerKey: string, placement: ViewerPlacement): void {
    const key = `${placement.roomId}\u0000${viewerKey}`;
    const previous = this.#byViewer.get(key);
    if (previous && previous.lineId !== placement.lineId) this.#byLine.get(previous.lineId)?.delete(key);
    this.#byViewer.set(key, placement);
    let line = this.#byLine.get(placement.lineId);
    if (!line) this.#byLine.set(placement.lineId, (line = new Map()));
    line.set(key, placement);
  }

  /** Viewers on the line within the last ttl (call sweep() now and then to keep this exact). */
  count(lineId: string): number {
    return this.#byLine.get(lineId)?.size ?? 0;
  }

  /** Rooms with viewers on the line, in `region`/`isp` when given. */
  rooms(lineId: string, region?: string, isp?: string): string[] {
    const rooms = new Set<string>();
    for (const p of this.#byLine.get(lineId)?.values() ?? []) {
      if ((region === undefined || p.region === region) && (isp === undefined || p.isp === isp)) rooms.add(p.roomId);
    }
    return [...rooms].sort();
  }

  sweep(now: number): void {
    for (const [key, p] of this.#byViewer) {
      if (now - p.at < this.ttlMs) continue;
      this.#byViewer.delete(key);
      this.#byLine.get(p.lineId)?.delete(key);
    }
  }
}
