// Routes for other services (signed; the kit checks the signature): room
// broadcasts (magi's gifts, system notices), global broadcasts, unicast to
// one user, and the admin actions (kick a user, close a room's connections,
// look at an inbox).
import { createRoute, z, ErrorSchema, type ServiceApp } from '@bamboo/kit';
import { broadcast, broadcastMany } from '../logic/send.js';
import { sendUnicast } from '../logic/unicast.js';
import { GLOBAL_ROOM } from '../stores/room-bus.js';
import type { HomerContext } from './context.js';
import { BroadcastSchema, MAX_BROADCAST_BATCH, RoomId, UnicastMessageSchema, UnicastSchema, UserId, json } from './schemas.js';

const accepted = json(z.object({ seq: z.number().int() }), 'accepted; a repeated idempotencyKey returns the first seq');
const errors = {
  400: json(ErrorSchema, 'invalid input (priority, range, shard, toUid …)'),
  401: json(ErrorSchema, 'unsigned or badly signed'),
  503: json(ErrorSchema, 'the store does not answer'),
};
const Reason = z.object({ reason: z.string().max(200).optional() });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

export function internalRoutes(app: ServiceApp, ctx: HomerContext): void {
  const broadcastDeps = { bus: ctx.bus, rooms: ctx.rooms, shards: ctx.config.HOMER_ROOM_SHARDS };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/broadcast/room',
      tags: ['internal'],
      summary: 'Deliver a message to a room (or one shard, its anchor, one user in it), once per idempotencyKey',
      request: body(BroadcastSchema.extend({ roomId: RoomId })),
      responses: { 202: accepted, ...errors, 404: json(ErrorSchema, 'range anchor: no such room') },
    }),
    async (c) => {
      const { roomId, ...message } = c.req.valid('json');
      const published = await broadcast(broadcastDeps, roomId, message);
      ctx.stats.received.room++;
      return c.json({ seq: published.seq }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/broadcast/rooms',
      tags: ['internal'],
      summary: `Up to ${MAX_BROADCAST_BATCH} room broadcasts in one call, each once per idempotencyKey; all checked before any is published`,
      request: body(z.object({ messages: z.array(BroadcastSchema.extend({ roomId: RoomId })).min(1).max(MAX_BROADCAST_BATCH) })),
      responses: {
        202: json(z.object({ seqs: z.array(z.number().int()) }), 'all accepted, seqs in the order sent; a repeated idempotencyKey returns its first seq'),
        ...errors,
        404: json(ErrorSchema, 'range anchor: no such room'),
      },
    }),
    async (c) => {
      const published = await broadcastMany(broadcastDeps, c.req.valid('json').messages);
      ctx.stats.received.room += published.length;
      return c.json({ seqs: published.map((m) => m.seq) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/broadcast/global',
      tags: ['internal'],
      summary: 'Deliver a message to every connection on every gateway, once per idempotencyKey',
      request: body(BroadcastSchema),
      responses: { 202: accepted, ...errors },
    }),
    async (c) => {
      const published = await broadcast(broadcastDeps, GLOBAL_ROOM, c.req.valid('json'));
      ctx.stats.received.global++;
      return c.json({ seq: published.seq }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/unicast',
      tags: ['internal'],
      summary: "Send a message to one user: stored in the user's inbox until acked, pushed wherever they are connected",
      request: body(UnicastSchema),
      responses: {
        202: json(UnicastMessageSchema, 'stored (with id) and pushed; without id: pushed to whoever was online, not stored'),
        ...errors,
      },
    }),
    async (c) => {
      const send = c.req.valid('json');
      const message = await sendUnicast(
        {
          inbox: ctx.inbox,
          control: ctx.control,
          defaultTtlMs: ctx.config.HOMER_INBOX_TTL_MS,
          onInboxFull: (n) => (ctx.stats.dropped.inbox_full += n),
        },
        send,
      );
      ctx.stats.received.unicast++;
      return c.json(message, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/internal/users/{uid}/inbox',
      tags: ['internal'],
      summary: "How many messages wait in a user's inbox",
      request: { params: z.object({ uid: UserId }) },
      responses: { 200: json(z.object({ uid: z.string(), size: z.number().int() }), 'the size'), ...errors },
    }),
    async (c) => {
      const { uid } = c.req.valid('param');
      return c.json({ uid, size: await ctx.inbox.size(uid) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/users/{uid}/kick',
      tags: ['internal'],
      summary: "Close all of a user's connections on every gateway (error frame `kicked`)",
      request: { params: z.object({ uid: UserId }), ...body(Reason) },
      responses: { 202: json(z.object({ uid: z.string() }), 'sent to every gateway'), ...errors },
    }),
    async (c) => {
      const { uid } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      await ctx.control.publish({ kind: 'kick', uid, reason: reason ?? 'disconnected by an operator' });
      return c.json({ uid }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/rooms/{roomId}/close',
      tags: ['internal'],
      summary: "Close every connection in a room on every gateway (error frame `room_closed`)",
      request: { params: z.object({ roomId: RoomId }), ...body(Reason) },
      responses: { 202: json(z.object({ room: z.string() }), 'sent to every gateway'), ...errors },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      await ctx.control.publish({ kind: 'close_room', room: roomId, reason: reason ?? 'the room was closed' });
      return c.json({ room: roomId }, 202);
    },
  );
}
