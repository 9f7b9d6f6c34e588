// Wires apollo's parts over the engines: stores → domain → what the routes
// use. main.ts and the end-to-end tests both build apollo through here.
import { createHash } from 'node:crypto';
import type { DocumentStore, HotState } from '@bamboo/engines';
import type { Logger } from '@bamboo/kit';
import type { Config } from './config.js';
import { seedClient, type AdminDeps } from './clients/admin.js';
import { ClientDirectory } from './clients/directory.js';
import { SecretBox } from './clients/secrets.js';
import type { OAuthDeps } from './auth/oauth/oauth.js';
import type { AuthenticateDeps } from './auth/authenticate.js';
import { UserTokens } from './auth/user-token/user-tokens.js';
import { TokenCache } from './auth/oauth/token-cache.js';
import { docsClientStore } from './stores/client-store.docs.js';
import { docsAuditLog } from './stores/audit-log.docs.js';
import { hotTokenStore } from './stores/token-store.hot.js';
import { hotNonceStore } from './stores/nonce-store.hot.js';
import { memoryAdmissionStore } from './stores/admission.memory.js';
import { redisAdmissionStore } from './stores/admission.redis.js';
import { FallbackAdmission } from './limits/fallback.js';
import { Limits } from './limits/limits.js';
import { LiveRoutes } from './routing/live-routes.js';
import { loadRoutes } from './routing/route-table.js';
import { Proxy } from './routing/proxy.js';
import { HealthChecks } from './routing/health.js';

export interface Apollo {
  config: Config;
  logger: Logger;
  admin: AdminDeps;
  auth: AuthenticateDeps;
  oauth: OAuthDeps;
  userTokens: UserTokens;
  limits: Limits;
  admission: FallbackAdmission;
  routes: LiveRoutes;
  health: HealthChecks;
  proxy: Proxy;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A key for `purpose` derived from the internal key, when none is configured. */
const derived = (internalKey: string, purpose: string) => createHash('sha256').update(`apollo:${purpose}\n${internalKey}`).digest('base64url');

export function assemble(config: Config, engines: { docs: DocumentStore; hot: HotState }, logger: Logger): Apollo {
  const { docs, hot } = engines;
  const directory = new ClientDirectory(docsClientStore(docs), hot, config.APOLLO_CLIENT_CACHE_MS);
  const box = new SecretBox(config.APOLLO_SECRETS_KEY ?? derived(config.BAMBOO_INTERNAL_KEY, 'secrets'));
  const admin: AdminDeps = { directory, audit: docsAuditLog(docs), box };
  const oauth: OAuthDeps = {
    directory,
    tokens: hotTokenStore(hot),
    tokenTtlSeconds: config.APOLLO_TOKEN_TTL_SECONDS,
    cache: new TokenCache(hot.redis !== undefined),
  };
  const userTokens = new UserTokens({
    secret: config.APOLLO_USER_TOKEN_SECRET ?? derived(config.BAMBOO_INTERNAL_KEY, 'user-tokens'),
    ...(config.APOLLO_USER_TOKEN_PUBLIC_KEY ? { publicKeyPem: config.APOLLO_USER_TOKEN_PUBLIC_KEY } : {}),
    ...(config.APOLLO_USER_TOKEN_JWKS_URL ? { jwksUrl: config.APOLLO_USER_TOKEN_JWKS_URL } : {}),
    audience: config.APOLLO_USER_TOKEN_AUDIENCE,
    issuer: config.APOLLO_USER_TOKEN_ISSUER,
  });
  const auth: AuthenticateDeps = {
    directory,
    oauth,
    userTokens,
    signed: { directory, nonces: hotNonceStore(hot), box, maxSkewSeconds: config.APOLLO_SIGNED_MAX_SKEW_SECONDS },
  };
  const local = memoryAdmissionStore();
  // The limits script runs for every forwarded request (a turn's requests in
  // one call): on its own connection, so it never waits behind other
  // commands. Its failures surface as 503s or the fallback.
  const limitsRedis = hot.redis?.duplicate();
  limitsRedis?.on('error', () => {});
  const admission = new FallbackAdmission(limitsRedis ? redisAdmissionStore(limitsRedis) : local, local, limitsRedis, config.APOLLO_LIMITS_RETRY_MS);
  const routes = new LiveRoutes(loadRoutes(config.APOLLO_ROUTES_FILE, config), config, docs, hot);
  const health = new HealthChecks(routes, config.APOLLO_HEALTH_INTERVAL_MS);
  const proxy = new Proxy(
    config.BAMBOO_INTERNAL_KEY,
    { errorPercent: config.APOLLO_BREAKER_ERROR_PERCENT, resetMs: config.APOLLO_BREAKER_RESET_MS },
    health,
  );

  return {
    config,
    logger,
    admin,
    auth,
    oauth,
    userTokens,
    limits: new Limits(admission, config.APOLLO_QUOTA_TIMEZONE),
    admission,
    routes,
    health,
    proxy,
    async start() {
      await directory.start();
      await routes.start();
      health.start();
      if (config.BAMBOO_DEMO_CLIENT_ID && config.BAMBOO_DEMO_CLIENT_SECRET) {
        await seedClient(admin, {
          id: config.BAMBOO_DEMO_CLIENT_ID,
          secret: config.BAMBOO_DEMO_CLIENT_SECRET,
          name: 'demo app',
          plan: 'standard',
          scopes: config.APOLLO_DEMO_CLIENT_SCOPES.split(' ').filter(Boolean),
        });
        logger.info({ clientId: config.BAMBOO_DEMO_CLIENT_ID }, 'demo client ready');
      }
    },
    async stop() {
      health.stop();
      await Promise.allSettled([directory.stop(), routes.stop(), proxy.close()]);
      limitsRedis?.disconnect();
    },
  };
}
