// Public routes (/v1/images, through apollo) and the internal upload other
// services use (/internal/images): upload, status, downloads.
import type { Context } from 'hono';
import { AppError, ValidationError, createRoute, z, type ServiceApp } from '@bamboo/kit';
import { OUTPUT_FORMATS, isOutputFormat, isVariant, negotiateFormat, VARIANT_NAMES, type OutputFormat } from '../images/variants.js';
import { describeTask, type Blob, type Master } from '../master/master.js';
import { readUpload } from './body.js';
import { Accepted, ImageId, ImageStatus, binary, errors, uploadBody } from './schemas.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A stored blob as a cacheable response; 304 when the client already has it. */
export function sendBlob(c: Context, blob: Blob, vary?: string): Response {
  const headers: Record<string, string> = { etag: blob.etag, 'cache-control': IMMUTABLE };
  if (vary) headers.vary = vary;
  const match = c.req.header('if-none-match');
  if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === blob.etag)) {
    return c.body(null, 304, headers);
  }
  return c.body(new Uint8Array(blob.bytes), 200, { ...headers, 'content-type': blob.contentType, 'content-length': String(blob.bytes.byteLength) });
}

export function addImageRoutes(app: ServiceApp, master: Master, maxUploadBytes: number): void {
  const UploadQuery = z.object({
    kind: z.enum(['cover', 'thumbnail', 'avatar']).default('cover'),
    roomId: z.string().min(1).max(64).optional(),
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/images',
      tags: ['images'],
      summary: 'Upload an image (raw body or multipart `file`); processing happens in the background',
      request: { query: UploadQuery, body: uploadBody },
      responses: {
        202: { description: 'accepted; poll the status', content: { 'application/json': { schema: Accepted } } },
        ...errors(400, 413, 415, 422, 503),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const identity = c.get('identity');
      const bytes = await readUpload(c, maxUploadBytes);
      const task = await master.upload({ bytes, kind: query.kind, roomId: query.roomId, uploader: identity.userId ?? identity.clientId });
      return c.json({ id: task.id, status: describeTask(task, Date.now()).status }, 202, { location: `/v1/images/${task.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/images',
      tags: ['internal'],
      summary: "Upload for villa's covers and trafficcop's live thumbnails: raw image bytes as the body",
      request: {
        query: z.object({ kind: z.enum(['thumbnail', 'cover']), roomId: z.string().min(1).max(64).optional() }),
        body: uploadBody,
      },
      responses: {
        202: { description: 'accepted', content: { 'application/json': { schema: z.object({ id: z.string() }) } } },
        ...errors(400, 401, 413, 415, 422, 503),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const bytes = await readUpload(c, maxUploadBytes);
      const task = await master.upload({ bytes, kind: query.kind, roomId: query.roomId, uploader: c.get('caller') });
      return c.json({ id: task.id }, 202);
    },
  );

  for (const path of ['/v1/images/{id}', '/internal/images/{id}'] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags: [path.startsWith('/v1') ? 'images' : 'internal'],
        summary: 'Status: pending, in-progress, finished (with its variants) or failed (with the reason); 404 when not found',
        request: { params: z.object({ id: ImageId }) },
        responses: { 200: { description: 'the image', content: { 'application/json': { schema: ImageStatus } } }, ...errors(400, 404, 503) },
      }),
      async (c) => c.json(describeTask(await master.status(c.req.valid('param').id), Date.now()), 200),
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/images/{id}/{file}',
      tags: ['images'],
      summary: `Download: \`original\`, or a variant (${VARIANT_NAMES.join(', ')}) as negotiated by Accept, or with .webp/.avif/.jpeg or ?format=`,
      request: {
        params: z.object({ id: ImageId, file: z.string().min(1).max(40).openapi({ example: 'cover_640x360.webp' }) }),
        query: z.object({ format: z.enum(OUTPUT_FORMATS).optional() }),
        headers: z.object({ accept: z.string().optional(), 'if-none-match': z.string().optional() }),
      },
      responses: {
        200: { description: 'the image bytes', content: { 'image/avif': { schema: binary }, 'image/webp': { schema: binary }, 'image/jpeg': { schema: binary } } },
        304: { description: 'not modified (If-None-Match)' },
        ...errors(400, 404, 406, 409, 503),
      },
    }),
    async (c) => {
      const { id, file } = c.req.valid('param');
      if (file === 'original') return sendBlob(c, await master.original(id));
      const dot = file.lastIndexOf('.');
      const name = dot < 0 ? file : file.slice(0, dot);
      const suffix = dot < 0 ? undefined : file.slice(dot + 1);
      if (!isVariant(name)) throw new ValidationError(`params.file: unknown variant ${name}; one of original, ${VARIANT_NAMES.join(', ')}`);
      if (suffix !== undefined && !isOutputFormat(suffix)) {
        throw new ValidationError(`params.file: unknown format .${suffix}; one of ${OUTPUT_FORMATS.join(', ')}`);
      }
      const explicit: OutputFormat | undefined = suffix ?? c.req.valid('query').format;
      const format = explicit ?? negotiateFormat(c.req.header('accept'));
      if (!format) {
        throw new AppError(406, 'not_acceptable', `Accept allows none of ${OUTPUT_FORMATS.map((f) => `image/${f}`).join(', ')}`);
      }
      return sendBlob(c, await master.variant(id, name, format), explicit ? undefined : 'Accept');
    },
  );
}
