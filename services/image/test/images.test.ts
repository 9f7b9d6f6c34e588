// Unit tests of the image domain: format sniffing, Accept negotiation, the
// upload checks and the worker's processing.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffFormat } from '../src/images/formats.js';
import { ImageRejectedError, inspectImage } from '../src/images/inspect.js';
import { processImage } from '../src/images/process.js';
import { OUTPUT_FORMATS, VARIANTS, VARIANT_NAMES, negotiateFormat } from '../src/images/variants.js';
import { photo, pixel, pngHeaderBomb, sidewaysJpeg } from './fixtures.js';

const limits = { maxPixels: 40_000_000, maxFrames: 100 };

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ImageRejectedError);
  return (error as ImageRejectedError).code;
}

describe('sniffFormat', () => {
  it('knows each accepted format by its magic bytes, whatever it is called', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } });
    expect(sniffFormat(await base.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await base.clone().png().toBuffer())).toBe('png');
    expect(sniffFormat(await base.clone().webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await base.clone().avif().toBuffer())).toBe('avif');
    expect(sniffFormat(await base.clone().gif().toBuffer())).toBe('gif');
  });

  it('refuses everything else', async () => {
    expect(sniffFormat(Buffer.from('<html><body>not an image</body></html>'))).toBeNull();
    expect(sniffFormat(Buffer.from('%PDF-1.7 1 0 obj'))).toBeNull();
    expect(sniffFormat(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).tiff().toBuffer())).toBeNull();
    expect(sniffFormat(Buffer.from([0xff, 0xd8]))).toBeNull();
  });
});

describe('negotiateFormat', () => {
  it('prefers AVIF, then WebP, when accepted equally', () => {
    expect(negotiateFormat('image/avif,image/webp,image/apng,*/*;q=0.8')).toBe('avif');
    expect(negotiateFormat('image/webp,*/*')).toBe('webp');
  });
  it('follows q-values, and falls back to JPEG for wildcards or no header', () => {
    expect(negotiateFormat('image/avif;q=0.5, image/webp;q=0.9')).toBe('webp');
    expect(negotiateFormat('*/*')).toBe('jpeg');
    expect(negotiateFormat(undefined)).toBe('jpeg');
    expect(negotiateFormat('image/jpeg')).toBe('jpeg');
  });
  it('returns null when nothing of ours is acceptable', () => {
    expect(negotiateFormat('image/png')).toBeNull();
    expect(negotiateFormat('image/avif;q=0, text/html')).toBeNull();
  });
});

describe('inspectImage (upload checks)', () => {
  it('reads format and size from the header', async () => {
    expect(await inspectImage(await photo(64, 48), limits)).toEqual({ format: 'jpeg', width: 64, height: 48, frames: 1 });
  });
  it('refuses a decompression bomb from its header alone', async () => {
    expect(await rejection(inspectImage(pngHeaderBomb(20_000, 20_000), limits))).toBe('too_many_pixels');
  });
  it('refuses a non-image and a disguised one', async () => {
    expect(await rejection(inspectImage(Buffer.from('just some text, long enough'), limits))).toBe('unsupported_format');
    const disguised = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.from('garbage that is not a png at all')]);
    expect(await rejection(inspectImage(disguised, limits))).toBe('corrupt_image');
  });
  it('refuses animations with too many frames', async () => {
    const frames = 5;
    const stills = await Promise.all(
      Array.from({ length: frames }, (_, i) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i * 40, g: 0, b: 0 } } }).png().toBuffer()),
    );
    const gif = await sharp(stills, { join: { animated: true } }).gif().toBuffer();
    expect((await inspectImage(gif, limits)).frames).toBe(frames);
    expect(await rejection(inspectImage(gif, { ...limits, maxFrames: 4 }))).toBe('too_many_frames');
  });
});

describe('processImage (the worker)', () => {
  it('makes every variant in every format at its exact size', async () => {
    const { outputs, timings } = await processImage(await photo(1600, 1200), limits);
    expect(outputs).toHaveLength(VARIANT_NAMES.length * OUTPUT_FORMATS.length);
    for (const out of outputs) {
      const meta = await sharp(out.data).metadata();
      expect({ w: meta.width, h: meta.height }).toEqual({ w: VARIANTS[out.variant].width, h: VARIANTS[out.variant].height });
      expect(meta.format).toBe(out.format === 'avif' ? 'heif' : out.format);
    }
    expect(Object.keys(timings).sort()).toEqual(['decode', ...VARIANT_NAMES].sort());
  });

  it('honours EXIF orientation and strips metadata', async () => {
    const input = await sidewaysJpeg();
    expect((await sharp(input).metadata()).orientation).toBe(6);
    const { outputs } = await processImage(input, limits);
    const cover = outputs.find((o) => o.variant === 'cover_1280x720' && o.format === 'jpeg')!;
    // Upright, the image is red above blue: the crop's top is red, its bottom blue.
    const [topR, , topB] = await pixel(cover.data, 640, 10);
    const [bottomR, , bottomB] = await pixel(cover.data, 640, 710);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(60);
    expect(bottomB).toBeGreaterThan(200);
    expect(bottomR).toBeLessThan(60);
    for (const out of outputs) {
      const meta = await sharp(out.data).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(out.data.includes('secret-owner')).toBe(false);
    }
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = await Promise.all(
      ['#ff0000', '#0000ff', '#0000ff'].map((background) => sharp({ create: { width: 64, height: 36, channels: 3, background } }).png().toBuffer()),
    );
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    const { outputs } = await processImage(gif, limits);
    const thumb = outputs.find((o) => o.variant === 'thumb_320x180' && o.format === 'webp')!;
    const [r, , b] = await pixel(thumb.data, 160, 90);
    expect(r).toBeGreaterThan(200);
    expect(b).toBeLessThan(60);
  });

  it('fails a truncated image with a reason instead of throwing anything else', async () => {
    const whole = await photo(800, 600);
    expect(await rejection(processImage(whole.subarray(0, whole.length / 3), limits))).toBe('corrupt_image');
  });
});
