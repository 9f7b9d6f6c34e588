// Configuration comes from environment variables only, validated once at
// start. A bad or missing value stops the process with a message naming the
// variable, so a misconfigured deploy fails loudly instead of half-working.
import { z } from 'zod';

/** Default public ports of the suite (DESIGN.md §1); each is overridable. */
export const DEFAULT_PORTS = {
  apollo: 8080,
  sandglass: 8081,
  villa: 8082,
  magi: 8083,
  homer: 8084,
  trafficcop: 8085,
  image: 8086,
} as const;

export type ServiceName = keyof typeof DEFAULT_PORTS;
export const SERVICE_NAMES = Object.keys(DEFAULT_PORTS) as ServiceName[];

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .pipe(z.string().url().optional())
  .optional();

/** Variables every service reads. */
export function baseConfigShape(service: ServiceName) {
  return {
    PORT: port.default(DEFAULT_PORTS[service]),
    HOST: z.string().min(1).default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().min(1).default('./data'),
    REDIS_URL: optionalUrl,
    REDIS_PREFIX: z.string().default('bamboo:'),
    MONGO_URL: optionalUrl,
    MONGO_DB: z.string().min(1).default('bamboo'),
    /** Shared secret that signs service-to-service calls; never logged. */
    BAMBOO_INTERNAL_KEY: z
      .string({ error: 'is required (the shared secret that signs calls between services)' })
      .min(16, 'must be at least 16 characters'),
    /** How old a signed internal call may be, either way, before it is refused. */
    INTERNAL_SIGNATURE_MAX_SKEW_MS: z.coerce.number().int().positive().default(30_000),
    /** How long shutdown waits for in-flight requests before closing sockets. */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    ...serviceUrlShape(),
  };
}

/** Where each service is reachable from the others (`SANDGLASS_URL`, …). */
export function serviceUrlShape() {
  const shape = {} as Record<`${Uppercase<ServiceName>}_URL`, z.ZodDefault<z.ZodString>>;
  for (const name of SERVICE_NAMES) {
    const key = `${name.toUpperCase()}_URL` as `${Uppercase<ServiceName>}_URL`;
    shape[key] = z.string().url().default(`http://127.0.0.1:${DEFAULT_PORTS[name]}`);
  }
  return shape;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` with `shape`; throws ConfigError naming every bad variable. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    return `${variable}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

export type BaseConfig = z.infer<z.ZodObject<ReturnType<typeof baseConfigShape>>>;
