// /admin/*: clients (create, list, show, change limits, disable/enable,
// rotate the secret), the audit log, and the route table. Allowed with
// `Authorization: Bearer $APOLLO_ADMIN_TOKEN`, an OAuth access token holding
// the scope `admin`, or the internal signature of another service.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import {
  ErrorSchema,
  ForbiddenError,
  NotFoundError,
  SIGNATURE_HEADER,
  UnauthorizedError,
  createRoute,
  verifyRequestSignature,
  z,
  type ServiceApp,
  type ServiceEnv,
} from '@bamboo/kit';
import type { Apollo } from '../apollo.js';
import { principalFromAccessToken } from '../auth/oauth/oauth.js';
import { AuthError } from '../auth/principal.js';
import { changeClient, createClient, rotateSecret } from '../clients/admin.js';
import { GROUP_NAME, LimitSchema, PLAN_NAMES, SCOPE_NAME, publicView } from '../clients/client.js';
import { RouteSchema } from '../routing/route-table.js';

const Limits = z.record(z.string().regex(GROUP_NAME, 'a limit group such as read, write or danmaku.send'), LimitSchema);
const Scopes = z.array(z.string().regex(SCOPE_NAME, 'a scope such as read or users:issue')).max(64);
const ClientView = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.string(),
    scopes: z.array(z.string()),
    limits: Limits,
    quotaPerDay: z.number().int().nullable().optional(),
    concurrency: z.number().int().optional(),
    disabled: z.boolean(),
    secrets: z.array(z.object({ id: z.string(), createdAt: z.number(), expiresAt: z.number().nullable() })),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('Client');
const WithSecret = z.object({ client: ClientView, secret: z.string().openapi({ description: 'shown once; store it now' }) });
const IdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  400: json(ErrorSchema, 'invalid input'),
  401: json(ErrorSchema, 'no admin credentials'),
  403: json(ErrorSchema, 'credentials without the admin scope'),
};
const security = [{ adminToken: [] }];

export function adminRoutes(app: ServiceApp, apollo: Apollo): void {
  const deps = apollo.admin;
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer' });
  app.use('/admin/*', requireAdmin(apollo));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/clients',
      tags: ['admin'],
      security,
      summary: 'Create an API client; the secret is in the answer and nowhere else',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                id: IdParam.shape.id.optional(),
                name: z.string().min(1).max(200),
                plan: z.enum(PLAN_NAMES).default('free'),
                scopes: Scopes.default([]),
                limits: Limits.optional(),
                quotaPerDay: z.number().int().positive().nullable().optional(),
                concurrency: z.number().int().positive().max(10_000).optional(),
              }),
            },
          },
        },
      },
      responses: { 201: json(WithSecret, 'created'), 409: json(ErrorSchema, 'the id is taken'), ...errors },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { client, secret } = await createClient(deps, stripUndefined(body), c.get('caller'));
      return c.json({ client: publicView(client), secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/clients',
      tags: ['admin'],
      security,
      summary: 'List clients by id, a page at a time',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), after: z.string().optional() }) },
      responses: { 200: json(z.object({ clients: z.array(ClientView), next: z.string().nullable() }), 'a page'), ...errors },
    }),
    async (c) => {
      const { limit, after } = c.req.valid('query');
      const clients = await deps.directory.store.list({ limit, ...(after ? { after } : {}) });
      const next = clients.length === limit ? clients.at(-1)!._id : null;
      return c.json({ clients: clients.map(publicView), next }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/clients/{id}',
      tags: ['admin'],
      security,
      summary: 'Show a client',
      request: { params: IdParam },
      responses: { 200: json(ClientView, 'the client'), 404: json(ErrorSchema, 'unknown client'), ...errors },
    }),
    async (c) => {
      const client = await deps.directory.store.get(c.req.valid('param').id);
      if (!client) throw new NotFoundError(`no client ${c.req.valid('param').id}`, 'unknown_client');
      return c.json(publicView(client), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/admin/clients/{id}',
      tags: ['admin'],
      security,
      summary: 'Change a client: disable/enable, plan, scopes, limits, quota, concurrency (applies on every node within 1 s)',
      request: {
        params: IdParam,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({
                  name: z.string().min(1).max(200),
                  plan: z.enum(PLAN_NAMES),
                  scopes: Scopes,
                  limits: Limits,
                  quotaPerDay: z.number().int().positive().nullable(),
                  concurrency: z.number().int().positive().max(10_000),
                  disabled: z.boolean(),
                })
                .partial()
                .strict(),
            },
          },
        },
      },
      responses: { 200: json(ClientView, 'the client after the change'), 404: json(ErrorSchema, 'unknown client'), ...errors },
    }),
    async (c) => {
      const client = await changeClient(deps, c.req.valid('param').id, stripUndefined(c.req.valid('json')), c.get('caller'));
      return c.json(publicView(client), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/clients/{id}/rotate',
      tags: ['admin'],
      security,
      summary: 'Issue a new secret; the old ones keep working for graceSeconds',
      request: {
        params: IdParam,
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ graceSeconds: z.number().int().min(0).max(30 * 86_400).optional() }) } },
        },
      },
      responses: { 200: json(WithSecret, 'the new secret'), 404: json(ErrorSchema, 'unknown client'), ...errors },
    }),
    async (c) => {
      const grace = c.req.valid('json')?.graceSeconds ?? apollo.config.APOLLO_SECRET_GRACE_SECONDS;
      const { client, secret } = await rotateSecret(deps, c.req.valid('param').id, grace, c.get('caller'));
      return c.json({ client: publicView(client), secret }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/audit',
      tags: ['admin'],
      security,
      summary: 'The audit log of admin changes, newest first',
      request: { query: z.object({ target: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
      responses: {
        200: json(
          z.object({
            entries: z.array(z.object({ at: z.number(), actor: z.string(), action: z.string(), target: z.string(), detail: z.record(z.string(), z.unknown()) })),
          }),
          'entries',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { target, limit } = c.req.valid('query');
      return c.json({ entries: await deps.audit.list({ limit, ...(target ? { target } : {}) }) }, 200);
    },
  );

  const RoutesBody = z.object({ routes: z.array(RouteSchema) });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/routes',
      tags: ['admin'],
      security,
      summary: 'The route table in force, each instance\'s health and circuit, and whether limits are shared (Redis) or per node',
      responses: {
        200: json(
          RoutesBody.extend({
            limits: z.enum(['shared', 'per-node', 'degraded']),
            upstreams: z.record(z.string(), z.object({ health: z.enum(['healthy', 'unhealthy']), circuit: z.enum(['closed', 'open', 'half-open']) })),
          }),
          'the table',
        ),
        ...errors,
      },
    }),
    (c) => {
      const limits = apollo.admission.degraded ? 'degraded' : apollo.admission.shared ? 'shared' : 'per-node';
      const circuits = apollo.proxy.circuits();
      const upstreams = Object.fromEntries(
        Object.entries(apollo.health.snapshot()).map(([u, health]) => [u, { health, circuit: circuits[u] ?? ('closed' as const) }]),
      );
      return c.json({ routes: apollo.routes.all(), limits: limits as 'shared' | 'per-node' | 'degraded', upstreams }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/admin/routes',
      tags: ['admin'],
      security,
      summary: 'Replace the route table on every node, without restart',
      request: { body: { required: true, content: { 'application/json': { schema: z.object({ routes: z.array(z.unknown()) }) } } } },
      responses: { 200: json(RoutesBody, 'the new table'), ...errors },
    }),
    async (c) => {
      const { routes: raw } = c.req.valid('json');
      const routes = await apollo.routes.replace(raw);
      await deps.audit.record({ at: Date.now(), actor: c.get('caller'), action: 'routes.replace', target: 'routes', detail: { prefixes: routes.map((r) => r.prefix) } });
      return c.json({ routes }, 200);
    },
  );
}

/** Sets `caller` to who acts: `admin-token`, `client:<id>` or `internal:<service>`. */
function requireAdmin(apollo: Apollo): MiddlewareHandler<ServiceEnv> {
  const { config } = apollo;
  const adminDigest = config.APOLLO_ADMIN_TOKEN ? sha256(config.APOLLO_ADMIN_TOKEN) : undefined;
  return async (c, next) => {
    if (c.req.header(SIGNATURE_HEADER)) {
      const verdict = await verifyRequestSignature(c, config.BAMBOO_INTERNAL_KEY, config.INTERNAL_SIGNATURE_MAX_SKEW_MS);
      if (!verdict.ok) throw new UnauthorizedError(verdict.reason, 'invalid_signature');
      c.set('caller', `internal:${verdict.caller}`);
      return next();
    }
    const match = /^Bearer +(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer realm="bamboo-admin"');
      throw new UnauthorizedError('admin routes need Authorization: Bearer <admin token or access token with scope admin>');
    }
    const token = match[1]!;
    if (adminDigest && timingSafeEqual(sha256(token), adminDigest)) {
      c.set('caller', 'admin-token');
      return next();
    }
    try {
      const principal = await principalFromAccessToken(apollo.oauth, token);
      if (!principal.scopes.includes('admin')) throw new ForbiddenError('this token lacks the scope admin', 'insufficient_scope');
      c.set('caller', `client:${principal.clientId}`);
    } catch (error) {
      if (error instanceof AuthError) throw new UnauthorizedError('not the admin token, nor a live access token', 'invalid_token');
      throw error;
    }
    return next();
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
