// Viewers' routes: where to play a room from, and how it played (QoS).
import type { IncomingMessage } from 'node:http';
import { NotFoundError, ValidationError, createRoute, ErrorSchema, z, type ServiceApp } from '@bamboo/kit';
import type { Context } from 'hono';
import type { Trafficcop } from '../trafficcop.js';
import { checkCode } from '../schedule/codes.js';
import { ORIGIN_LINE_ID } from '../schedule/scheduler.js';
import { json } from './line-view.js';
import { PlayAnswerSchema, PlayQuery, QosBody, RoomParam } from './schemas.js';

/** What stickiness hashes on: the user, else the device id given, else the caller's address. */
function viewerKey(c: Context, device: string | undefined): string {
  const userId = (c.get('identity') as { userId?: string } | undefined)?.userId;
  if (userId) return `u:${userId}`;
  if (device) return `d:${device}`;
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  const address = forwarded || (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
  return `a:${address ?? 'unknown'}`;
}

export function addPlayRoutes(app: ServiceApp, tc: Trafficcop): void {
  const roomMustExist = async (roomId: string) => {
    if (!(await tc.rooms.exists(roomId))) throw new NotFoundError(`no room ${roomId}`, 'room_not_found');
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/play/{roomId}',
      tags: ['play'],
      summary: 'Ordered pull URLs for this viewer: primary, then backups from other providers, the origin last',
      request: { params: RoomParam, query: PlayQuery },
      responses: {
        200: json(PlayAnswerSchema, 'play URLs'),
        400: json(ErrorSchema, 'bad room id, region, ISP or protocol'),
        404: json(ErrorSchema, 'no such room'),
        503: json(ErrorSchema, 'no line can serve the room now, or villa does not answer'),
      },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      const { region, isp, protocol, device } = c.req.valid('query');
      if (region !== undefined) checkCode(tc.codes, 'region', region, 'query.region');
      if (isp !== undefined) checkCode(tc.codes, 'isp', isp, 'query.isp');
      await roomMustExist(roomId);
      const answer = tc.scheduler.play({
        roomId,
        protocol,
        viewerKey: viewerKey(c, device),
        ...(region !== undefined ? { region } : {}),
        ...(isp !== undefined ? { isp } : {}),
      });
      c.header('cache-control', 'no-store');
      return c.json(answer, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/cdn/qos',
      tags: ['play'],
      summary: 'A player reports how a line played (first frame, stalls, errors) for the time it watched',
      request: { body: { content: { 'application/json': { schema: QosBody } }, required: true } },
      responses: {
        202: json(z.object({ accepted: z.literal(true) }), 'counted'),
        400: json(ErrorSchema, 'impossible or malformed figures, unknown region or ISP'),
        404: json(ErrorSchema, 'no such room or line'),
      },
    }),
    async (c) => {
      const report = c.req.valid('json');
      checkCode(tc.codes, 'region', report.region, 'json.region');
      checkCode(tc.codes, 'isp', report.isp, 'json.isp');
      if (report.watchedMs > tc.config.QOS_WINDOW_MS) {
        throw new ValidationError(`json.watchedMs: a report covers at most the QoS window (${tc.config.QOS_WINDOW_MS} ms)`);
      }
      if (report.lineId !== ORIGIN_LINE_ID && !tc.scheduler.lines().some((l) => l.id === report.lineId)) {
        throw new NotFoundError(`no line ${report.lineId}`, 'line_not_found');
      }
      await roomMustExist(report.roomId);
      tc.health.report(report);
      return c.json({ accepted: true as const }, 202);
    },
  );
}
