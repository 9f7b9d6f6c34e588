// Reading an upload: a raw image body or the `file` field of a multipart
// form, never more than the configured maximum (413 beyond it).
import type { Context } from 'hono';
import { AppError, ValidationError } from '@bamboo/kit';

const tooLarge = (max: number) => new AppError(413, 'payload_too_large', `the image is larger than ${max} bytes`);

async function readLimited(c: Context, max: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (declared > max) throw tooLarge(max);
  // A signed request was already read whole to check its signature; else read the stream with a cap.
  const stream = c.req.raw.bodyUsed ? null : c.req.raw.body;
  if (!stream) {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > max) throw tooLarge(max);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge(max);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The uploaded image's bytes (the multipart part may be a little over `max` with its envelope). */
export async function readUpload(c: Context, max: number): Promise<Uint8Array> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) return readLimited(c, max);
  const envelope = await readLimited(c, max + 64 * 1024);
  let form: FormData;
  try {
    form = await new Response(envelope, { headers: { 'content-type': type } }).formData();
  } catch {
    throw new ValidationError('body: not a valid multipart/form-data body');
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') throw new ValidationError('body.file: a file part named "file" is required');
  if (file.size > max) throw tooLarge(max);
  return new Uint8Array(await file.arrayBuffer());
}
