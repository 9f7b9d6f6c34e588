// Routes for other services (signed /internal/* calls; kit checks the signature).
import { ErrorSchema, ValidationError, createRoute, z, type ServiceApp } from '@bamboo/kit';
import type { RouteDeps } from './context.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: json(ErrorSchema, 'invalid input, naming the field'),
  401: json(ErrorSchema, 'missing or bad internal signature'),
  503: json(ErrorSchema, 'the presence store does not answer'),
};

const Transition = z
  .object({
    cursor: z.string(),
    type: z.enum(['online', 'offline', 'join', 'leave']),
    uid: z.string(),
    module: z.string().optional(),
    at: z.number().int(),
  })
  .openapi('Transition');

export function addInternalRoutes(app: ServiceApp, { store, schemas: s }: RouteDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/modules/counts',
      tags: ['internal'],
      summary: 'Exact online counts of up to 500 modules (homer and villa use room counts)',
      request: { body: { required: true, content: { 'application/json': { schema: s.ModuleList } } } },
      responses: { 200: json(s.Counts, 'one count per module'), ...errors },
    }),
    async (c) => c.json({ counts: await store.counts(c.req.valid('json').modules) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/internal/events',
      tags: ['internal'],
      summary: 'The feed of online/offline/join/leave transitions, at least once: keep `next` and read after it',
      request: { query: s.EventsQuery },
      responses: { 200: json(z.object({ events: z.array(Transition), next: z.string() }), 'events after the cursor'), ...errors },
    }),
    async (c) => {
      const { after, limit } = c.req.valid('query');
      try {
        return c.json(await store.events(after ?? null, limit), 200);
      } catch (err) {
        if (err instanceof RangeError) {
          throw new ValidationError('query.after: not a cursor from this feed', [{ field: 'query.after', message: err.message }]);
        }
        throw err;
      }
    },
  );
}
