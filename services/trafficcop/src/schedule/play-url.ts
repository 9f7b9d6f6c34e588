// Pull URL templates and signed play URLs. A line with a sign key gets
// Aliyun-style type-A URLs (`auth_key=<expires>-<rand>-<uid>-<md5>`), which
// most Chinese CDNs accept in this or a close form; the origin signs its own
// way (node-media-server's `sign`).
import { createHash } from 'node:crypto';
import { templateUrl } from '../relay/push-url.js';
import type { PullProtocol } from '../stores/lines.js';

const SCHEMES: Record<PullProtocol, readonly string[]> = { flv: ['http:', 'https:'], hls: ['http:', 'https:'], rtmp: ['rtmp:'] };

/** Why a pull template is unusable for `protocol`, or undefined when fine. */
export function pullTemplateProblem(protocol: PullProtocol, template: string): string | undefined {
  const url = templateUrl(template, SCHEMES[protocol]);
  return typeof url === 'string' ? url : undefined;
}

/**
 * `url` (a filled template: scheme://host/path[?query]) with an `auth_key`
 * valid until `expiresAtS` (epoch seconds). String work rather than `URL`:
 * this runs for every signed line of every play.
 */
export function signPlayUrl(url: string, key: string, expiresAtS: number): string {
  const query = url.indexOf('?');
  const pathStart = url.indexOf('/', url.indexOf('://') + 3);
  const path = pathStart < 0 ? '/' : url.slice(pathStart, query < 0 ? undefined : query);
  const rand = '0';
  const uid = '0';
  const digest = createHash('md5').update(`${path}-${expiresAtS}-${rand}-${uid}-${key}`).digest('hex');
  return `${url}${query < 0 ? '?' : '&'}auth_key=${expiresAtS}-${rand}-${uid}-${digest}`;
}
