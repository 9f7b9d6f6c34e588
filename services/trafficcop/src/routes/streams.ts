// Live streams on this origin with the state of their relays (ops), and
// signed origin play URLs (the fallback line) for a signed-in viewer.
import { NotFoundError, createRoute, requireScope, requireUser, z, ErrorSchema, type ServiceApp } from '@bamboo/kit';
import type { Trafficcop } from '../trafficcop.js';
import type { LiveStream } from '../publish/stream-registry.js';
import { ADMIN_SCOPE } from './lines.js';
import { PlayUrls, RoomParam, Stream } from './schemas.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export function addStreamRoutes(app: ServiceApp, tc: Trafficcop): void {
  const view = (s: LiveStream) => ({
    roomId: s.roomId,
    sessionId: s.sessionId,
    startedAt: s.startedAt,
    ...(s.anchorId ? { anchorId: s.anchorId } : {}),
    relays: tc.relays.status().filter((r) => r.roomId === s.roomId),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/streams',
      tags: ['streams'],
      summary: 'Live streams on this origin, each with its relay per CDN line',
      responses: {
        200: json(z.object({ streams: z.array(Stream) }), 'live streams'),
        403: json(ErrorSchema, `needs scope ${ADMIN_SCOPE}`),
      },
    }),
    (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      return c.json({ streams: tc.registry.list().map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/streams/{roomId}',
      tags: ['streams'],
      summary: "One room's live stream and its relays",
      request: { params: RoomParam },
      responses: {
        200: json(Stream, 'the stream'),
        400: json(ErrorSchema, 'bad room id'),
        403: json(ErrorSchema, `needs scope ${ADMIN_SCOPE}`),
        404: json(ErrorSchema, 'the room is not live on this origin'),
      },
    }),
    (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const { roomId } = c.req.valid('param');
      const stream = tc.registry.get(roomId);
      if (!stream) throw new NotFoundError(`room ${roomId} is not live on this origin`, 'not_live');
      return c.json(view(stream), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/rooms/{roomId}/origin',
      tags: ['play'],
      summary: 'Signed RTMP and HTTP-FLV play URLs of a live room on the origin (the fallback line)',
      request: { params: RoomParam },
      responses: {
        200: json(PlayUrls, 'play URLs'),
        400: json(ErrorSchema, 'bad room id'),
        401: json(ErrorSchema, 'needs an end-user token'),
        404: json(ErrorSchema, 'the room is not live on this origin'),
      },
    }),
    (c) => {
      requireUser(c.get('identity'));
      const { roomId } = c.req.valid('param');
      if (!tc.registry.get(roomId)) throw new NotFoundError(`room ${roomId} is not live on this origin`, 'not_live');
      return c.json({ roomId, ...tc.playUrls(roomId, Date.now()) }, 200);
    },
  );
}
