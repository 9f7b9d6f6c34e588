// Public routes (through apollo): connect tickets, sending, history, online
// counts and the dispatcher.
import { randomUUID } from 'node:crypto';
import { createRoute, requireUser, z, type ServiceApp } from '@bamboo/kit';
import { ErrorSchema } from '@bamboo/kit';
import { anonymousUid, issueTicket } from '../logic/ticket.js';
import { sendDanmaku } from '../logic/send.js';
import { orderGateways } from '../logic/dispatch.js';
import { heartbeatFor } from '../logic/heartbeat.js';
import { sumCounts } from '../stores/gateway-registry.js';
import type { HomerContext } from './context.js';
import { GatewaySchema, MessageSchema, RoomId, json } from './schemas.js';

const errors = {
  400: json(ErrorSchema, 'invalid input'),
  401: json(ErrorSchema, 'not authenticated'),
  403: json(ErrorSchema, 'not allowed'),
  404: json(ErrorSchema, 'no such room'),
  503: json(ErrorSchema, 'a store or villa does not answer'),
};

const Network = z.string().max(16).optional().openapi({ description: 'wifi, wired, cellular, 4g, …; sets the heartbeat interval' });

export function danmakuRoutes(app: ServiceApp, ctx: HomerContext): void {
  const { config } = ctx;
  const heartbeat = { defaultMs: config.HOMER_HEARTBEAT_MS, cellularMs: config.HOMER_HEARTBEAT_CELLULAR_MS };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/danmaku/tickets',
      tags: ['danmaku'],
      summary: 'Exchange the caller (a user, or nobody) for a short-lived connect ticket to a room',
      request: { body: { required: true, content: { 'application/json': { schema: z.object({ room: RoomId, network: Network }) } } } },
      responses: {
        200: json(
          z.object({
            ticket: z.string(),
            uid: z.string(),
            room: z.string(),
            canSend: z.boolean(),
            expiresAt: z.number().int(),
            heartbeatMs: z.number().int(),
          }),
          'a ticket for the auth frame',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { room, network } = c.req.valid('json');
      await ctx.rooms.assertRoom(room);
      const userId = c.get('identity').userId;
      const ticket = {
        uid: userId ?? anonymousUid(),
        room,
        canSend: userId !== undefined,
        expiresAt: Date.now() + config.HOMER_TICKET_TTL_MS,
      };
      return c.json(
        { ticket: issueTicket(ctx.ticketSecret, ticket), ...ticket, heartbeatMs: heartbeatFor(network, heartbeat) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/danmaku/rooms/{roomId}/messages',
      tags: ['danmaku'],
      summary: 'Send danmaku to a room as the calling user',
      request: {
        params: z.object({ roomId: RoomId }),
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                text: z.string().max(4 * config.HOMER_MAX_TEXT_CHARS),
                color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
              }),
            },
          },
        },
      },
      responses: {
        201: json(z.object({ room: z.string(), seq: z.number().int(), ts: z.number().int() }), 'accepted and delivered to the room'),
        ...errors,
      },
    }),
    async (c) => {
      const uid = requireUser(c.get('identity'));
      const { roomId } = c.req.valid('param');
      const { text, color } = c.req.valid('json');
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      const message = await sendDanmaku(
        { bus: ctx.bus, rooms: ctx.rooms, maxTextChars: config.HOMER_MAX_TEXT_CHARS },
        { roomId, uid, text, ...(color ? { color } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) },
      );
      return c.json({ room: message.room, seq: message.seq, ts: message.ts }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/danmaku/rooms/{roomId}/messages',
      tags: ['danmaku'],
      summary: "A room's recent messages after a sequence number",
      request: {
        params: z.object({ roomId: RoomId }),
        query: z.object({ after: z.coerce.number().int().min(0).default(0) }),
      },
      responses: {
        200: json(
          z.object({ messages: z.array(MessageSchema), lastSeq: z.number().int(), gap: z.boolean() }),
          'kept messages with seq > after; gap when some are no longer kept',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      const { after } = c.req.valid('query');
      return c.json(await ctx.bus.since(roomId, after), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/danmaku/rooms/{roomId}/online',
      tags: ['danmaku'],
      summary: 'Connections in a room, summed over live gateways (refreshed every register interval)',
      request: { params: z.object({ roomId: RoomId }) },
      responses: { 200: json(z.object({ room: z.string(), online: z.number().int() }), 'the count'), ...errors },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      return c.json({ room: roomId, online: sumCounts(await ctx.registry.countsByGateway(roomId)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/danmaku/dispatch',
      tags: ['danmaku'],
      summary: 'Ordered gateway addresses for this client: same region and ISP first, spread by user',
      request: {
        query: z.object({
          room: RoomId.optional(),
          region: z.string().max(32).optional(),
          isp: z.string().max(32).optional(),
          network: Network,
          client: z.string().max(64).optional().openapi({ description: 'stable id of an anonymous client' }),
        }),
      },
      responses: {
        200: json(z.object({ gateways: z.array(GatewaySchema), heartbeatMs: z.number().int() }), 'try in order'),
        ...errors,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const key = c.get('identity').userId ?? query.client ?? randomUUID();
      const gateways = orderGateways(
        await ctx.registry.alive(),
        { key, ...(query.region ? { region: query.region } : {}), ...(query.isp ? { isp: query.isp } : {}) },
        config.HOMER_DISPATCH_COUNT,
      );
      return c.json({ gateways, heartbeatMs: heartbeatFor(query.network, heartbeat) }, 200);
    },
  );
}
