// /v1/categories: listed to everyone; created and changed by operators
// (scope villa:admin, or an internal caller).
import { createRoute, requireScope, z, type ServiceApp } from '@bamboo/kit';
import type { Villa } from '../rooms/deps.js';
import type { Category as CategoryDoc } from '../stores/categories.js';
import { body, Category, errors, Id, json } from './schemas.js';

export const ADMIN_SCOPE = 'villa:admin';
const tags = ['categories'];
const Name = z.string().trim().min(1).max(40);
const Order = z.number().int().min(-1_000_000).max(1_000_000);

export function categoryRoutes(app: ServiceApp, v: Villa): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/categories',
      tags,
      summary: 'Categories in display order (hidden ones only with includeHidden and the villa:admin scope)',
      request: { query: z.object({ includeHidden: z.enum(['true', 'false']).default('false') }) },
      responses: { 200: json(z.object({ categories: z.array(Category) }), 'categories'), 403: errors[403] },
    }),
    async (c) => {
      const includeHidden = c.req.valid('query').includeHidden === 'true';
      if (includeHidden) requireScope(c.get('identity'), ADMIN_SCOPE);
      const categories = await v.categories.list(includeHidden);
      return c.json({ categories: categories.map(categoryView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/categories',
      tags,
      summary: 'Create a category (villa:admin)',
      request: body(z.object({ name: Name, order: Order.default(0), hidden: z.boolean().default(false) })),
      responses: { 201: json(Category, 'created'), 400: errors[400], 403: errors[403], 409: errors[409] },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      return c.json(categoryView(await v.categories.create(c.req.valid('json'), Date.now())), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/categories/{categoryId}',
      tags,
      summary: 'Rename, reorder, hide or show a category (villa:admin)',
      request: {
        params: z.object({ categoryId: Id.openapi({ param: { name: 'categoryId', in: 'path' } }) }),
        ...body(
          z
            .object({ name: Name, order: Order, hidden: z.boolean() })
            .partial()
            .refine((p) => Object.keys(p).length > 0, 'give name, order and/or hidden'),
        ),
      },
      responses: {
        200: json(Category, 'updated'),
        400: errors[400],
        403: errors[403],
        404: errors[404],
        409: errors[409],
      },
    }),
    async (c) => {
      requireScope(c.get('identity'), ADMIN_SCOPE);
      const updated = await v.categories.update(c.req.valid('param').categoryId, c.req.valid('json'));
      return c.json(categoryView(updated), 200);
    },
  );
}

function categoryView(c: CategoryDoc) {
  return { categoryId: c._id, name: c.name, order: c.order, hidden: c.hidden };
}
