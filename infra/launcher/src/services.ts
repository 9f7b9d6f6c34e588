// The suite as the launcher sees it: each service, the env variable that
// moves its port, and its extra listening ports (TCP gateway, RTMP, HTTP-FLV).
import { DEFAULT_PORTS, SERVICE_NAMES, type ServiceName } from '@bamboo/kit';

export interface ExtraPort {
  /** Env variable the service reads, and the launcher accepts to move it. */
  env: string;
  label: string;
  defaultPort: number;
  scheme: string;
}

export const EXTRA_PORTS: Partial<Record<ServiceName, ExtraPort[]>> = {
  homer: [{ env: 'HOMER_TCP_PORT', label: 'danmaku TCP gateway', defaultPort: 8094, scheme: 'tcp' }],
  trafficcop: [
    { env: 'RTMP_PORT', label: 'RTMP origin', defaultPort: 1935, scheme: 'rtmp' },
    { env: 'HTTP_FLV_PORT', label: 'HTTP-FLV playback', defaultPort: 8000, scheme: 'http' },
  ],
};

export interface PlannedService {
  name: ServiceName;
  port: number;
  portEnv: string;
  extra: Array<ExtraPort & { port: number }>;
}

/** Ports for every service: `<NAME>_PORT` (e.g. VILLA_PORT) or the default. */
export function planServices(env: NodeJS.ProcessEnv): PlannedService[] {
  return SERVICE_NAMES.map((name) => {
    const portEnv = `${name.toUpperCase()}_PORT`;
    return {
      name,
      portEnv,
      port: readPort(env, portEnv, DEFAULT_PORTS[name]),
      extra: (EXTRA_PORTS[name] ?? []).map((p) => ({ ...p, port: readPort(env, p.env, p.defaultPort) })),
    };
  });
}

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name}=${raw} is not a port (1-65535)`);
  }
  return port;
}
