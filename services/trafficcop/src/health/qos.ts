// Client-reported quality of a line, aggregated over a sliding window per
// (line, scope) — scope `*` for everywhere and `region/isp` for one place.
// A report is good when its first frame came fast, it stalled little for
// the time watched, and it had no errors; the score is the share of good
// reports in the window.

export interface QosReport {
  lineId: string;
  roomId: string;
  region: string;
  isp: string;
  firstFrameMs: number;
  stallCount: number;
  stallMs: number;
  errors: number;
  /** How long the viewer watched in the period this report covers. */
  watchedMs: number;
}

export interface QosRules {
  windowMs: number;
  minReports: number;
  slowFirstFrameMs: number;
  maxStallRatio: number;
}

export interface QosFigures {
  reports: number;
  good: number;
  score: number;
  avgFirstFrameMs: number;
  stallRatio: number;
  errors: number;
}

interface Entry {
  at: number;
  good: boolean;
  firstFrameMs: number;
  stallMs: number;
  watchedMs: number;
  errors: number;
}

export const isGoodReport = (r: QosReport, rules: QosRules): boolean =>
  r.errors === 0 && r.firstFrameMs <= rules.slowFirstFrameMs && r.stallMs <= rules.maxStallRatio * r.watchedMs;

/** One window; entries arrive in time order (one clock). */
export class QosWindow {
  readonly #entries: Entry[] = [];
  #head = 0;

  add(report: QosReport, at: number, rules: QosRules): void {
    this.#entries.push({
      at,
      good: isGoodReport(report, rules),
      firstFrameMs: report.firstFrameMs,
      stallMs: report.stallMs,
      watchedMs: report.watchedMs,
      errors: report.errors,
    });
  }

  /** Figures over the window ending at `now`, or undefined with fewer than minReports. */
  figures(now: number, rules: QosRules): QosFigures | undefined {
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.at <= now - rules.windowMs) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
    const live = this.#entries.length - this.#head;
    if (live < rules.minReports) return undefined;
    let good = 0;
    let firstFrame = 0;
    let stall = 0;
    let watched = 0;
    let errors = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i]!;
      if (e.good) good++;
      firstFrame += e.firstFrameMs;
      stall += e.stallMs;
      watched += e.watchedMs;
      errors += e.errors;
    }
    return {
      reports: live,
      good,
      score: good / live,
      avgFirstFrameMs: Math.round(firstFrame / live),
      stallRatio: watched > 0 ? stall / watched : 0,
      errors,
    };
  }

  empty(now: number, windowMs: number): boolean {
    const last = this.#entries[this.#entries.length - 1];
    return last === undefined || last.at <= now - windowMs;
  }
}
