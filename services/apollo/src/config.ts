import { baseConfigShape, z } from '@bamboo/kit';
import { isTimeZone } from './limits/day.js';

const seconds = z.coerce.number().int().positive();

export const configShape = {
  ...baseConfigShape('apollo'),
  /** A JSON route table replacing the default one (see routing/route-table.ts). */
  APOLLO_ROUTES_FILE: z.string().min(1).optional(),
  /** Largest request body apollo accepts and forwards (image uploads are 10 MiB). */
  APOLLO_MAX_BODY_BYTES: z.coerce.number().int().positive().default(12 * 1024 * 1024),
  /** How long the merged public OpenAPI document is reused before refetching. */
  APOLLO_OPENAPI_CACHE_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** Bearer token for /admin/*; unset means admin only by a client with scope `admin` or an internal signature. */
  APOLLO_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The demo client seeded at start (the launcher passes both). */
  BAMBOO_DEMO_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/).optional(),
  BAMBOO_DEMO_CLIENT_SECRET: z.string().min(8).optional(),
  /** Scopes of the demo client. */
  APOLLO_DEMO_CLIENT_SCOPES: z.string().default('read write users:issue'),
  /** Lifetime of OAuth access tokens (RFC 6749 expires_in). */
  APOLLO_TOKEN_TTL_SECONDS: seconds.default(7200),
  /** Signs user tokens (HS256); unset derives one from BAMBOO_INTERNAL_KEY, so every node agrees. */
  APOLLO_USER_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** PEM (SPKI) public key accepting RS256 user tokens from an external account system. */
  APOLLO_USER_TOKEN_PUBLIC_KEY: z.string().min(1).optional(),
  /** JWKS URL accepting asymmetric user tokens from an external account system. */
  APOLLO_USER_TOKEN_JWKS_URL: z.string().url().optional(),
  APOLLO_USER_TOKEN_AUDIENCE: z.string().min(1).default('bamboo'),
  APOLLO_USER_TOKEN_ISSUER: z.string().min(1).default('apollo'),
  /** Default and longest lifetime of minted user tokens. */
  APOLLO_USER_TOKEN_TTL_SECONDS: seconds.default(3600),
  APOLLO_USER_TOKEN_MAX_TTL_SECONDS: seconds.default(86_400),
  /** Seals client secrets at rest (for signed requests); unset derives one from BAMBOO_INTERNAL_KEY. */
  APOLLO_SECRETS_KEY: z.string().min(16).optional(),
  /** Signed requests: how far the timestamp may be from apollo's clock; nonces are kept twice as long. */
  APOLLO_SIGNED_MAX_SKEW_SECONDS: seconds.default(300),
  /** Default grace period of the old secret after a rotation. */
  APOLLO_SECRET_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(86_400),
  /** How long a node reuses a client it loaded (changes are also pushed over pub/sub). */
  APOLLO_CLIENT_CACHE_MS: z.coerce.number().int().nonnegative().default(1_000),
  /** Calendar day of the daily quota. */
  APOLLO_QUOTA_TIMEZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').default('UTC'),
  /** Anonymous callers: requests per minute per IP address and route group. */
  APOLLO_ANONYMOUS_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Anonymous callers: requests in flight per IP address on one node. */
  APOLLO_ANONYMOUS_CONCURRENCY: z.coerce.number().int().positive().default(20),
  /** After Redis fails, how long limits stay per node before Redis is tried again. */
  APOLLO_LIMITS_RETRY_MS: z.coerce.number().int().positive().default(1_000),
  /** Active health checks: how often each upstream's /healthz is probed (0 = off). */
  APOLLO_HEALTH_INTERVAL_MS: z.coerce.number().int().nonnegative().default(5_000),
  /** Circuit breaker: error percentage (over 10 s) that opens an upstream's circuit. */
  APOLLO_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(99).default(50),
  /** Circuit breaker: how long an open circuit waits before letting a trial call through. */
  APOLLO_BREAKER_RESET_MS: z.coerce.number().int().positive().default(10_000),
};
export type Config = z.infer<z.ZodObject<typeof configShape>>;
