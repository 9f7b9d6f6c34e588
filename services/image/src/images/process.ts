// The worker's job, as one function (also what the benchmark's baseline
// runs): auto-orient from EXIF, decode once to a working size, then crop each
// variant and encode it in every output format. Outputs carry no metadata
// (sharp drops EXIF, XMP and ICC unless asked to keep them).
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { ImageRejectedError, inspectImage, reason, type ImageLimits } from './inspect.js';
import { OUTPUT_FORMATS, VARIANTS, VARIANT_NAMES, type OutputFormat, type VariantName } from './variants.js';

export interface VariantOutput {
  variant: VariantName;
  format: OutputFormat;
  data: Buffer;
  width: number;
  height: number;
  sha256: string;
}

export interface ProcessResult {
  outputs: VariantOutput[];
  /** Milliseconds spent per variant (all formats), and on `decode`. */
  timings: Record<string, number>;
}

/** Encoder settings: quality near what image CDNs default to; AVIF effort kept low because it dominates CPU. */
const ENCODE: Record<OutputFormat, (image: Sharp) => Sharp> = {
  avif: (image) => image.avif({ quality: 50, effort: 2 }),
  webp: (image) => image.webp({ quality: 80 }),
  jpeg: (image) => image.flatten({ background: '#ffffff' }).jpeg({ quality: 82 }),
};

// Every variant is a crop of a frame covering 1280x720 (it covers 128x128 too),
// so shrinking once to that size first saves decoding the full input per variant.
const WORKING = VARIANTS.cover_1280x720;

export async function processImage(input: Uint8Array, limits: ImageLimits): Promise<ProcessResult> {
  await inspectImage(input, limits);
  const timings: Record<string, number> = {};
  let started = performance.now();
  let working: { data: Buffer; info: OutputInfo };
  try {
    working = await sharp(input, { limitInputPixels: limits.maxPixels, pages: 1 })
      .rotate()
      .resize(WORKING.width, WORKING.height, { fit: 'outside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const message = reason(error);
    if (/pixel limit/i.test(message)) throw new ImageRejectedError('too_many_pixels', `decoding refused: ${message}`);
    throw new ImageRejectedError('corrupt_image', `cannot decode: ${message}`);
  }
  timings.decode = performance.now() - started;
  const raw = { width: working.info.width, height: working.info.height, channels: working.info.channels };

  const outputs: VariantOutput[] = [];
  for (const variant of VARIANT_NAMES) {
    started = performance.now();
    const { width, height } = VARIANTS[variant];
    const cropped = await sharp(working.data, { raw })
      .resize(width, height, { fit: 'cover', position: 'centre' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const croppedRaw = { width, height, channels: cropped.info.channels };
    const encoded = await Promise.all(
      OUTPUT_FORMATS.map(async (format) => {
        const data = await ENCODE[format](sharp(cropped.data, { raw: croppedRaw })).toBuffer();
        return { variant, format, data, width, height, sha256: createHash('sha256').update(data).digest('hex') };
      }),
    );
    outputs.push(...encoded);
    timings[variant] = performance.now() - started;
  }
  return { outputs, timings };
}
