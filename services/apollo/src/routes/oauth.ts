// /oauth/token (RFC 6749 §4.4), /oauth/revoke (RFC 7009), /oauth/introspect
// (RFC 7662). Form-encoded in, JSON out, errors in the RFC 6749 §5.2 shape.
import type { Context } from 'hono';
import { createRoute, z, type ServiceApp, type ServiceEnv } from '@bamboo/kit';
import type { Apollo } from '../apollo.js';
import { remoteAddress } from './remote-address.js';
import {
  OAuthError,
  authenticateClient,
  introspectToken,
  issueToken,
  readClientCredentials,
  revokeToken,
} from '../auth/oauth/oauth.js';

const OAuthErrorSchema = z
  .object({ error: z.string().openapi({ example: 'invalid_client' }), error_description: z.string().optional() })
  .openapi('OAuthError');
/**
 * A plain OpenAPI schema, not zod: a zod body would make the router answer a
 * wrong content type itself, outside the RFC 6749 error shape.
 */
const form = (fields: Record<string, string>) => ({
  type: 'object' as const,
  properties: Object.fromEntries(Object.entries(fields).map(([name, description]) => [name, { type: 'string' as const, description }])),
});
const clientFields = {
  client_id: 'the client id, when not sent with HTTP Basic',
  client_secret: 'the client secret, when not sent with HTTP Basic',
};
const errors = {
  400: { description: 'RFC 6749 §5.2 error', content: { 'application/json': { schema: OAuthErrorSchema } } },
  401: { description: 'invalid_client', content: { 'application/json': { schema: OAuthErrorSchema } } },
};
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

export function oauthRoutes(app: ServiceApp, apollo: Apollo): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/oauth/token',
      tags: ['oauth'],
      summary: 'Client credentials grant: an access token for a third-party app',
      request: {
        body: {
          content: {
            'application/x-www-form-urlencoded': {
              schema: form({ grant_type: 'client_credentials', scope: 'space-separated subset of the client\'s scopes', ...clientFields }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'a bearer token',
          content: {
            'application/json': {
              schema: z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string() }),
            },
          },
        },
        ...errors,
      },
    }),
    // The answers follow the RFCs rather than the route's typed responses.
    (c) =>
      oauthCall(c, apollo, async (fields) => {
        const client = await authenticateClient(apollo.oauth, readClientCredentials(c.req.header('authorization'), fields));
        return c.json(await issueToken(apollo.oauth, client, fields), 200, NO_STORE);
      }) as never,
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/oauth/revoke',
      tags: ['oauth'],
      summary: 'Revoke an access token (RFC 7009); every apollo node refuses it from then on',
      request: { body: { content: { 'application/x-www-form-urlencoded': { schema: form({ token: 'the access token', token_type_hint: 'access_token', ...clientFields }) } } } },
      responses: { 200: { description: 'revoked, or was not a live token of this client' }, ...errors },
    }),
    // The answers follow the RFCs rather than the route's typed responses.
    (c) =>
      oauthCall(c, apollo, async (fields) => {
        const client = await authenticateClient(apollo.oauth, readClientCredentials(c.req.header('authorization'), fields));
        await revokeToken(apollo.oauth, client, fields.token);
        return c.body(null, 200, NO_STORE);
      }) as never,
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/oauth/introspect',
      tags: ['oauth'],
      summary: 'Introspect an access token (RFC 7662)',
      request: { body: { content: { 'application/x-www-form-urlencoded': { schema: form({ token: 'the access token', token_type_hint: 'access_token', ...clientFields }) } } } },
      responses: {
        200: {
          description: 'the token\'s state',
          content: {
            'application/json': {
              schema: z.object({
                active: z.boolean(),
                client_id: z.string().optional(),
                scope: z.string().optional(),
                token_type: z.string().optional(),
                exp: z.number().int().optional(),
                iat: z.number().int().optional(),
              }),
            },
          },
        },
        ...errors,
      },
    }),
    // The answers follow the RFCs rather than the route's typed responses.
    (c) =>
      oauthCall(c, apollo, async (fields) => {
        const client = await authenticateClient(apollo.oauth, readClientCredentials(c.req.header('authorization'), fields));
        return c.json(await introspectToken(apollo.oauth, client, fields.token), 200, NO_STORE);
      }) as never,
  );
}

/** Reads the form (RFC 6749 requires application/x-www-form-urlencoded) and renders OAuthErrors. */
async function oauthCall(c: Context<ServiceEnv>, apollo: Apollo, handle: (fields: Record<string, string>) => Promise<Response>): Promise<Response> {
  // Each call costs a scrypt verification: callers are limited per address,
  // with the anonymous limits, before any of that work.
  const { config } = apollo;
  const decision = await apollo.limits.admit({
    key: `oauth:${remoteAddress(c)}`,
    group: 'oauth',
    limit: { limit: config.APOLLO_ANONYMOUS_PER_MINUTE, windowSeconds: 60 },
    quotaPerDay: null,
    concurrency: config.APOLLO_ANONYMOUS_CONCURRENCY,
  });
  if (!decision.allowed) {
    return c.json({ error: 'invalid_request', error_description: decision.message }, 429, { ...NO_STORE, ...decision.headers });
  }
  try {
    const type = c.req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const params = new URLSearchParams(await c.req.text());
    const fields: Record<string, string> = {};
    for (const [name, value] of params) {
      if (name in fields) throw new OAuthError(400, 'invalid_request', `${name} appears more than once`);
      fields[name] = value;
    }
    return await handle(fields);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    const headers: Record<string, string> = { ...NO_STORE };
    if (error.error === 'invalid_client') headers['WWW-Authenticate'] = 'Basic realm="bamboo"';
    return c.json({ error: error.error, error_description: error.description }, error.status, headers);
  } finally {
    decision.release();
  }
}
