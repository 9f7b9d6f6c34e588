// POST /v1/auth/user-tokens: a trusted client (scope `users:issue`) mints an
// end-user token, so the suite works end to end without an account system.
import { ErrorSchema, ForbiddenError, UnauthorizedError, createRoute, z, type ServiceApp } from '@bamboo/kit';
import type { Apollo } from '../apollo.js';
import { authenticate } from '../auth/authenticate.js';
import { AuthError } from '../auth/principal.js';

export const ISSUE_SCOPE = 'users:issue';
/** Served by apollo itself, not forwarded (the public path leaves it to Hono). */
export const USER_TOKENS_PATH = '/v1/auth/user-tokens';
/** Scopes a user token never carries: they belong to the client, not its users. */
const CLIENT_ONLY_SCOPES = new Set([ISSUE_SCOPE, 'admin', 'introspect']);

export function userTokenRoutes(app: ServiceApp, apollo: Apollo): void {
  const { config } = apollo;
  app.openapi(
    createRoute({
      method: 'post',
      path: USER_TOKENS_PATH,
      tags: ['auth'],
      summary: `Mint an end-user token (client credentials with the scope ${ISSUE_SCOPE})`,
      security: [{ bearer: [] }],
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                userId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1-128)'),
                scopes: z.array(z.string()).max(64).optional().openapi({ description: "default: the client's scopes a user may hold" }),
                ttlSeconds: z.number().int().positive().max(config.APOLLO_USER_TOKEN_MAX_TTL_SECONDS).optional(),
              }),
            },
          },
        },
      },
      responses: {
        201: {
          description: 'the user token (a JWT; send it as Authorization: Bearer)',
          content: {
            'application/json': {
              schema: z.object({ token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), user_id: z.string(), scope: z.string() }),
            },
          },
        },
        400: { description: 'invalid input', content: { 'application/json': { schema: ErrorSchema } } },
        401: { description: 'no client credentials', content: { 'application/json': { schema: ErrorSchema } } },
        403: { description: `the client lacks ${ISSUE_SCOPE} or a requested scope`, content: { 'application/json': { schema: ErrorSchema } } },
      },
    }),
    async (c) => {
      const url = new URL(c.req.url);
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const principal = await authenticate(apollo.auth, {
        method: 'POST',
        path: url.pathname,
        query: url.search,
        headers: c.req.raw.headers,
        body: raw.byteLength > 0 ? raw : undefined,
      }).catch((error: unknown) => {
        if (error instanceof AuthError) {
          c.header('WWW-Authenticate', error.challenge);
          throw new UnauthorizedError(error.message, error.code);
        }
        throw error;
      });
      if (principal.method !== 'oauth' && principal.method !== 'signed') {
        c.header('WWW-Authenticate', 'Bearer realm="bamboo"');
        throw new UnauthorizedError('minting user tokens needs a client access token or a signed request');
      }
      if (!principal.scopes.includes(ISSUE_SCOPE)) throw new ForbiddenError(`this call needs the scope ${ISSUE_SCOPE}`, 'insufficient_scope');
      const body = c.req.valid('json');
      const grantable = principal.scopes.filter((s) => !CLIENT_ONLY_SCOPES.has(s));
      const scopes = body.scopes ?? grantable;
      const extra = scopes.filter((s) => !grantable.includes(s));
      if (extra.length > 0) throw new ForbiddenError(`this client cannot grant ${extra.join(' ')} to users`, 'insufficient_scope');
      const ttlSeconds = body.ttlSeconds ?? config.APOLLO_USER_TOKEN_TTL_SECONDS;
      const token = await apollo.userTokens.mint({ userId: body.userId, clientId: principal.clientId!, scopes, ttlSeconds });
      return c.json({ token, token_type: 'Bearer' as const, expires_in: ttlSeconds, user_id: body.userId, scope: scopes.join(' ') }, 201, {
        'Cache-Control': 'no-store',
      });
    },
  );
}
