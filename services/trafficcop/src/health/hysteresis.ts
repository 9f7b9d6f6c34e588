// Healthy/degraded with hysteresis: one bad observation degrades at once;
// recovering takes an unbroken run of good observations lasting `holdDownMs`,
// so a line that flaps stays degraded.

export type HealthStatus = 'healthy' | 'degraded';

export class Hysteresis {
  status: HealthStatus = 'healthy';
  /** When the status last changed. */
  since: number;
  /** While degraded: start of the current run of good observations. */
  goodSince: number | undefined;

  constructor(
    private readonly holdDownMs: number,
    now: number,
  ) {
    this.since = now;
  }

  /** Feeds one observation; returns the new status when it changed. */
  observe(bad: boolean, now: number): HealthStatus | undefined {
    if (this.status === 'healthy') {
      if (!bad) return undefined;
      this.status = 'degraded';
      this.since = now;
      this.goodSince = undefined;
      return 'degraded';
    }
    if (bad) {
      this.goodSince = undefined;
      return undefined;
    }
    this.goodSince ??= now;
    if (now - this.goodSince < this.holdDownMs) return undefined;
    this.status = 'healthy';
    this.since = now;
    this.goodSince = undefined;
    return 'healthy';
  }
}
