// Public routes under /v1/presence (reached through apollo).
import { ErrorSchema, ForbiddenError, addDirectJsonRoute, createRoute, z, type Identity, type ServiceApp } from '@bamboo/kit';
import { offlineAfterMs } from '../config.js';
import { dayOf } from '../presence/days.js';
import { durationsOf } from '../presence/durations.js';
import type { RouteDeps } from './context.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: json(ErrorSchema, 'invalid input, naming the field; nothing recorded'),
  403: json(ErrorSchema, 'an end user may only speak for themselves'),
  503: json(ErrorSchema, 'the presence store does not answer'),
};
const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

/** An end user (user token at apollo) may only send heartbeats for their own uid. */
function checkSpeaksFor(identity: Identity, uids: string[]): void {
  if (identity.userId && uids.some((uid) => uid !== identity.userId)) {
    throw new ForbiddenError('an end user may only send heartbeats for their own uid', 'not_your_uid');
  }
}

/**
 * A bound on the body of the largest valid batch (every heartbeat with the
 * longest uid, platform and MAX_MODULES of the longest module names, with
 * room for JSON's punctuation and some whitespace); anything longer is 413.
 */
function maxBatchBytes(config: RouteDeps['config']): number {
  const heartbeat = 256 + config.MAX_MODULES * 160;
  return config.MAX_BATCH * heartbeat + 1024;
}

export function addPublicRoutes(app: ServiceApp, { config, clock, store, records, schemas: s }: RouteDeps): void {
  const ack = (accepted: number) => ({
    intervalMs: config.HEARTBEAT_INTERVAL_MS,
    offlineAfterMs: offlineAfterMs(config),
    accepted,
  });

  // The route at the heartbeat rate: on a socket the kit answers it without
  // the Web Request/Response adaptor (same schema, identity, errors, metrics
  // and log line; see the kit's direct-route.ts and the README's figures).
  addDirectJsonRoute(app, {
    route: createRoute({
      method: 'post',
      path: '/v1/presence/heartbeat',
      tags: ['presence'],
      summary: 'One heartbeat: the user is online, in exactly these modules (as its source sees them)',
      request: { body: body(s.Heartbeat) },
      responses: { 200: json(s.HeartbeatAck, 'recorded; the ack carries the interval to use'), ...errors },
    }),
    schema: s.Heartbeat,
    handler: async (beat, { identity }) => {
      checkSpeaksFor(identity, [beat.uid]);
      await store.heartbeat([beat]);
      return ack(1);
    },
  });

  // Batches from aggregating front ends (homer's gateways) carry most
  // heartbeats at scale, so they take the direct route too: there its zod
  // check runs synchronously, which for a big batch is much cheaper.
  addDirectJsonRoute(app, {
    route: createRoute({
      method: 'post',
      path: '/v1/presence/heartbeats',
      tags: ['presence'],
      summary: 'A batch of heartbeats (aggregating front ends); all or nothing on validation',
      request: { body: body(s.HeartbeatBatch) },
      responses: { 200: json(s.HeartbeatAck, 'all recorded'), ...errors },
    }),
    schema: s.HeartbeatBatch,
    maxBodyBytes: maxBatchBytes(config),
    handler: async ({ heartbeats }, { identity }) => {
      checkSpeaksFor(identity, heartbeats.map((b) => b.uid));
      await store.heartbeat(heartbeats);
      return ack(heartbeats.length);
    },
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/presence/offline',
      tags: ['presence'],
      summary: 'The user is offline now (leaves every module at once)',
      request: { body: body(z.object({ uid: s.Heartbeat.shape.uid })) },
      responses: { 200: json(z.object({ uid: z.string(), wasOnline: z.boolean() }), 'done'), ...errors },
    }),
    async (c) => {
      const { uid } = c.req.valid('json');
      checkSpeaksFor(c.get('identity'), [uid]);
      return c.json({ uid, wasOnline: await store.offline(uid) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/presence/users/{uid}',
      tags: ['presence'],
      summary: 'Is the user online, since when, in which modules',
      request: { params: s.UidParam },
      responses: { 200: json(s.UserStatus, 'status'), ...errors },
    }),
    async (c) => {
      const [status] = await store.status([c.req.valid('param').uid]);
      return c.json(status!, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/presence/users/lookup',
      tags: ['presence'],
      summary: 'Status of several users at once (e.g. a friend list)',
      request: { body: body(s.UidList) },
      responses: { 200: json(z.object({ users: z.array(s.UserStatus) }), 'one status per uid, in order'), ...errors },
    }),
    async (c) => c.json({ users: await store.status(c.req.valid('json').uids) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/presence/users/{uid}/durations',
      tags: ['presence'],
      summary: "The user's online time on a UTC day and in total",
      request: { params: s.UidParam, query: s.DayQuery },
      responses: {
        200: json(
          z.object({ uid: z.string(), day: z.string(), dayMs: z.number().int(), totalMs: z.number().int() }),
          'milliseconds online',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { uid } = c.req.valid('param');
      const day = c.req.valid('query').day ?? dayOf(clock.now());
      return c.json(await durationsOf(store, records, uid, day), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/presence/modules/{module}/count',
      tags: ['presence'],
      summary: 'Exact number of users online in a module',
      request: { params: s.ModuleParam },
      responses: { 200: json(z.object({ module: z.string(), count: z.number().int() }), 'count'), ...errors },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const counts = await store.counts([module]);
      return c.json({ module, count: counts[module] ?? 0 }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/presence/modules/{module}/members',
      tags: ['presence'],
      summary: 'Members of a module, by uid, a page at a time',
      request: { params: s.ModuleParam, query: s.PageQuery },
      responses: {
        200: json(
          z.object({ module: z.string(), members: z.array(z.string()), next: z.string().nullable() }),
          'a page; pass `next` as `cursor` for the following one (null: last page)',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const { cursor, limit } = c.req.valid('query');
      const page = await store.members(module, cursor ?? null, limit);
      return c.json({ module, members: page.uids, next: page.next }, 200);
    },
  );
}
