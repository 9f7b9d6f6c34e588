// Images made on the fly for tests and the benchmark: photo-like noise,
// EXIF-rotated halves, a PNG whose header claims a decompression bomb.
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A photo-like JPEG (noise compresses like detail does). */
export function photo(width: number, height: number, seedColour = 128): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: seedColour, g: 90, b: 60 }, noise: { type: 'gaussian', mean: seedColour, sigma: 40 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * 400x200 stored sideways: left half red, right half blue, with EXIF
 * orientation 6 (display rotated 90° clockwise: red on top, blue below),
 * plus EXIF text that must not survive processing.
 */
export async function sidewaysJpeg(): Promise<Buffer> {
  const half = (r: number, b: number) => sharp({ create: { width: 200, height: 200, channels: 3, background: { r, g: 0, b } } }).png().toBuffer();
  return sharp({ create: { width: 400, height: 200, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([
      { input: await half(255, 0), left: 0, top: 0 },
      { input: await half(0, 255), left: 200, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .withExifMerge({ IFD0: { Copyright: 'secret-owner', Artist: 'someone' } })
    .toBuffer();
}

/** A tiny PNG whose header says width×height (the pixels are never there). */
export function pngHeaderBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

/** The RGB of one pixel of an encoded image. */
export async function pixel(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}
