// Input formats are recognised by their magic bytes, never by the declared
// content type or file name (a disguised file is refused), as imgproxy does.

export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export const CONTENT_TYPES: Record<InputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** The format the bytes really are, or null when it is not one we accept. */
export function sniffFormat(bytes: Uint8Array): InputFormat | null {
  if (bytes.length < 12) return null;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (ascii(bytes, 4, 8) === 'ftyp') return isAvifBox(bytes) ? 'avif' : null;
  return null;
}

/** An ISO-BMFF `ftyp` box naming avif/avis as major or compatible brand (HEIC is not accepted). */
function isAvifBox(bytes: Uint8Array): boolean {
  const size = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const end = Math.min(size, bytes.length);
  if (AVIF_BRANDS.has(ascii(bytes, 8, 12))) return true;
  for (let at = 16; at + 4 <= end; at += 4) if (AVIF_BRANDS.has(ascii(bytes, at, at + 4))) return true;
  return false;
}
