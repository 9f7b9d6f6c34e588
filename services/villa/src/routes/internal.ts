// /internal/* routes for other services (signed; kit checks the signature).
// These shapes are contracts trafficcop, homer, magi and image build against.
import { createRoute, z, type ServiceApp } from '@bamboo/kit';
import type { Villa } from '../rooms/deps.js';
import { liveRooms, setLive } from '../rooms/live.js';
import { getRoom, setThumbnail, verifyStreamKey } from '../rooms/rooms.js';
import { sendPermission } from '../roles/roles.js';
import { notFound } from '../stores/rooms.js';
import { body, errors, Id, json, RoomIdParam, RoomUserParams } from './schemas.js';

const tags = ['internal'];

export function internalRoutes(app: ServiceApp, v: Villa): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/stream-keys/verify',
      tags,
      summary: 'trafficcop: may this stream key publish (to this room)?',
      request: body(z.object({ streamKey: z.string().min(1).max(200), roomId: Id.optional() })),
      responses: {
        200: json(
          z.object({
            allowed: z.boolean(),
            roomId: z.string().optional(),
            anchorId: z.string().optional(),
            reason: z.enum(['unknown_key', 'room_closed', 'room_mismatch']).optional(),
          }),
          'the verdict; an unknown key is allowed:false, not an error',
        ),
        400: errors[400],
      },
    }),
    async (c) => {
      const { streamKey, roomId } = c.req.valid('json');
      return c.json(await verifyStreamKey(v, streamKey, roomId), 200);
    },
  );

  const LiveState = z.object({
    roomId: z.string(),
    live: z.boolean(),
    sessionId: z.string().nullable(),
    startedAt: z.number().nullable(),
    applied: z.boolean(),
  });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/rooms/{roomId}/live',
      tags,
      summary: 'trafficcop: mark a room live or offline (idempotent; stale events are ignored)',
      request: {
        params: RoomIdParam,
        ...body(
          z.object({
            sessionId: z.string().min(1).max(100),
            live: z.boolean(),
            at: z.number().int().nonnegative(),
          }),
        ),
      },
      responses: {
        200: json(LiveState, 'the current state; applied:false when the event was older than it'),
        400: errors[400],
        404: errors[404],
      },
    }),
    async (c) => c.json(await setLive(v, c.req.valid('param').roomId, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/internal/rooms/live',
      tags,
      summary: 'trafficcop: every room villa holds as live (reconciliation on start)',
      responses: {
        200: json(
          z.object({ rooms: z.array(z.object({ roomId: z.string(), sessionId: z.string(), startedAt: z.number() })) }),
          'live rooms',
        ),
      },
    }),
    async (c) => c.json({ rooms: await liveRooms(v) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/internal/rooms/{roomId}/thumbnail',
      tags,
      summary: "trafficcop / image: the room's latest frame-grab thumbnail",
      request: { params: RoomIdParam, ...body(z.object({ imageId: z.string().min(1).max(128) })) },
      responses: {
        200: json(z.object({ roomId: z.string(), thumbnailImageId: z.string() }), 'stored'),
        400: errors[400],
        404: errors[404],
      },
    }),
    async (c) => c.json(await setThumbnail(v, c.req.valid('param').roomId, c.req.valid('json').imageId, Date.now()), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/internal/rooms/{roomId}/send-permission/{uid}',
      tags,
      summary: 'homer: may this user send danmaku in this room?',
      request: { params: RoomUserParams },
      responses: {
        200: json(
          z.object({
            allowed: z.boolean(),
            reason: z.enum(['muted', 'banned', 'room_closed']).optional(),
            until: z.number().nullable().optional(),
          }),
          'the verdict; until is when a mute or ban lapses (null: until lifted)',
        ),
        404: errors[404],
      },
    }),
    async (c) => {
      const { roomId, uid } = c.req.valid('param');
      return c.json(await sendPermission(v, roomId, uid, Date.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/internal/rooms/{roomId}',
      tags,
      summary: 'Room essentials for other services',
      request: { params: RoomIdParam },
      responses: {
        200: json(
          z.object({
            roomId: z.string(),
            anchorId: z.string(),
            categoryId: z.string(),
            shortId: z.number().int(),
            title: z.string(),
            live: z.boolean(),
            sessionId: z.string().nullable(),
            closed: z.boolean(),
          }),
          'the room',
        ),
        404: errors[404],
      },
    }),
    async (c) => {
      const r = await getRoom(v, c.req.valid('param').roomId);
      const { roomId, anchorId, categoryId, shortId, title, live, sessionId, closed } = r;
      return c.json({ roomId, anchorId, categoryId, shortId, title, live, sessionId, closed }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/internal/rooms/{roomId}/viewers',
      tags,
      summary: "homer: the room's current viewer count (from its connections)",
      request: { params: RoomIdParam, ...body(z.object({ viewers: z.number().int().nonnegative() })) },
      responses: {
        200: json(z.object({ roomId: z.string(), viewers: z.number(), popularity: z.number() }), 'stored'),
        400: errors[400],
        404: errors[404],
      },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      const fields = await v.hot.setViewers(roomId, c.req.valid('json').viewers, Date.now());
      if (!fields) throw notFound(roomId);
      return c.json({ roomId, viewers: fields.viewers, popularity: fields.popularity }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/rooms/{roomId}/heat',
      tags,
      summary: 'magi / homer: gift value and danmaku received, for popularity',
      request: {
        params: RoomIdParam,
        ...body(
          z
            .object({ gift: z.number().nonnegative().max(1e9).optional(), danmaku: z.number().int().nonnegative().max(1e6).optional() })
            .refine((h) => h.gift !== undefined || h.danmaku !== undefined, 'give gift and/or danmaku'),
        ),
      },
      responses: {
        200: json(z.object({ roomId: z.string(), popularity: z.number() }), 'added'),
        400: errors[400],
        404: errors[404],
      },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      const fields = await v.hot.addHeat(roomId, c.req.valid('json'), Date.now());
      if (!fields) throw notFound(roomId);
      return c.json({ roomId, popularity: fields.popularity }, 200);
    },
  );
}
