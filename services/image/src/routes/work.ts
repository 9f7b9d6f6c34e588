// The master's routes for workers (internal, signed): ask for a task, fetch
// its original, upload each result, then report completion or failure.
// Every call names the lease; a worker that lost its lease gets 409.
import { createRoute, z, type ServiceApp } from '@bamboo/kit';
import { OUTPUT_FORMATS, VARIANT_NAMES, type VariantName } from '../images/variants.js';
import type { Master } from '../master/master.js';
import { WorkItemSchema } from '../master/work-item.js';
import { ImageId, binary, errors } from './schemas.js';

const Lease = z.string().uuid();
/** The longest a claim may wait for work; below the workers' request timeout. */
export const MAX_WAIT_MS = 20_000;
const Variant = z.enum(VARIANT_NAMES as [VariantName, ...VariantName[]]);
const Format = z.enum(OUTPUT_FORMATS);


export function addWorkRoutes(app: ServiceApp, master: Master, maxResultBytes: number): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/work/claim',
      tags: ['workers'],
      summary: 'Hand the oldest waiting task to a worker under a lease; with waitMs, wait that long for one (long poll), else null',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ worker: z.string().min(1).max(100), waitMs: z.number().int().min(0).max(MAX_WAIT_MS).default(0) }),
            },
          },
        },
      },
      responses: {
        200: { description: 'a task or null', content: { 'application/json': { schema: z.object({ task: WorkItemSchema.nullable() }) } } },
        ...errors(400, 401, 503),
      },
    }),
    async (c) => {
      const { worker, waitMs } = c.req.valid('json');
      return c.json({ task: await master.claim(worker, waitMs) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/internal/work/{id}/original',
      tags: ['workers'],
      summary: "The task's original bytes, for the lease holder",
      request: { params: z.object({ id: ImageId }), query: z.object({ lease: Lease }) },
      responses: { 200: { description: 'the original', content: { 'application/octet-stream': { schema: binary } } }, ...errors(400, 401, 404, 409) },
    }),
    async (c) => {
      const blob = await master.originalForWorker(c.req.valid('param').id, c.req.valid('query').lease);
      return c.body(new Uint8Array(blob.bytes), 200, { 'content-type': blob.contentType });
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/internal/work/{id}/results/{variant}/{format}',
      tags: ['workers'],
      summary: 'Store one encoded variant under the lease',
      request: {
        params: z.object({ id: ImageId, variant: Variant, format: Format }),
        query: z.object({ lease: Lease }),
        body: { required: true, content: { 'application/octet-stream': { schema: binary } } },
      },
      responses: { 204: { description: 'stored' }, ...errors(400, 401, 409, 413) },
    }),
    async (c) => {
      const { id, variant, format } = c.req.valid('param');
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.byteLength > maxResultBytes) return c.json({ error: { code: 'payload_too_large', message: 'result too large' } }, 413);
      await master.putResult(id, c.req.valid('query').lease, variant, format, bytes);
      return c.body(null, 204);
    },
  );

  const Reported = z.object({
    variant: Variant,
    format: Format,
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/work/{id}/complete',
      tags: ['workers'],
      summary: 'Finish the task with every uploaded variant; ignored (applied: false) when the lease was lost',
      request: {
        params: z.object({ id: ImageId }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ leaseId: Lease, variants: z.array(Reported).max(64), timings: z.record(z.string(), z.number().nonnegative()).default({}) }),
            },
          },
        },
      },
      responses: { 200: { description: 'recorded or ignored', content: { 'application/json': { schema: z.object({ applied: z.boolean() }) } } }, ...errors(400, 401) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json({ applied: await master.complete(c.req.valid('param').id, body.leaseId, body.variants, body.timings) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/work/{id}/fail',
      tags: ['workers'],
      summary: 'Report a failed attempt; a permanent one fails the task, else it waits for another attempt',
      request: {
        params: z.object({ id: ImageId }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ leaseId: Lease, code: z.string().min(1).max(64), message: z.string().max(500), permanent: z.boolean() }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'recorded or ignored',
          content: { 'application/json': { schema: z.object({ applied: z.boolean(), state: z.enum(['pending', 'failed']).nullable() }) } },
        },
        ...errors(400, 401),
      },
    }),
    async (c) => {
      const { leaseId, ...error } = c.req.valid('json');
      const state = await master.fail(c.req.valid('param').id, leaseId, error);
      return c.json({ applied: state !== null, state: state as 'pending' | 'failed' | null }, 200);
    },
  );
}
