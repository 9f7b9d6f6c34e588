// Active health checks: every upstream instance in the route table is probed
// at GET /healthz on an interval. Two failed probes in a row take it out of
// the rotation; one good probe puts it back. Instances never probed count as
// healthy, so a fresh node serves at once.
import type { LiveRoutes } from './live-routes.js';

const FAILURES_TO_EJECT = 2;

export class HealthChecks {
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly routes: LiveRoutes,
    private readonly intervalMs: number,
    private readonly probeTimeoutMs = 1_000,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.probeAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  isHealthy(upstream: string): boolean {
    return (this.failures.get(upstream) ?? 0) < FAILURES_TO_EJECT;
  }

  /** Every upstream's state, for the admin view. */
  snapshot(): Record<string, 'healthy' | 'unhealthy'> {
    const upstreams = new Set(this.routes.all().flatMap((r) => r.upstreams));
    return Object.fromEntries([...upstreams].map((u) => [u, this.isHealthy(u) ? 'healthy' : 'unhealthy']));
  }

  async probeAll(): Promise<void> {
    const upstreams = new Set(this.routes.all().flatMap((r) => r.upstreams));
    await Promise.all([...upstreams].map((u) => this.probe(u)));
  }

  private async probe(upstream: string): Promise<void> {
    let ok = false;
    try {
      const res = await fetch(new URL('/healthz', upstream), { signal: AbortSignal.timeout(this.probeTimeoutMs) });
      ok = res.ok;
      await res.body?.cancel();
    } catch {
      ok = false;
    }
    this.failures.set(upstream, ok ? 0 : (this.failures.get(upstream) ?? 0) + 1);
  }
}
