// /v1/rooms/{roomId}/admins|mutes|bans|roles|audit: roles in a room.
// Appointing, dismissing and lifting take an optional ?reason= for the audit log.
import { createRoute, requireUser, z, type ServiceApp } from '@bamboo/kit';
import type { Villa } from '../rooms/deps.js';
import { appointAdmin, auditLog, dismissAdmin, lift, rolesOf, sanction } from '../roles/roles.js';
import type { SanctionKind } from '../stores/roles.js';
import { body, json, pick, RoomIdParam, RoomUserParams } from './schemas.js';

const tags = ['roles'];
const Reason = z.string().max(200).default('');
const ReasonQuery = z.object({ reason: Reason });

const SanctionBody = z
  .object({
    /** Epoch ms when it lapses; leave out (with durationSeconds) or null for until lifted. */
    until: z.number().int().positive().nullable().optional(),
    durationSeconds: z.number().int().positive().max(10 * 365 * 86_400).optional(),
    reason: Reason,
  })
  .refine((b) => !(b.until != null && b.durationSeconds !== undefined), 'give until or durationSeconds, not both');

const Entry = z.object({ uid: z.string(), until: z.number().nullable(), by: z.string(), reason: z.string(), at: z.number() });

export function roleRoutes(app: ServiceApp, v: Villa): void {
  const AdminResult = json(z.object({ roomId: z.string(), uid: z.string(), role: z.enum(['admin', 'viewer']) }), 'done');

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/rooms/{roomId}/admins/{uid}',
      tags,
      summary: 'Appoint a room admin (anchor only)',
      request: { params: RoomUserParams, query: ReasonQuery },
      responses: { 200: AdminResult, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { roomId, uid } = c.req.valid('param');
      const { reason } = c.req.valid('query');
      return c.json(await appointAdmin(v, requireUser(c.get('identity')), roomId, uid, reason, Date.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/rooms/{roomId}/admins/{uid}',
      tags,
      summary: 'Dismiss a room admin (anchor only)',
      request: { params: RoomUserParams, query: ReasonQuery },
      responses: { 200: AdminResult, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { roomId, uid } = c.req.valid('param');
      const { reason } = c.req.valid('query');
      return c.json(await dismissAdmin(v, requireUser(c.get('identity')), roomId, uid, reason, Date.now()), 200);
    },
  );

  for (const [kind, path] of [
    ['mute', 'mutes'],
    ['ban', 'bans'],
  ] as const satisfies ReadonlyArray<readonly [SanctionKind, string]>) {
    app.openapi(
      createRoute({
        method: 'put',
        path: `/v1/rooms/{roomId}/${path}/{uid}`,
        tags,
        summary: `${kind === 'mute' ? 'Mute' : 'Ban'} a user in the room (anchor or admin), until a time or lifted`,
        request: { params: RoomUserParams, ...body(SanctionBody) },
        responses: {
          200: json(z.object({ roomId: z.string(), uid: z.string(), kind: z.enum(['mute', 'ban']), until: z.number().nullable() }), 'set'),
          ...pick(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { roomId, uid } = c.req.valid('param');
        const b = c.req.valid('json');
        const now = Date.now();
        const until = b.durationSeconds !== undefined ? now + b.durationSeconds * 1000 : (b.until ?? null);
        return c.json(await sanction(v, requireUser(c.get('identity')), roomId, uid, kind, { until, reason: b.reason }, now), 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'delete',
        path: `/v1/rooms/{roomId}/${path}/{uid}`,
        tags,
        summary: `Lift a ${kind} (anchor or admin)`,
        request: { params: RoomUserParams, query: ReasonQuery },
        responses: {
          200: json(z.object({ roomId: z.string(), uid: z.string(), kind: z.enum(['mute', 'ban']), lifted: z.boolean() }), 'lifted (or there was none)'),
          ...pick(401, 403, 404),
        },
      }),
      async (c) => {
        const { roomId, uid } = c.req.valid('param');
        const { reason } = c.req.valid('query');
        return c.json(await lift(v, requireUser(c.get('identity')), roomId, uid, kind, reason, Date.now()), 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms/{roomId}/roles',
      tags,
      summary: 'Anchor, admins and active mutes and bans (anchor or admin)',
      request: { params: RoomIdParam },
      responses: {
        200: json(
          z.object({ roomId: z.string(), anchorId: z.string(), admins: z.array(z.string()), muted: z.array(Entry), banned: z.array(Entry) }),
          'roles',
        ),
        ...pick(401, 403, 404),
      },
    }),
    async (c) => c.json(await rolesOf(v, requireUser(c.get('identity')), c.req.valid('param').roomId, Date.now()), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/rooms/{roomId}/audit',
      tags,
      summary: 'Every role change in the room, newest first (anchor or admin)',
      request: {
        params: RoomIdParam,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.coerce.number().int().positive().optional(),
        }),
      },
      responses: {
        200: json(
          z.object({
            entries: z.array(
              z.object({
                id: z.string(),
                roomId: z.string(),
                actor: z.string(),
                target: z.string(),
                action: z.enum(['appoint_admin', 'dismiss_admin', 'mute', 'unmute', 'ban', 'unban']),
                until: z.number().nullable(),
                reason: z.string(),
                at: z.number(),
              }),
            ),
          }),
          'entries',
        ),
        ...pick(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { limit, before } = c.req.valid('query');
      const entries = await auditLog(v, requireUser(c.get('identity')), c.req.valid('param').roomId, limit, before);
      return c.json({ entries }, 200);
    },
  );
}
