// /v1/gifts: the catalog, shelves and sending gifts.
import { DirectReply, ForbiddenError, UnauthorizedError, addDirectJsonRoute, createRoute, z, type ServiceApp } from '@bamboo/kit';
import { sendGift } from '../gifting/send.js';
import type { Magi } from '../magi.js';
import { requireAdmin } from './access.js';
import { GiftFieldsSchema, GiftId, GiftSchema, GiftTxSchema, Id, SendSchema, ShelfItemSchema, errors, json } from './schemas.js';

export function giftRoutes(app: ServiceApp, magi: Magi): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts',
      tags: ['catalog'],
      summary: 'The whole catalog, current versions, in display order',
      responses: { 200: json(z.object({ gifts: z.array(GiftSchema) }), 'the catalog') },
    }),
    async (c) => c.json({ gifts: await magi.catalog.list() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts/shelves/{categoryId}',
      tags: ['catalog'],
      summary: 'Gifts on offer in a room category now (or at `at`)',
      request: {
        params: z.object({ categoryId: Id }),
        query: z.object({ at: z.coerce.number().int().min(0).optional() }),
      },
      responses: {
        200: json(
          z.object({
            categoryId: z.string(),
            at: z.number(),
            gifts: z.array(GiftSchema.extend({ until: z.number().nullable() })),
          }),
          'the on-shelf list',
        ),
        ...errors(400),
      },
    }),
    async (c) => {
      const { categoryId } = c.req.valid('param');
      const at = c.req.valid('query').at ?? Date.now();
      return c.json({ categoryId, at, gifts: await magi.catalog.offered(categoryId, at) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/gifts/shelves/{categoryId}',
      tags: ['catalog'],
      summary: 'Replace the shelf of a category (admin); `all` is on offer everywhere',
      request: {
        params: z.object({ categoryId: Id }),
        body: { content: { 'application/json': { schema: z.object({ items: z.array(ShelfItemSchema).max(500) }) } } },
      },
      responses: {
        200: json(
          z.object({
            _id: z.string(),
            items: z.array(z.object({ giftId: z.string(), from: z.number().nullable(), until: z.number().nullable() })),
            updatedAt: z.number(),
          }),
          'the shelf',
        ),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      requireAdmin(c.get('identity'));
      const { categoryId } = c.req.valid('param');
      return c.json(await magi.catalog.putShelf(categoryId, c.req.valid('json').items), 200);
    },
  );

  // The route at the burst rate: on a socket the kit answers it without the
  // Web Request/Response adaptor (same schema, identity, errors, metrics and
  // log line; see the kit's direct-route.ts and the README's figures).
  addDirectJsonRoute(app, {
    route: createRoute({
      method: 'post',
      path: '/v1/gifts/sends',
      tags: ['gifts'],
      summary: 'Send a gift (idempotent by requestId)',
      description:
        'Debits the sender atomically (never below zero), credits the anchor weight and the sender experience, ' +
        'updates rankings and revenue and broadcasts into the room. 201 when applied; 200 with ' +
        '`idempotent-replayed: true` for a retry; 409 for a requestId reused with another body; 402 when the balance is short.',
      request: { body: { content: { 'application/json': { schema: SendSchema } }, required: true } },
      responses: {
        201: json(GiftTxSchema, 'applied'),
        200: json(GiftTxSchema, 'a retry: the first result'),
        ...errors(400, 401, 402, 403, 404, 409, 413, 503),
      },
    }),
    schema: SendSchema,
    handler: async (body, { identity }) => {
      let fromUid = identity.userId;
      if (fromUid && body.fromUid && body.fromUid !== fromUid) {
        throw new ForbiddenError('fromUid: a user sends gifts only as themself');
      }
      if (!fromUid && identity.method === 'internal') fromUid = body.fromUid;
      if (!fromUid) throw new UnauthorizedError('sending a gift needs an end-user token', 'user_required');
      const { entry, replayed } = await sendGift(magi.send, { ...body, fromUid });
      return replayed ? new DirectReply(entry, 200, { 'idempotent-replayed': 'true' }) : new DirectReply(entry, 201);
    },
  });

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/gifts/{giftId}',
      tags: ['catalog'],
      summary: 'Create a gift or write its next version (admin)',
      description: 'Sent gifts keep the version (and price) they were sent at.',
      request: {
        params: z.object({ giftId: GiftId }),
        body: { content: { 'application/json': { schema: GiftFieldsSchema } }, required: true },
      },
      responses: { 200: json(GiftSchema, 'the gift, new version'), ...errors(400, 401, 403, 409) },
    }),
    async (c) => {
      requireAdmin(c.get('identity'));
      return c.json(await magi.catalog.put(c.req.valid('param').giftId, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts/{giftId}',
      tags: ['catalog'],
      summary: 'A gift, current or at a past version',
      request: {
        params: z.object({ giftId: GiftId }),
        query: z.object({ version: z.coerce.number().int().min(1).optional() }),
      },
      responses: { 200: json(GiftSchema, 'the gift'), ...errors(400, 404) },
    }),
    async (c) => {
      const { giftId } = c.req.valid('param');
      const { version } = c.req.valid('query');
      return c.json(version ? await magi.catalog.version(giftId, version) : await magi.catalog.gift(giftId), 200);
    },
  );
}
