// The variants every finished image has, each in every output format.
// Covers and thumbnails are exact sizes (centre crop, enlarged when the input
// is smaller) so room lists lay out without surprises.

export interface VariantSpec {
  width: number;
  height: number;
}

export const VARIANTS = {
  cover_1280x720: { width: 1280, height: 720 },
  cover_640x360: { width: 640, height: 360 },
  thumb_320x180: { width: 320, height: 180 },
  avatar_128: { width: 128, height: 128 },
} as const satisfies Record<string, VariantSpec>;
export type VariantName = keyof typeof VARIANTS;
export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

/** Output formats, in the server's order of preference when a client accepts several equally. */
export const OUTPUT_FORMATS = ['avif', 'webp', 'jpeg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const OUTPUT_CONTENT_TYPES: Record<OutputFormat, string> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
};

export const isVariant = (name: string): name is VariantName => Object.hasOwn(VARIANTS, name);
export const isOutputFormat = (name: string): name is OutputFormat =>
  (OUTPUT_FORMATS as readonly string[]).includes(name);

/**
 * The format to send for an Accept header: the acceptable one with the highest
 * q, ties going to the server's preference (AVIF, WebP, JPEG). Types matched
 * only through a wildcard get JPEG, which every client decodes. No header
 * means JPEG; a header that accepts none of ours means null (406).
 */
export function negotiateFormat(accept: string | undefined): OutputFormat | null {
  if (!accept || accept.trim() === '') return 'jpeg';
  const explicit = new Map<string, number>();
  let wildcard = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === '*/*' || type === 'image/*') wildcard = Math.max(wildcard, q);
    else explicit.set(type.trim(), q);
  }
  let best: OutputFormat | null = null;
  let bestQ = 0;
  for (const format of OUTPUT_FORMATS) {
    const q = explicit.get(OUTPUT_CONTENT_TYPES[format]) ?? 0;
    if (q > bestQ) [best, bestQ] = [format, q];
  }
  if (best) return best;
  const jpegRefused = explicit.get('image/jpeg') === 0;
  return wildcard > 0 && !jpegRefused ? 'jpeg' : null;
}
