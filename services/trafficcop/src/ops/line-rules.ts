// What makes a line usable, beyond each field's own schema: its kind needs
// the matching URLs, and its regions and ISPs must be configured codes.
import { ValidationError } from '@bamboo/kit';
import { checkCode, type Codes } from '../schedule/codes.js';
import { EVERYWHERE, PULL_PROTOCOLS, type LineKind, type NewCdnLine } from '../stores/lines.js';

/** The kind a line's URLs imply when none is given. */
export function impliedKind(line: Pick<NewCdnLine, 'pushUrlTemplate' | 'pullUrlTemplates'>): LineKind {
  const pulls = PULL_PROTOCOLS.some((p) => line.pullUrlTemplates[p] !== undefined);
  if (line.pushUrlTemplate !== undefined && pulls) return 'both';
  return pulls ? 'pull' : 'push';
}

/** 400 naming the field when the line as a whole does not hold together. */
export function checkLine(line: Omit<NewCdnLine, 'id'>, codes: Codes): void {
  if (line.kind !== 'pull' && line.pushUrlTemplate === undefined) {
    throw new ValidationError(`json.pushUrlTemplate: a ${line.kind} line needs a push URL template`);
  }
  if (line.kind !== 'push' && !PULL_PROTOCOLS.some((p) => line.pullUrlTemplates[p] !== undefined)) {
    throw new ValidationError(`json.pullUrlTemplates: a ${line.kind} line needs at least one pull URL template (flv, hls or rtmp)`);
  }
  for (const [field, kind, values] of [['regions', 'region', line.regions], ['isps', 'isp', line.isps]] as const) {
    if (values.includes(EVERYWHERE) && values.length > 1) throw new ValidationError(`json.${field}: "*" stands alone`);
    for (const value of values) checkCode(codes, kind, value, `json.${field}`, true);
  }
}
