// The master's figures, on the service's Prometheus registry: tasks by state
// and queue depth (read from the task store at scrape time), processing time
// per variant (reported by workers with each completion), lease expiries and
// failures by reason.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TASK_STATES, type TaskStore } from '../stores/task-store.js';

export interface ImageMetrics {
  processing: Histogram<'variant'>;
  leaseExpiries: Counter;
  failures: Counter<'stage' | 'reason'>;
}

export function createImageMetrics(registry: Registry, tasks: TaskStore): ImageMetrics {
  const queueDepth = new Gauge({ name: 'image_queue_depth', help: 'Tasks waiting for a worker (pending)', registers: [registry] });
  new Gauge({
    name: 'image_tasks',
    help: 'Image tasks by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await tasks.countByState();
      for (const state of TASK_STATES) this.set({ state }, counts[state]);
      queueDepth.set(counts.pending);
    },
  });
  return {
    processing: new Histogram({
      name: 'image_processing_seconds',
      help: 'Worker time per variant (all output formats), and for the shared decode',
      labelNames: ['variant'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    leaseExpiries: new Counter({
      name: 'image_lease_expiries_total',
      help: 'Tasks handed out again because their lease ran out',
      registers: [registry],
    }),
    failures: new Counter({
      name: 'image_failures_total',
      help: 'Refused uploads and failed processing attempts, by reason',
      labelNames: ['stage', 'reason'] as const,
      registers: [registry],
    }),
  };
}
