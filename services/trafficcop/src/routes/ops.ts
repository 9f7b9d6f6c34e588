// The ops API beyond plain line CRUD (scope cdn:admin): state and weight
// with a reason, pins with expiry, switching live viewers, the audit log and
// the health of every line. `bamboo-cdn` is a client of exactly these routes.
import { createRoute, requireScope, z, ErrorSchema, type ServiceApp } from '@bamboo/kit';
import type { Trafficcop } from '../trafficcop.js';
import { actorOf } from '../ops/ops.js';
import { ADMIN_SCOPE, adminErrors } from './lines.js';
import { json, lineView } from './line-view.js';
import {
  AuditEntrySchema,
  AuditQuerySchema,
  Line,
  LineHealthSchema,
  LineParam,
  PinBody,
  PinParam,
  PinSchema,
  ReasonQuery,
  StateBody,
  SwitchBody,
  WeightBody,
} from './schemas.js';

const notFound = { 404: json(ErrorSchema, 'no such line, room or pin') };

export function addOpsRoutes(app: ServiceApp, tc: Trafficcop): void {
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/cdn/lines/{lineId}/state',
      tags: ['ops'],
      summary: 'Enable, drain (no new plays; viewers and relays stay) or disable (viewers told to switch, relays stop) a line',
      request: { params: LineParam, body: { content: { 'application/json': { schema: StateBody } }, required: true } },
      responses: { 200: json(Line, 'the line'), ...notFound, ...adminErrors },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { state, reason } = c.req.valid('json');
      const line = await tc.ops.setState(actorOf(identity), c.req.valid('param').lineId, state, reason);
      return c.json(lineView(tc, line), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/cdn/lines/{lineId}/weight',
      tags: ['ops'],
      summary: "Set a line's weight (its share of viewers among equally good lines)",
      request: { params: LineParam, body: { content: { 'application/json': { schema: WeightBody } }, required: true } },
      responses: { 200: json(Line, 'the line'), ...notFound, ...adminErrors },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { weight, reason } = c.req.valid('json');
      const line = await tc.ops.setWeight(actorOf(identity), c.req.valid('param').lineId, weight, reason);
      return c.json(lineView(tc, line), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/pins',
      tags: ['ops'],
      summary: 'Pins in force',
      responses: { 200: json(z.object({ pins: z.array(PinSchema) }), 'the pins'), ...adminErrors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      return c.json({ pins: await tc.ops.listPins() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/cdn/pins/{scope}/{value}',
      tags: ['ops'],
      summary: 'Pin a room, a region or an ISP to a line until the pin expires (replaces its earlier pin)',
      request: { params: PinParam, body: { content: { 'application/json': { schema: PinBody } }, required: true } },
      responses: {
        200: json(PinSchema, 'the pin'),
        ...notFound,
        409: json(ErrorSchema, 'the line is not enabled, or is push-only'),
        ...adminErrors,
      },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { scope, value } = c.req.valid('param');
      const pin = await tc.ops.pin(actorOf(identity), { scope, value, ...c.req.valid('json') });
      return c.json(pin, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/cdn/pins/{scope}/{value}',
      tags: ['ops'],
      summary: 'Remove a pin (?reason= required)',
      request: { params: PinParam, query: ReasonQuery },
      responses: { 200: json(PinSchema, 'the pin removed'), ...notFound, ...adminErrors },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { scope, value } = c.req.valid('param');
      return c.json(await tc.ops.unpin(actorOf(identity), scope, value, c.req.valid('query').reason), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/cdn/switch',
      tags: ['ops'],
      summary: "Tell live viewers to switch: a line's viewers (off that line), a room's, or a room's viewers of a line",
      request: { body: { content: { 'application/json': { schema: SwitchBody } }, required: true } },
      responses: {
        200: json(z.object({ auditId: z.string(), rooms: z.array(z.string()) }), 'rooms told'),
        ...notFound,
        ...adminErrors,
      },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { reason, ...target } = c.req.valid('json');
      const { entry, rooms } = await tc.ops.switchViewers(actorOf(identity), target, reason);
      return c.json({ auditId: entry.id, rooms }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/audit',
      tags: ['ops'],
      summary: 'The audit log, newest first: who changed what, when and why, with the figures of automatic switches',
      request: { query: AuditQuerySchema },
      responses: { 200: json(z.object({ entries: z.array(AuditEntrySchema) }), 'entries'), ...adminErrors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      return c.json({ entries: await tc.ops.auditLog(c.req.valid('query')) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/health',
      tags: ['ops'],
      summary: "Every line's health as this instance sees it (probes and client QoS, per scope)",
      responses: {
        200: json(z.object({ lines: z.array(z.object({ lineId: z.string(), state: z.string(), health: LineHealthSchema })) }), 'health'),
        ...adminErrors,
      },
    }),
    (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const lines = tc.scheduler.lines().map((l) => ({ lineId: l.id, state: l.state, health: tc.health.view(l.id) }));
      return c.json({ lines }, 200);
    },
  );
}
