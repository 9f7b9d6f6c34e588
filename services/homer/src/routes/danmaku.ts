// Public routes (through apollo): connect tickets, sending, history, online
// counts and the dispatcher.
import { randomUUID } from 'node:crypto';
import { AppError, createRoute, errorBody, requireUser, z, type ServiceApp } from '@bamboo/kit';
import { ErrorSchema } from '@bamboo/kit';
import { anonymousUid, issueTicket } from '../logic/ticket.js';
import { RateLimitedError, sendDanmaku } from '../logic/send.js';
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
  const sendDeps = {
    bus: ctx.bus,
    rooms: ctx.rooms,
    sendRate: ctx.sendRate,
    maxTextChars: config.HOMER_MAX_TEXT_CHARS,
    banned: ctx.banned,
    rate: { ratePerS: config.HOMER_SEND_RATE_PER_S, burst: config.HOMER_SEND_BURST },
  };

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
        201: json(
          z.object({ room: z.string(), seq: z.number().int(), ts: z.number().int(), text: z.string() }),
          'accepted and delivered to the room; `text` as shown (banned words masked)',
        ),
        ...errors,
        403: json(ErrorSchema, 'muted, banned or room closed (villa): code is the reason, details.until the expiry (epoch ms) or null'),
        422: json(ErrorSchema, 'banned_word: the text contains a banned word (HOMER_BANNED_WORDS_MODE=refuse)'),
        429: json(ErrorSchema, 'rate_limited: over the per-user send rate in this room; Retry-After says when to try again'),
      },
    }),
    async (c) => {
      const uid = requireUser(c.get('identity'));
      const { roomId } = c.req.valid('param');
      const { text, color } = c.req.valid('json');
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      try {
        const message = await sendDanmaku(sendDeps, { roomId, uid, text, ...(color ? { color } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) });
        ctx.stats.received.chat++;
        return c.json({ room: message.room, seq: message.seq, ts: message.ts, text: message.body.text as string }, 201);
      } catch (error) {
        if (error instanceof AppError && error.status < 500) ctx.stats.refuse(error.code);
        if (error instanceof RateLimitedError) {
          return c.json(errorBody(error.code, error.message, error.details), 429, { 'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) });
        }
        throw error;
      }
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
      const since = await ctx.bus.since(roomId, after);
      // Messages for one user (range user/anchor) are theirs, not the room's.
      return c.json({ ...since, messages: since.messages.filter((m) => m.to === undefined) }, 200);
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
