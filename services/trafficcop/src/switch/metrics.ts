// Scheduling metrics: viewers handed out and degraded lines read at scrape
// time; counters of health changes and switch notices.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HealthChange } from '../health/monitor.js';

export interface SchedulingMetrics {
  healthChanges: Counter<'line' | 'source' | 'status'>;
  notices: Counter<'result'>;
}

export function createSchedulingMetrics(
  registry: Registry,
  sources: { lines: () => Array<{ id: string }>; viewers: (lineId: string) => number; status: (lineId: string) => string },
): SchedulingMetrics {
  new Gauge({
    name: 'trafficcop_line_viewers',
    help: 'Plays this instance handed each line within VIEWER_TTL_MS',
    labelNames: ['line'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const line of sources.lines()) this.set({ line: line.id }, sources.viewers(line.id));
    },
  });
  new Gauge({
    name: 'trafficcop_line_degraded',
    help: '1 when the line is degraded everywhere, 0.5 when only somewhere, else 0',
    labelNames: ['line'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const line of sources.lines()) {
        const status = sources.status(line.id);
        this.set({ line: line.id }, status === 'degraded' ? 1 : status === 'partial' ? 0.5 : 0);
      }
    },
  });
  return {
    healthChanges: new Counter({
      name: 'trafficcop_line_health_changes_total',
      help: 'Lines degraded or recovered, by line, source (probe, qos) and new status',
      labelNames: ['line', 'source', 'status'] as const,
      registers: [registry],
    }),
    notices: new Counter({
      name: 'trafficcop_switch_notices_total',
      help: 'Switch notices to rooms through homer, by result (sent, failed)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}

export const countChange = (metrics: SchedulingMetrics, change: HealthChange): void => {
  metrics.healthChanges.inc({ line: change.lineId, source: change.source, status: change.status });
};
