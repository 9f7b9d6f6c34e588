// /v1/rooms: rooms, lists, stream keys, likes, live sessions. The acting user
// is the end user apollo authenticated (requireUser).
import { createRoute, ErrorSchema, requireUser, z, type ServiceApp } from '@bamboo/kit';
import type { Config } from '../config.js';
import type { Villa } from '../rooms/deps.js';
import { listRooms } from '../rooms/lists.js';
import {
  closeRoom,
  editRoom,
  getRoom,
  like,
  openRoom,
  roomByShortId,
  roomOfAnchor,
  roomsManagedBy,
  rotateStreamKey,
} from '../rooms/rooms.js';
import { body, errors, Id, json, pick, RoomIdParam, roomInputSchemas, RoomView, Tag } from './schemas.js';

const tags = ['rooms'];
const StreamKey = z.object({ roomId: z.string(), streamKey: z.string() });

export function roomRoutes(app: ServiceApp, v: Villa, config: Config): void {
  const { NewRoom, RoomEdit } = roomInputSchemas(config);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/rooms',
      tags,
      summary: "Open the caller's room (one per anchor); returns the stream key once",
      request: body(NewRoom),
      responses: {
        201: json(z.object({ room: RoomView, streamKey: z.string() }), 'opened'),
        ...pick(400, 401, 404, 409),
      },
    }),
    async (c) => {
      const anchorId = requireUser(c.get('identity'));
      return c.json(await openRoom(v, anchorId, c.req.valid('json'), Date.now()), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms',
      tags,
      summary: 'Room list: filter by category, tag and live state; sort by popularity or live start; cursor paged',
      request: {
        query: z.object({
          categoryId: Id.optional(),
          tag: Tag.optional(),
          live: z.enum(['true', 'false']).default('true'),
          sort: z.enum(['popularity', 'started']).default('popularity'),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          cursor: z.string().max(500).optional(),
        }),
      },
      responses: {
        200: json(z.object({ rooms: z.array(RoomView), next: z.string().nullable() }), 'a page; next is the cursor of the following one'),
        400: errors[400],
        404: errors[404],
        410: json(ErrorSchema, 'the cursor expired; start again'),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const scope = {
        ...(q.categoryId ? { categoryId: q.categoryId } : {}),
        ...(q.tag ? { tag: q.tag } : {}),
        live: q.live === 'true',
        sort: q.sort,
      };
      return c.json(await listRooms(v, scope, q.limit, q.cursor, Date.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms/mine',
      tags,
      summary: "The caller's own room",
      responses: { 200: json(RoomView, 'the room'), ...pick(401, 404) },
    }),
    async (c) => c.json(await roomOfAnchor(v, requireUser(c.get('identity'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms/managed',
      tags,
      summary: 'Rooms the caller manages (as anchor or admin)',
      responses: {
        200: json(z.object({ rooms: z.array(RoomView.extend({ role: z.enum(['anchor', 'admin']) })) }), 'rooms'),
        401: errors[401],
      },
    }),
    async (c) => c.json({ rooms: await roomsManagedBy(v, requireUser(c.get('identity'))) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms/short/{shortId}',
      tags,
      summary: 'A room by its short number',
      request: { params: z.object({ shortId: z.coerce.number().int().positive().openapi({ param: { name: 'shortId', in: 'path' } }) }) },
      responses: { 200: json(RoomView, 'the room'), ...pick(400, 404) },
    }),
    async (c) => c.json(await roomByShortId(v, c.req.valid('param').shortId), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms/{roomId}',
      tags,
      summary: 'A room with its hot fields',
      request: { params: RoomIdParam },
      responses: { 200: json(RoomView, 'the room'), ...pick(400, 404) },
    }),
    async (c) => c.json(await getRoom(v, c.req.valid('param').roomId), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/rooms/{roomId}',
      tags,
      summary: 'Edit title, category, tags, notice or cover (anchor)',
      request: { params: RoomIdParam, ...body(RoomEdit) },
      responses: { 200: json(RoomView, 'edited'), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const actor = requireUser(c.get('identity'));
      return c.json(await editRoom(v, actor, c.req.valid('param').roomId, c.req.valid('json'), Date.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/rooms/{roomId}/close',
      tags,
      summary: 'Close the room for good (anchor)',
      request: { params: RoomIdParam },
      responses: { 200: json(RoomView, 'closed'), ...pick(401, 403, 404) },
    }),
    async (c) => c.json(await closeRoom(v, requireUser(c.get('identity')), c.req.valid('param').roomId, Date.now()), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/rooms/{roomId}/stream-key',
      tags,
      summary: 'Issue a new stream key (anchor); the old one stops working at once',
      request: { params: RoomIdParam },
      responses: { 200: json(StreamKey, 'the new key, shown only now'), ...pick(401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await rotateStreamKey(v, requireUser(c.get('identity')), c.req.valid('param').roomId, Date.now()), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/rooms/{roomId}/likes',
      tags,
      summary: 'Like the room (a burst of taps counts as one call)',
      request: { params: RoomIdParam, ...body(z.object({ count: z.number().int().min(1).max(100).default(1) })) },
      responses: {
        200: json(z.object({ roomId: z.string(), likes: z.number().int() }), 'the new total'),
        ...pick(400, 401, 404, 409),
      },
    }),
    async (c) => {
      requireUser(c.get('identity'));
      return c.json(await like(v, c.req.valid('param').roomId, c.req.valid('json').count, Date.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms/{roomId}/sessions',
      tags,
      summary: 'Live sessions of the room, newest first: start, end, peak viewers',
      request: { params: RoomIdParam, query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
      responses: {
        200: json(
          z.object({
            sessions: z.array(
              z.object({
                sessionId: z.string(),
                startedAt: z.number().nullable(),
                endedAt: z.number().nullable(),
                peakViewers: z.number().int(),
              }),
            ),
          }),
          'sessions',
        ),
        ...pick(400, 404),
      },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      await v.rooms.get(roomId);
      const sessions = await v.sessions.list(roomId, c.req.valid('query').limit);
      return c.json(
        { sessions: sessions.map(({ sessionId, startedAt, endedAt, peakViewers }) => ({ sessionId, startedAt, endedAt, peakViewers })) },
        200,
      );
    },
  );
}
