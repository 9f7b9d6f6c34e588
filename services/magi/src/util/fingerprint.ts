import { createHash } from 'node:crypto';

/** A short stable hash of a request's fields, to tell a retry from a reuse of its key. */
export function fingerprint(fields: Array<string | number>): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 24);
}
