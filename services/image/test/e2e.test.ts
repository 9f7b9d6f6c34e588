// Upload → worker → finished → download, over real sockets, plus every way
// an upload or a download is refused.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { readJson } from '@bamboo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, VARIANTS, VARIANT_NAMES } from '../src/images/variants.js';
import { photo, pixel, pngHeaderBomb, sidewaysJpeg } from './fixtures.js';
import { internalUpload, settled, startImage, status, upload, waitFor, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startImage({ IMAGE_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) });
  h.worker();
});
afterAll(() => h.close());

const sharpFormat = { avif: 'heif', webp: 'webp', jpeg: 'jpeg' } as const;

describe('upload → finished → download', { timeout: 120_000 }, () => {
  let id: string;
  beforeAll(async () => {
    const res = await upload(h.url, await sidewaysJpeg());
    expect(res.status).toBe(202);
    id = (await readJson(res)).id;
    expect(id).toMatch(/^\d+$/);
  });

  it('finishes with every variant listed', async () => {
    const done = await waitFor(h.url, id, settled);
    expect(done).toMatchObject({ id, status: 'finished', kind: 'cover', attempts: 1, error: null });
    expect(done.variants.map((v: { name: string }) => v.name)).toEqual(VARIANT_NAMES);
    expect(done.original).toMatchObject({ format: 'jpeg', width: 400, height: 200 });
  });

  it('serves each variant in each format, explicitly, with long cache headers and an ETag', async () => {
    await waitFor(h.url, id, settled);
    for (const variant of VARIANT_NAMES) {
      for (const format of OUTPUT_FORMATS) {
        const res = await fetch(`${h.url}/v1/images/${id}/${variant}.${format}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(`image/${format}`);
        expect(res.headers.get('cache-control')).toContain('immutable');
        const etag = res.headers.get('etag')!;
        expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
        const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
        expect(meta).toMatchObject({ format: sharpFormat[format], width: VARIANTS[variant].width, height: VARIANTS[variant].height });
        expect(meta.exif).toBeUndefined();
        const again = await fetch(`${h.url}/v1/images/${id}/${variant}.${format}`, { headers: { 'if-none-match': etag } });
        expect(again.status).toBe(304);
      }
    }
  });

  it('negotiates the format from Accept, or takes ?format=', async () => {
    await waitFor(h.url, id, settled);
    const get = (accept: string | null, query = '') =>
      fetch(`${h.url}/v1/images/${id}/thumb_320x180${query}`, accept ? { headers: { accept } } : {});
    const browser = await get('image/avif,image/webp,*/*;q=0.8');
    expect(browser.headers.get('content-type')).toBe('image/avif');
    expect(browser.headers.get('vary')).toBe('Accept');
    expect((await get('image/webp,*/*')).headers.get('content-type')).toBe('image/webp');
    expect((await get('*/*')).headers.get('content-type')).toBe('image/jpeg');
    expect((await get('image/avif', '?format=webp')).headers.get('content-type')).toBe('image/webp');
    const refused = await get('image/png');
    expect(refused.status).toBe(406);
  });

  it('keeps the EXIF orientation and drops the metadata in what it serves', async () => {
    await waitFor(h.url, id, settled);
    const cover = Buffer.from(await (await fetch(`${h.url}/v1/images/${id}/cover_1280x720.jpeg`)).arrayBuffer());
    expect((await pixel(cover, 640, 10))[0]).toBeGreaterThan(200); // red on top
    expect((await pixel(cover, 640, 710))[2]).toBeGreaterThan(200); // blue below
    expect(cover.includes('secret-owner')).toBe(false);
  });

  it('serves the original as uploaded', async () => {
    const original = await sidewaysJpeg();
    const res = await fetch(`${h.url}/v1/images/${id}/original`);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), original)).toBe(0);
  });

  it('reuses the task for the same bytes', async () => {
    const res = await upload(h.url, await sidewaysJpeg());
    expect(await readJson(res)).toMatchObject({ id, status: 'finished' });
  });
});

describe('other ways in', { timeout: 120_000 }, () => {
  it('takes a multipart upload', async () => {
    const form = new FormData();
    form.set('file', new Blob([await photo(300, 200, 10)], { type: 'image/jpeg' }), 'cover.jpg');
    const res = await fetch(`${h.url}/v1/images?kind=avatar`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { id } = await readJson(res);
    expect(await waitFor(h.url, id, settled)).toMatchObject({ status: 'finished', kind: 'avatar' });
  });

  it('takes signed internal uploads of live thumbnails and answers {id}', async () => {
    const bytes = await photo(640, 360, 20);
    const res = await internalUpload(h.url, '/internal/images?kind=thumbnail&roomId=42', bytes);
    expect(res.status).toBe(202);
    const body = await readJson(res);
    expect(Object.keys(body)).toEqual(['id']);
    expect(await waitFor(h.url, body.id, settled)).toMatchObject({ status: 'finished', kind: 'thumbnail', roomId: '42' });
    const unsigned = await fetch(`${h.url}/internal/images?kind=thumbnail`, { method: 'POST', body: bytes, headers: { 'content-type': 'image/jpeg' } });
    expect(unsigned.status).toBe(401);
  });
});

describe('refusals change nothing', { timeout: 120_000 }, () => {
  async function refused(res: Response, statusCode: number, code: string) {
    expect(res.status).toBe(statusCode);
    expect((await readJson(res)).error.code).toBe(code);
  }

  it('refuses an empty body (400), an over-size body (413), a non-image or disguised file (415), a bomb (422)', async () => {
    const before = await (await fetch(`${h.url}/metrics`)).text();
    await refused(await upload(h.url, new Uint8Array(0)), 400, 'invalid_request');
    await refused(await upload(h.url, Buffer.alloc(2 * 1024 * 1024 + 1, 0xff)), 413, 'payload_too_large');
    await refused(await upload(h.url, Buffer.from('<html>this is not an image</html>'), 'image/jpeg'), 415, 'unsupported_format');
    const disguised = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really a jpeg, just text')]);
    await refused(await upload(h.url, disguised), 415, 'corrupt_image');
    await refused(await upload(h.url, pngHeaderBomb(30_000, 30_000), 'image/png'), 422, 'too_many_pixels');
    const after = await (await fetch(`${h.url}/metrics`)).text();
    const queued = (text: string) => text.match(/^image_tasks\{[^}]*state="pending"[^}]*\} (\d+)/m)?.[1];
    expect(queued(after)).toBe(queued(before));
    expect(after).toMatch(/image_failures_total\{[^}]*reason="too_many_pixels"[^}]*\} 1/);
  });

  it('answers 503, not a hang, when the blob store cannot write, and stores nothing', async () => {
    const broken = await startImage({ IMAGE_MAX_UPLOAD_BYTES: '100000' });
    try {
      const blobsDir = join(broken.dataDir, 'blobs');
      await rm(blobsDir, { recursive: true, force: true });
      await writeFile(blobsDir, 'a file where the directory was');
      await refused(await upload(broken.url, await photo(64, 48, 140)), 503, 'unavailable');
      expect((await fetch(`${broken.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${broken.url}/v1/images/1`)).status).toBe(404);
    } finally {
      await broken.close();
    }
  });

  it('answers 404 for an unknown id, 400 for a bad id or an unknown variant or format', async () => {
    await refused(await fetch(`${h.url}/v1/images/987654`), 404, 'not_found');
    await refused(await fetch(`${h.url}/v1/images/not-an-id`), 400, 'invalid_request');
    const { id } = await readJson(await upload(h.url, await photo(200, 100, 30)));
    await waitFor(h.url, id, settled);
    await refused(await fetch(`${h.url}/v1/images/${id}/cover_9999x1`), 400, 'invalid_request');
    await refused(await fetch(`${h.url}/v1/images/${id}/avatar_128.bmp`), 400, 'invalid_request');
    await refused(await fetch(`${h.url}/v1/images/987654/avatar_128`), 404, 'not_found');
  });

  it('fails a malformed image with the reason, and the worker carries on', async () => {
    const whole = await photo(900, 700, 40);
    const { id } = await readJson(await upload(h.url, whole.subarray(0, whole.length / 2)));
    const failed = await waitFor(h.url, id, settled);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'corrupt_image' } });
    const res = await fetch(`${h.url}/v1/images/${id}/avatar_128`);
    expect(res.status).toBe(409);
    const next = (await readJson(await upload(h.url, await photo(320, 180, 50)))).id;
    expect((await waitFor(h.url, next, settled)).status).toBe('finished');
  });

  it('publishes its figures', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/image_tasks\{[^}]*state="finished"[^}]*\} [1-9]/);
    expect(text).toMatch(/image_queue_depth\{[^}]*\} 0/);
    expect(text).toMatch(/image_processing_seconds_count\{[^}]*variant="cover_1280x720"[^}]*\} [1-9]/);
    expect(text).toMatch(/image_failures_total\{stage="processing",reason="corrupt_image"[^}]*\} 1/);
    const doc = await readJson(await fetch(`${h.url}/openapi.json`));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/images', '/v1/images/{id}', '/v1/images/{id}/{file}', '/internal/images']));
    expect((await status(h.url, '1')).id).toBe('1');
  });
});
