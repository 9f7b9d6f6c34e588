// The safety checks before any pixel is decoded: the format by magic bytes,
// then the header's dimensions and frame count against the limits. A
// decompression bomb is refused here when its header tells the truth, and by
// sharp's limitInputPixels while decoding when it does not.
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { sniffFormat, type InputFormat } from './formats.js';

export interface ImageLimits {
  maxPixels: number;
  maxFrames: number;
}

export type RejectionCode = 'unsupported_format' | 'corrupt_image' | 'too_many_pixels' | 'too_many_frames';

/** The input can never be processed; retrying will not help. */
export class ImageRejectedError extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejectedError';
  }
}

export interface ImageHeader {
  format: InputFormat;
  width: number;
  height: number;
  frames: number;
}

export async function inspectImage(bytes: Uint8Array, limits: ImageLimits): Promise<ImageHeader> {
  const format = sniffFormat(bytes);
  if (!format) {
    throw new ImageRejectedError('unsupported_format', 'not a JPEG, PNG, WebP, AVIF or GIF image (checked by its magic bytes)');
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageRejectedError('corrupt_image', `looks like ${format} but its header cannot be read: ${reason(error)}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new ImageRejectedError('corrupt_image', `${format} header has no dimensions`);
  // For animations sharp reports one frame's height as pageHeight.
  const frameHeight = meta.pageHeight ?? height;
  if (width * frameHeight > limits.maxPixels) {
    throw new ImageRejectedError(
      'too_many_pixels',
      `${width}x${frameHeight} is ${width * frameHeight} pixels, over the limit of ${limits.maxPixels}`,
    );
  }
  const frames = meta.pages ?? 1;
  if (frames > limits.maxFrames) {
    throw new ImageRejectedError('too_many_frames', `${frames} frames, over the limit of ${limits.maxFrames}`);
  }
  return { format, width, height: frameHeight, frames };
}

export function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}
