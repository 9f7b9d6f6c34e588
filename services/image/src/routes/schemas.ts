// Shapes shared by image's routes, for validation and /openapi.json.
import { ErrorSchema, z } from '@bamboo/kit';
import { OUTPUT_FORMATS, VARIANT_NAMES } from '../images/variants.js';

export { ErrorSchema };

export const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [status, { description: 'refused', content: { 'application/json': { schema: ErrorSchema } } }]),
  );

export const binary: { type: 'string'; format: string } = { type: 'string', format: 'binary' };

/** A raw image body or a multipart form with a `file` part (not validated by schema: read by routes/body.ts). */
export const uploadBody = {
  required: true,
  content: {
    'image/jpeg': { schema: binary },
    'image/png': { schema: binary },
    'image/webp': { schema: binary },
    'image/avif': { schema: binary },
    'image/gif': { schema: binary },
    'application/octet-stream': { schema: binary },
    'multipart/form-data': { schema: { type: 'object' as const, properties: { file: binary }, required: ['file'] } },
  },
};

export const ImageId = z.string().regex(/^[0-9]{1,18}$/, 'must be an image id (digits)').openapi({ example: '42' });

export const Accepted = z.object({ id: z.string(), status: z.string() }).openapi('ImageAccepted');

export const ImageStatus = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'in-progress', 'finished', 'failed']),
    kind: z.string(),
    roomId: z.string().nullable(),
    attempts: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: z.number(),
    finishedAt: z.number().nullable(),
    original: z.object({ format: z.string(), width: z.number(), height: z.number(), bytes: z.number(), url: z.string() }),
    variants: z.array(
      z.object({
        name: z.enum(VARIANT_NAMES as [string, ...string[]]),
        width: z.number(),
        height: z.number(),
        formats: z.array(z.enum(OUTPUT_FORMATS)),
        url: z.string(),
      }),
    ),
  })
  .openapi('ImageStatus');
