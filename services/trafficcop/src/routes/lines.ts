// CDN push lines: the ops API (scope cdn:admin, or any internal caller).
import { NotFoundError, createRoute, requireScope, z, type ServiceApp } from '@bamboo/kit';
import { ErrorSchema } from '@bamboo/kit';
import type { Trafficcop } from '../trafficcop.js';
import type { CdnLine } from '../stores/lines.js';
import { Line, LineParam, LinePatchBody, NewLineBody } from './schemas.js';

export const ADMIN_SCOPE = 'cdn:admin';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: json(ErrorSchema, 'invalid input'),
  401: json(ErrorSchema, 'bad gateway signature'),
  403: json(ErrorSchema, `needs scope ${ADMIN_SCOPE}`),
};

export function addLineRoutes(app: ServiceApp, tc: Trafficcop): void {
  const withRelays = (line: CdnLine) => {
    const relays = { connecting: 0, up: 0, retrying: 0 };
    for (const r of tc.relays.status()) if (r.lineId === line.id) relays[r.state] += 1;
    return { ...line, relays };
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/lines',
      tags: ['lines'],
      summary: 'List CDN push lines with their relay counts',
      responses: { 200: json(z.object({ lines: z.array(Line) }), 'the lines'), ...errors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      return c.json({ lines: (await tc.lines.list()).map(withRelays) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/cdn/lines',
      tags: ['lines'],
      summary: 'Add a CDN push line; live streams start relaying to it at once when enabled',
      request: { body: { content: { 'application/json': { schema: NewLineBody } }, required: true } },
      responses: { 201: json(Line, 'created'), 409: json(ErrorSchema, 'id or push URL taken'), ...errors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const line = await tc.lines.create(c.req.valid('json'), Date.now());
      await tc.relays.refreshLines();
      return c.json(withRelays(line), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cdn/lines/{lineId}',
      tags: ['lines'],
      summary: 'One CDN push line',
      request: { params: LineParam },
      responses: { 200: json(Line, 'the line'), 404: json(ErrorSchema, 'no such line'), ...errors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const { lineId } = c.req.valid('param');
      const line = await tc.lines.get(lineId);
      if (!line) throw new NotFoundError(`no line ${lineId}`);
      return c.json(withRelays(line), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/cdn/lines/{lineId}',
      tags: ['lines'],
      summary: 'Change a line: enable/disable it, or its provider or push URL; relays follow at once',
      request: { params: LineParam, body: { content: { 'application/json': { schema: LinePatchBody } }, required: true } },
      responses: { 200: json(Line, 'the line'), 404: json(ErrorSchema, 'no such line'), 409: json(ErrorSchema, 'push URL taken'), ...errors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const { lineId } = c.req.valid('param');
      const line = await tc.lines.update(lineId, c.req.valid('json'), Date.now());
      if (!line) throw new NotFoundError(`no line ${lineId}`);
      await tc.relays.refreshLines();
      return c.json(withRelays(line), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/cdn/lines/{lineId}',
      tags: ['lines'],
      summary: 'Remove a line; its relays stop',
      request: { params: LineParam },
      responses: { 204: { description: 'removed' }, 404: json(ErrorSchema, 'no such line'), ...errors },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const { lineId } = c.req.valid('param');
      if (!(await tc.lines.remove(lineId))) throw new NotFoundError(`no line ${lineId}`);
      await tc.relays.refreshLines();
      return c.body(null, 204);
    },
  );
}
