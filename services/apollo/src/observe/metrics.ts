// Per-client, per-route metrics of the gateway, beside the kit's HTTP ones
// in the same registry (GET /metrics). `client` is the client id, or
// `anonymous`; `route` is the route table prefix (bounded cardinality).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface GatewayMetrics {
  requests: Counter<'client' | 'route' | 'status'>;
  refused: Counter<'client' | 'route' | 'reason'>;
  latency: Histogram<'client' | 'route'>;
  upstreamErrors: Counter<'service' | 'upstream' | 'kind'>;
  limitsDegraded: Gauge;
}

export function createGatewayMetrics(registry: Registry, degraded: () => boolean): GatewayMetrics {
  return {
    requests: new Counter({
      name: 'apollo_requests_total',
      help: 'Public requests by client, route prefix and status',
      labelNames: ['client', 'route', 'status'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'apollo_refused_total',
      help: 'Requests refused before forwarding (rate_limited, quota_exceeded, concurrency_limit, auth codes)',
      labelNames: ['client', 'route', 'reason'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'apollo_request_duration_seconds',
      help: 'Public request latency through apollo, by client and route prefix',
      labelNames: ['client', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    upstreamErrors: new Counter({
      name: 'apollo_upstream_errors_total',
      help: 'Upstream failures by service, instance and kind (unavailable, timeout, bad_gateway, circuit_open)',
      labelNames: ['service', 'upstream', 'kind'] as const,
      registers: [registry],
    }),
    limitsDegraded: new Gauge({
      name: 'apollo_limits_degraded',
      help: '1 while Redis does not answer and limits are kept per node',
      registers: [registry],
      collect() {
        this.set(degraded() ? 1 : 0);
      },
    }),
  };
}
