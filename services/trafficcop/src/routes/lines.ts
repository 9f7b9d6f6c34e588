// CDN lines: the ops API (scope cdn:admin, or any internal caller). Every
// change is audited (see ops/ops.ts); state and weight have their own routes
// in ops.ts because they need a reason.
import { NotFoundError, createRoute, requireScope, z, ErrorSchema, type ServiceApp } from '@bamboo/kit';
import type { Trafficcop } from '../trafficcop.js';
import { actorOf } from '../ops/ops.js';
import { impliedKind } from '../ops/line-rules.js';
import { json, lineView } from './line-view.js';
import { Line, LineParam, LinePatchBody, NewLineBody, ReasonQuery } from './schemas.js';

export const ADMIN_SCOPE = 'cdn:admin';

export const adminErrors = {
  400: json(ErrorSchema, 'invalid input'),
  401: json(ErrorSchema, 'bad gateway signature'),
  403: json(ErrorSchema, `needs scope ${ADMIN_SCOPE}`),
};

export function addLineRoutes(app: ServiceApp, tc: Trafficcop): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/lines',
      tags: ['lines'],
      summary: 'List CDN lines with state, health, viewers and relay counts',
      responses: { 200: json(z.object({ lines: z.array(Line) }), 'the lines'), ...adminErrors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      return c.json({ lines: (await tc.lines.list()).map((l) => lineView(tc, l)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/cdn/lines',
      tags: ['lines'],
      summary: 'Add a CDN line (push, pull or both); live streams start relaying to a push line at once',
      request: { body: { content: { 'application/json': { schema: NewLineBody } }, required: true } },
      responses: { 201: json(Line, 'created'), 409: json(ErrorSchema, 'id or push URL taken'), ...adminErrors },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { reason, kind, pushUrlTemplate, probeUrl, signKey, ...body } = c.req.valid('json');
      const fields = {
        ...body,
        ...(pushUrlTemplate !== undefined ? { pushUrlTemplate } : {}),
        ...(probeUrl !== undefined ? { probeUrl } : {}),
        ...(signKey !== undefined ? { signKey } : {}),
      };
      const line = await tc.ops.createLine(actorOf(identity), { ...fields, kind: kind ?? impliedKind(fields) }, reason ?? '');
      return c.json(lineView(tc, line), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/lines/{lineId}',
      tags: ['lines'],
      summary: 'One CDN line with its health',
      request: { params: LineParam },
      responses: { 200: json(Line, 'the line'), 404: json(ErrorSchema, 'no such line'), ...adminErrors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const { lineId } = c.req.valid('param');
      const line = await tc.lines.get(lineId);
      if (!line) throw new NotFoundError(`no line ${lineId}`, 'line_not_found');
      return c.json(lineView(tc, line), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/cdn/lines/{lineId}',
      tags: ['lines'],
      summary: "Change a line's provider, kind, URLs, coverage, capacity, probe or sign key; relays and plays follow at once",
      request: { params: LineParam, body: { content: { 'application/json': { schema: LinePatchBody } }, required: true } },
      responses: { 200: json(Line, 'the line'), 404: json(ErrorSchema, 'no such line'), 409: json(ErrorSchema, 'push URL taken'), ...adminErrors },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { lineId } = c.req.valid('param');
      const { reason, ...patch } = c.req.valid('json');
      const line = await tc.ops.updateLine(actorOf(identity), lineId, patch, reason ?? '');
      return c.json(lineView(tc, line), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/cdn/lines/{lineId}',
      tags: ['lines'],
      summary: 'Remove a line (?reason= required); its relays stop and its viewers are told to switch',
      request: { params: LineParam, query: ReasonQuery },
      responses: { 204: { description: 'removed' }, 404: json(ErrorSchema, 'no such line'), ...adminErrors },
    }),
    async (c) => {
      const identity = c.get('identity');
      requireScope(identity, ADMIN_SCOPE);
      const { lineId } = c.req.valid('param');
      await tc.ops.deleteLine(actorOf(identity), lineId, c.req.valid('query').reason);
      return c.body(null, 204);
    },
  );
}
