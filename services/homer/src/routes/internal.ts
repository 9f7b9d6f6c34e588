// Routes for other services (signed; the kit checks the signature): room
// broadcasts (magi's gifts, system notices) and global broadcasts.
import { createRoute, z, ErrorSchema, type ServiceApp } from '@bamboo/kit';
import { broadcast } from '../logic/send.js';
import { GLOBAL_ROOM } from '../stores/room-bus.js';
import type { HomerContext } from './context.js';
import { BroadcastSchema, RoomId, json } from './schemas.js';

const accepted = json(z.object({ seq: z.number().int() }), 'accepted; a repeated idempotencyKey returns the first seq');
const errors = {
  400: json(ErrorSchema, 'invalid input'),
  401: json(ErrorSchema, 'unsigned or badly signed'),
  503: json(ErrorSchema, 'the bus does not answer'),
};

export function internalRoutes(app: ServiceApp, ctx: HomerContext): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/broadcast/room',
      tags: ['internal'],
      summary: 'Deliver a message to everyone in a room, once per idempotencyKey',
      request: { body: { required: true, content: { 'application/json': { schema: BroadcastSchema.extend({ roomId: RoomId }) } } } },
      responses: { 202: accepted, ...errors },
    }),
    async (c) => {
      const { roomId, ...message } = c.req.valid('json');
      const published = await broadcast(ctx.bus, roomId, message);
      return c.json({ seq: published.seq }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/broadcast/global',
      tags: ['internal'],
      summary: 'Deliver a message to every connection on every gateway, once per idempotencyKey',
      request: { body: { required: true, content: { 'application/json': { schema: BroadcastSchema } } } },
      responses: { 202: accepted, ...errors },
    }),
    async (c) => {
      const published = await broadcast(ctx.bus, GLOBAL_ROOM, c.req.valid('json'));
      return c.json({ seq: published.seq }, 202);
    },
  );
}
