// The region and ISP codes viewers and lines may name (CDN_REGIONS, CDN_ISPS).
import { ValidationError } from '@bamboo/kit';
import { EVERYWHERE } from '../stores/lines.js';

export interface Codes {
  regions: ReadonlySet<string>;
  isps: ReadonlySet<string>;
}

export function createCodes(regions: string[], isps: string[]): Codes {
  return { regions: new Set(regions), isps: new Set(isps) };
}

/** 400 naming the field unless `value` is a configured code (or `*` where allowed). */
export function checkCode(codes: Codes, kind: 'region' | 'isp', value: string, field: string, allowEverywhere = false): void {
  if (allowEverywhere && value === EVERYWHERE) return;
  const known = kind === 'region' ? codes.regions : codes.isps;
  if (!known.has(value)) {
    throw new ValidationError(`${field}: unknown ${kind} "${value}"; configured: ${[...known].join(', ')}`);
  }
}
